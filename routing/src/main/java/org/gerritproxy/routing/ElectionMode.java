package org.gerritproxy.routing;

/** How the write master is chosen ({@code election.mode}). */
public enum ElectionMode {
  /** This proxy alone decides from its own view of health. */
  LOCAL,
  /** The operator names the master ({@code election.master}); nothing else moves it. */
  STATIC,
  /** Several proxies agree through ZooKeeper. */
  ZOOKEEPER
}
