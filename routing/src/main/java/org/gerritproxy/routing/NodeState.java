package org.gerritproxy.routing;

/** A node's state as this proxy sees it (docs/design.md, "Health"). */
public enum NodeState {
  /** The network probes answer. */
  UP,
  /** The network probes fail, but the backdoor heartbeat is fresh and healthy: it lives. */
  PARTITIONED,
  /** The network probes fail and the backdoor is stale, unhealthy or absent. */
  DOWN,
  /** The operator drains it ({@code state = drain}). */
  DRAINING,
  /** The operator disabled it ({@code state = disabled}). */
  DISABLED,
  /** Not yet probed. */
  UNKNOWN
}
