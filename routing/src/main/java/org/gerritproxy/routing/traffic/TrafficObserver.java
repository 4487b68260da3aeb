package org.gerritproxy.routing.traffic;

import org.gerritproxy.routing.Node;

/**
 * What a frontend tells the rest of the proxy about its traffic: node failures for passive health
 * checking, and every finished request for metrics. Called on Netty event loops and SSH command
 * threads: return quickly.
 */
public interface TrafficObserver {

  /** Does nothing; for tests and tools. */
  TrafficObserver NONE = new TrafficObserver() {};

  /**
   * {@code node} refused or dropped a connection, timed out, or died before its response began
   * (or, over SSH, in the middle of a command). One such failure counts against the node at once.
   */
  default void nodeFailed(Node node, Throwable cause) {}

  /** One request has finished, whatever its outcome; the same facts as its access-log line. */
  default void completed(AccessRecord<?> record) {}
}
