package org.gerritproxy.http;

import org.gerritproxy.routing.Node;

/**
 * What the HTTP frontend tells the rest of the proxy about traffic: failures for passive health
 * checking, and every finished exchange for metrics. Called on Netty event loops: return quickly.
 */
public interface BackendObserver {

  /** Does nothing; for tests and tools. */
  BackendObserver NONE = new BackendObserver() {};

  /**
   * A connection to {@code node} was refused, timed out or was reset before its response began.
   * One such failure is evidence enough to count against the node at once.
   */
  default void nodeFailed(Node node, Throwable cause) {}

  /** One request has finished, successfully or not; the same facts as its access log line. */
  default void exchangeCompleted(AccessRecord record) {}
}
