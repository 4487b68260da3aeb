package org.gerritproxy.routing.admission;

import java.util.Objects;

/**
 * One fetch asking for a slot: who asks (the account, the unit of fairness), in which class, and
 * for which Gerrit node (whose concurrency is limited).
 *
 * @param id unique per gate, orders tickets of one account first come, first served
 */
public record Ticket(long id, String account, FetchClass fetchClass, String node) {

  public Ticket {
    Objects.requireNonNull(account, "account");
    Objects.requireNonNull(fetchClass, "fetchClass");
    Objects.requireNonNull(node, "node");
  }
}
