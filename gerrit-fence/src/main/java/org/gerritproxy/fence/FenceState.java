package org.gerritproxy.fence;

import org.gerritproxy.record.MasterRecord;
import java.util.Optional;

/**
 * What this node enforces now.
 *
 * @param node this node's name, as the proxy knows it
 * @param fenced whether it refuses writes
 * @param master the master of the record it enforces, if any
 * @param epoch the epoch of that record, or -1 when none was read
 * @param reason one sentence for users and operators: the refusal when fenced
 */
public record FenceState(String node, boolean fenced, Optional<String> master, long epoch,
    String reason) {

  /** Decides from a record just read (or the last good one). */
  static FenceState of(String node, MasterRecord record) {
    if (record.master().isEmpty()) {
      return new FenceState(node, true, Optional.empty(), record.epoch(), node
          + " is not the write master: the proxy has no write master at epoch " + record.epoch()
          + ". Write through the proxy once it has one.");
    }
    String master = record.master().get();
    if (master.equals(node)) {
      return new FenceState(node, false, record.master(), record.epoch(),
          node + " is the write master at epoch " + record.epoch() + ".");
    }
    return new FenceState(node, true, record.master(), record.epoch(), node
        + " is not the write master: " + master + " is, at epoch " + record.epoch()
        + ". Write through the proxy.");
  }

  /** Nothing published yet: the proxies have not decided anything this node could enforce. */
  static FenceState noRecord(String node, String where) {
    return new FenceState(node, false, Optional.empty(), -1,
        "no write master record has been published in " + where + " yet; " + node
            + " takes writes as if it had no fence.");
  }

  /** The record could not be read for longer than failClosedAfter (or never was). */
  static FenceState unreadable(String node, String problem, long seconds) {
    return new FenceState(node, true, Optional.empty(), -1, node
        + " cannot tell whether it is the write master: the master record has been unreadable"
        + (seconds > 0 ? " for " + seconds + " s" : "") + " (" + problem
        + "). It refuses writes until it can read it. Write through the proxy.");
  }

  /** The status answer: {@code {"node":…,"fenced":…,"epoch":…,"master":…,"reason":…}}. */
  /**
   * The status the proxy reads; {@code repositories} says whether FenceGitModule fences the
   * repositories too (Gerrit's own background writes), or only the doors (HTTP, SSH, receive).
   */
  public String toJson(boolean repositories) {
    return "{\"node\":" + quote(node) + ",\"fenced\":" + fenced + ",\"epoch\":" + epoch
        + ",\"master\":" + master.map(FenceState::quote).orElse("null")
        + ",\"reason\":" + quote(reason) + ",\"repositories\":" + repositories + "}";
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
