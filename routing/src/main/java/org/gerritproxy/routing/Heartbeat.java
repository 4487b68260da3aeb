package org.gerritproxy.routing;

/** The verdict of the backdoor channel (shared storage) on a node. */
public enum Heartbeat {
  /** Its sequence moved within {@code staleAfter} and its agent says its Gerrit is healthy. */
  FRESH_HEALTHY,
  /** Its sequence moved within {@code staleAfter} but its agent says its Gerrit is unhealthy. */
  FRESH_UNHEALTHY,
  /** No change of sequence within {@code staleAfter}, or no heartbeat at all. */
  STALE,
  /** {@code backdoor.type = none}: there is no second channel. */
  NOT_CONFIGURED,
  /** Not yet read. */
  UNKNOWN
}
