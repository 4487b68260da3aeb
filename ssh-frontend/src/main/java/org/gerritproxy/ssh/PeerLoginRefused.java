package org.gerritproxy.ssh;

import java.io.IOException;

/**
 * A node answered but would not let the proxy in with its peer key: a configuration problem
 * (the key missing from the node's {@code etc/peer_keys}), not a sign that the node is down.
 */
final class PeerLoginRefused extends IOException {
  private static final long serialVersionUID = 1L;

  PeerLoginRefused(String message, Throwable cause) {
    super(message, cause);
  }
}
