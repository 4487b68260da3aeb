package org.gerritproxy.ssh;

import org.gerritproxy.routing.Node;

/**
 * What the SSH frontend tells the rest of the proxy about its traffic: node failures for passive
 * health checking, and every finished command for metrics, as the HTTP frontend's
 * {@code BackendObserver} does for requests. Called on command threads: return quickly.
 */
public interface SshObserver {

  /** Does nothing; for tests and tools. */
  SshObserver NONE = new SshObserver() {};

  /** {@code node} could not be reached, or died in the middle of a command. */
  default void nodeFailed(Node node, Throwable cause) {}

  /** One command has finished, whatever its outcome; the same facts as its {@code sshd_log} line. */
  default void commandCompleted(SshCommandRecord record) {}
}
