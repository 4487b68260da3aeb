package org.gerritproxy.ssh;

import java.io.IOException;

/**
 * A node answered but the proxy's peer login did not happen: the node refused the peer key (it is
 * missing from the node's {@code etc/peer_keys}), or the node's host key is not the one pinned for
 * it. A configuration (or security) problem, not a sign that the node is down.
 */
final class PeerLoginRefused extends IOException {
  private static final long serialVersionUID = 1L;

  PeerLoginRefused(String message, Throwable cause) {
    super(message, cause);
  }
}
