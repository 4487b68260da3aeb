package org.gerritproxy.ssh;

import java.io.Closeable;
import java.io.IOException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.future.AuthFuture;
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
    fresh.addPublicKeyIdentity(peerKey);
    AuthFuture auth;
    try {
      auth = fresh.auth();
      auth.await(timeout.toMillis());
    } catch (IOException | RuntimeException e) {
      fresh.close(true);
      throw new IOException("the proxy's peer login to Gerrit node " + node.name() + " failed ("
          + e.getMessage() + ")", e);
    }
    if (!auth.isDone()) {
      // Slow or dying, not a refusal: the caller counts it against the node like a failed connect.
      fresh.close(true);
      throw new IOException("Gerrit node " + node.name() + " did not finish the proxy's peer login"
          + " within " + timeout.toMillis() + " ms");
    }
    if (!auth.isSuccess()) {
      Throwable cause = auth.getException();
      String why = cause == null ? "no reason given" : cause.getMessage();
      // MINA says this when the node has turned down every method; anything else (a broken
      // pipe, a reset, a closed session) is the node failing, not refusing.
      boolean refused = String.valueOf(why).contains("No more authentication methods");
      fresh.close(true);
      if (!refused) {
        throw new IOException("Gerrit node " + node.name() + " failed during the proxy's peer"
            + " login (" + why + ")", cause);
      }
      throw new PeerLoginRefused("Gerrit node " + node.name() + " refused the proxy's peer key ("
          + why + "). An administrator must add the peer key's public half to the"
          + " node's etc/peer_keys.", cause);
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
