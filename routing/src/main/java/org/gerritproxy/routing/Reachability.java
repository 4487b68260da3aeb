package org.gerritproxy.routing;

/** The verdict of the network channel on a node, after fall/rise hysteresis. */
public enum Reachability {
  REACHABLE,
  UNREACHABLE,
  /** Not enough probes yet to say. */
  UNKNOWN
}
