package org.gerritproxy.routing;

/** {@code routing.writes}: where writes other than submits go. */
public enum WritesMode {
  /** Every write goes to the master. */
  MASTER,
  /** Writes go to the session's sticky node; only submits (and stream-events) are pinned. */
  ANY
}
