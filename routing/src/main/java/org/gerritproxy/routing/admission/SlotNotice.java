package org.gerritproxy.routing.admission;

import java.time.Duration;

/**
 * What a waiting or refused fetch is told, the same over HTTP and SSH: sentences that say what
 * happened and what to do, prefixed so that a user sees who speaks among git's own lines.
 */
public final class SlotNotice {

  private SlotNotice() {}

  /** The progress line while a fetch waits (SSH stderr). */
  public static String waiting(int ahead) {
    return "gerrit-proxy: waiting for a slot, " + ahead + " ahead";
  }

  public static String timedOut(Duration waited) {
    return "gerrit-proxy: the Gerrit servers are busy and no fetch slot became free within "
        + human(waited) + "; this fetch was given up. Retry in a few minutes.";
  }

  public static String queueFull(int maxQueued) {
    return "gerrit-proxy: the Gerrit servers are busy: " + maxQueued + " fetches are waiting"
        + " already. Retry in a few minutes.";
  }

  static String human(Duration d) {
    long s = d.toSeconds();
    if (s == 0) {
      return d.toMillis() + "ms";
    }
    return s % 60 == 0 && s >= 60 ? s / 60 + "m" : s + "s";
  }
}
