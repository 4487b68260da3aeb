package org.gerritproxy.ssh;

import java.io.Closeable;
import java.io.IOException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.future.AuthFuture;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.gerritproxy.routing.Endpoint;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.SshCommandClassifier;

/**
 * The SSH sessions one client connection holds to Gerrit nodes, logged in with the peer key. They
 * are shared by that connection's channels only, so one user's commands never ride on a session
 * opened for another.
 */
final class BackendSessions implements Closeable {
  /** The node's address as configured, for the check of its pinned host key. */
  static final AttributeKey<Endpoint> NODE_ADDRESS = new AttributeKey<>();
  /**
   * Where {@link NodeHostKeys} says why it refused the node's key. It lives in the connection's
   * context, not the session, since the refusal closes the session and clears its attributes.
   */
  static final AttributeKey<AtomicReference<String>> HOST_KEY_REFUSAL = new AttributeKey<>();

  private final SshClient client;
  private final KeyPair peerKey;
  private final Duration timeout;
  private final Duration loginTimeout;
  /** Concurrent, so {@link #openNodes} need not wait for a login that {@link #to} is making. */
  private final Map<String, ClientSession> byNode = new ConcurrentHashMap<>();
  /**
   * Sessions kept open past {@link #close} until released: a pack cache fill still reads them.
   * Not under this object's lock, which {@link #to} holds through a login: holding and releasing
   * happen on I/O threads, which must not wait for another command's login.
   */
  private final Map<ClientSession, Integer> held = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /**
   * @param timeout how long a node may take to accept the connection
   * @param loginTimeout how long the key exchange and the peer login may then take: far longer,
   *     since a node that accepted is alive, and fifty clones starting at once make each of their
   *     key exchanges wait for the node's CPU; failing them would fail clones a busy node serves
   */
  BackendSessions(SshClient client, KeyPair peerKey, Duration timeout, Duration loginTimeout) {
    this.client = client;
    this.peerKey = peerKey;
    this.timeout = timeout;
    this.loginTimeout = loginTimeout;
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
    AtomicReference<String> hostKeyRefusal = new AtomicReference<>();
    AttributeRepository context = AttributeRepository.ofAttributesMap(
        Map.of(NODE_ADDRESS, node.ssh(), HOST_KEY_REFUSAL, hostKeyRefusal));
    ClientSession fresh = client
        .connect(SshCommandClassifier.PEER_USER, node.ssh().host(), node.ssh().port(), context)
        .verify(timeout)
        .getSession();
    fresh.addPublicKeyIdentity(peerKey);
    AuthFuture auth;
    try {
      auth = fresh.auth();
      auth.await(loginTimeout.toMillis());
    } catch (IOException | RuntimeException e) {
      fresh.close(true);
      refusedHostKey(hostKeyRefusal.get(), node, e);
      throw new IOException("the proxy's peer login to Gerrit node " + node.name() + " failed ("
          + e.getMessage() + ")", e);
    }
    if (!auth.isDone()) {
      // Slow or dying, not a refusal: the caller counts it against the node like a failed connect.
      fresh.close(true);
      throw new IOException("Gerrit node " + node.name() + " did not finish the proxy's peer login"
          + " within " + loginTimeout.toMillis() + " ms");
    }
    if (!auth.isSuccess()) {
      Throwable cause = auth.getException();
      fresh.close(true);
      refusedHostKey(hostKeyRefusal.get(), node, cause);
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

  /** Throws the pinned-key refusal when that is why the login to {@code node} failed. */
  private static void refusedHostKey(String why, Node node, Throwable cause)
      throws PeerLoginRefused {
    if (why != null) {
      throw new PeerLoginRefused("Gerrit node " + node.name() + ": " + why, cause);
    }
  }

  /**
   * The nodes this connection holds an open session to now. Not synchronized: /metrics and the
   * dashboard's sampler read it, and must not stall for the seconds a slow node's login takes.
   */
  java.util.List<String> openNodes() {
    java.util.List<String> open = new java.util.ArrayList<>();
    byNode.forEach((node, s) -> {
      if (s.isOpen() && !s.isClosing()) {
        open.add(node);
      }
    });
    return open;
  }

  /**
   * Keeps {@code session} open past {@link #close} until the returned release runs (once): the
   * pack cache's fill of an entry, whose node answer others read along, outlives the client that
   * asked for it.
   */
  Runnable hold(ClientSession session) {
    held.merge(session, 1, Integer::sum);
    java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
    return () -> {
      if (once.compareAndSet(false, true)) {
        release(session);
      }
    };
  }

  private void release(ClientSession session) {
    // Down to none: the entry goes, then the close is checked. close() sets closed, then checks
    // the entries: whichever comes second closes the session (both may; closing twice is fine).
    if (held.computeIfPresent(session, (s, n) -> n > 1 ? n - 1 : null) == null && closed) {
      session.close(true);
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    for (ClientSession s : byNode.values()) {
      if (!held.containsKey(s)) {
        s.close(true);
      }
    }
    byNode.clear();
  }
}
