package org.gerritproxy.routing;

import java.util.Objects;
import java.util.Optional;

/**
 * Which node takes writes, with its fencing epoch. The epoch increases on every change of
 * master, including to and from "no master", so that a smaller epoch is always an older decision.
 *
 * @param node the master, or empty when there is none
 * @param epoch the fencing number of this decision
 * @param reason why this is the master (or why there is none), for operators
 */
public record WriteMaster(Optional<String> node, long epoch, String reason) {

  public WriteMaster {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(reason, "reason");
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch must not be negative");
    }
  }

  /** The state before any election: no master, epoch 0. */
  public static WriteMaster none(String reason) {
    return new WriteMaster(Optional.empty(), 0, reason);
  }

  public boolean isKnown() {
    return node.isPresent();
  }

  public boolean is(String name) {
    return node.isPresent() && node.get().equals(name);
  }
}
