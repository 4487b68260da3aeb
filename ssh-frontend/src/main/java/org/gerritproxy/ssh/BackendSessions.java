package org.gerritproxy.ssh;

import java.io.Closeable;
import java.io.IOException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.SshCommandClassifier;

/**
 * The SSH sessions one client connection holds to Gerrit nodes, logged in with the peer key. They
 * are shared by that connection's channels only, so one user's commands never ride on a session
 * opened for another.
 */
final class BackendSessions implements Closeable {
  private final SshClient client;
  private final KeyPair peerKey;
  private final Duration timeout;
  private final Map<String, ClientSession> byNode = new HashMap<>();
  private boolean closed;

  BackendSessions(SshClient client, KeyPair peerKey, Duration timeout) {
    this.client = client;
    this.peerKey = peerKey;
    this.timeout = timeout;
  }

  /** The open session to {@code node}, connected and authenticated now if there is none. */
  synchronized ClientSession to(Node node) throws IOException {
    if (closed) {
      throw new IOException("the client connection is closing");
    }
    ClientSession s = byNode.get(node.name());
    if (s != null && s.isOpen() && !s.isClosing()) {
      return s;
    }
    ClientSession fresh = client
        .connect(SshCommandClassifier.PEER_USER, node.ssh().host(), node.ssh().port())
        .verify(timeout)
        .getSession();
    try {
      fresh.addPublicKeyIdentity(peerKey);
      fresh.auth().verify(timeout);
    } catch (IOException | RuntimeException e) {
      fresh.close(true);
      throw new PeerLoginRefused("Gerrit node " + node.name() + " refused the proxy's peer key ("
          + e.getMessage() + "). An administrator must add the peer key's public half to the"
          + " node's etc/peer_keys.", e);
    }
    byNode.put(node.name(), fresh);
    return fresh;
  }

  /** The nodes this connection holds an open session to now. */
  synchronized java.util.List<String> openNodes() {
    java.util.List<String> open = new java.util.ArrayList<>();
    byNode.forEach((node, s) -> {
      if (s.isOpen() && !s.isClosing()) {
        open.add(node);
      }
    });
    return open;
  }

  @Override
  public synchronized void close() {
    closed = true;
    for (ClientSession s : byNode.values()) {
      s.close(true);
    }
    byNode.clear();
  }
}
