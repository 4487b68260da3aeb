package org.gerritproxy.routing;

/** What the operator wants of a node, from {@code node.NAME.state}. */
public enum AdminState {
  /** Takes reads and may be master. */
  ACTIVE,
  /** Finishes what it has, takes no new sessions, is not chosen as master. */
  DRAIN,
  /** Takes nothing. */
  DISABLED
}
