package org.gerritproxy.core.backdoor;

import java.util.Objects;

/**
 * One heartbeat as an agent wrote it: its node, a sequence that moves on every beat, and whether
 * the node's own Gerrit answered over loopback, with a short reason when it did not.
 */
public record HeartbeatRecord(String node, long sequence, boolean healthy, String detail) {

  public HeartbeatRecord {
    Objects.requireNonNull(node, "node");
    detail = detail == null ? "" : detail;
  }

  /** The text stored in the git backdoor: one {@code key=value} per line. */
  String toText() {
    return "node=" + node + "\nsequence=" + sequence + "\nhealthy=" + healthy + "\ndetail="
        + detail.replace('\n', ' ') + "\n";
  }

  static HeartbeatRecord parse(String text) {
    String node = null;
    long sequence = -1;
    boolean healthy = false;
    String detail = "";
    for (String line : text.split("\n")) {
      int eq = line.indexOf('=');
      if (eq < 0) {
        continue;
      }
      String value = line.substring(eq + 1);
      switch (line.substring(0, eq)) {
        case "node" -> node = value;
        case "sequence" -> sequence = Long.parseLong(value.trim());
        case "healthy" -> healthy = Boolean.parseBoolean(value.trim());
        case "detail" -> detail = value;
        default -> { } // later versions may add keys; old readers ignore them
      }
    }
    if (node == null || sequence < 0) {
      throw new IllegalArgumentException("not a heartbeat: " + text);
    }
    return new HeartbeatRecord(node, sequence, healthy, detail);
  }
}
