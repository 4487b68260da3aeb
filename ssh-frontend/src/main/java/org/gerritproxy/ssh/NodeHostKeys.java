package org.gerritproxy.ssh;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.gerritproxy.routing.Endpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nodes' pinned SSH host keys, from an OpenSSH known_hosts file ({@code ssh-keyscan -p 29418
 * HOST} writes its lines): a node whose key is not there for its {@code host:port} is not logged
 * in to, since whoever answers there may not be the node. The file is read again when it changes,
 * so that a node's new key takes effect without a restart.
 */
final class NodeHostKeys implements ServerKeyVerifier {
  private static final Logger log = LoggerFactory.getLogger(NodeHostKeys.class);
  private final Path file;
  /** When and how large the file was when read: a rewrite within one clock tick still shows. */
  private String readAt;
  private List<KnownHostEntry> entries = List.of();

  NodeHostKeys(Path file) {
    this.file = file;
  }

  /** Reads the file now: an unreadable or malformed file fails the start, not the first login. */
  static NodeHostKeys load(Path file) throws IOException {
    NodeHostKeys keys = new NodeHostKeys(file);
    keys.current();
    return keys;
  }

  /** The entries of the file as it is now. */
  private synchronized List<KnownHostEntry> current() throws IOException {
    String modified = Files.getLastModifiedTime(file) + " " + Files.size(file);
    if (!modified.equals(readAt)) {
      List<KnownHostEntry> read = new ArrayList<>(KnownHostEntry.readKnownHostEntries(file));
      read.removeIf(e -> e.getKeyEntry() == null);
      entries = List.copyOf(read);
      readAt = modified;
    }
    return entries;
  }

  @Override
  public boolean verifyServerKey(ClientSession session, SocketAddress remote, PublicKey key) {
    var context = session.getConnectionContext();
    Endpoint node = context == null ? null : context.getAttribute(BackendSessions.NODE_ADDRESS);
    if (node == null && remote instanceof InetSocketAddress i) {
      node = new Endpoint(i.getHostString(), i.getPort());
    }
    Optional<String> refusal = check(node, key);
    refusal.ifPresent(why -> {
      var holder = context == null ? null : context.getAttribute(BackendSessions.HOST_KEY_REFUSAL);
      if (holder != null) {
        holder.set(why); // for the message the user gets
      }
      log.error("{}", why);
    });
    return refusal.isEmpty();
  }

  /** Why {@code key} shown at {@code node} is not to be trusted; empty when it is pinned there. */
  Optional<String> check(Endpoint node, PublicKey key) {
    String scan = "ssh-keyscan -p " + node.port() + " " + node.host() + " >> " + file;
    List<KnownHostEntry> all;
    try {
      all = current();
    } catch (IOException | RuntimeException e) {
      return Optional.of("the proxy cannot read the nodes' pinned host keys from " + file + " ("
          + e.getMessage() + "), so it connects to no node over SSH. Fix that file ([sshd]"
          + " nodeKnownHosts).");
    }
    boolean hostListed = false;
    for (KnownHostEntry e : all) {
      if (!e.isHostMatch(node.host(), node.port())) {
        continue;
      }
      PublicKey pinned;
      try {
        pinned = e.getKeyEntry().resolvePublicKey(null, PublicKeyEntryResolver.IGNORING);
      } catch (IOException | java.security.GeneralSecurityException ex) {
        continue;
      }
      if (pinned == null) {
        continue;
      }
      if ("@revoked".equals(e.getMarker())) {
        if (KeyUtils.compareKeys(pinned, key)) {
          return Optional.of(node + " showed a host key that " + file + " marks @revoked ("
              + KeyUtils.getFingerPrint(key) + "): the proxy refused to connect.");
        }
        continue;
      }
      hostListed = true;
      if (KeyUtils.compareKeys(pinned, key)) {
        return Optional.empty();
      }
    }
    String fingerprint = KeyUtils.getKeyType(key) + " " + KeyUtils.getFingerPrint(key);
    if (hostListed) {
      return Optional.of("the SSH host key of " + node + " (" + fingerprint + ") is not the one"
          + " pinned for it in " + file + ": the proxy refused to connect, since someone may be"
          + " intercepting the connection. If the node's key was changed on purpose, replace its"
          + " line in that file (" + scan + ").");
    }
    return Optional.of(node + " has no pinned host key in " + file + " (it showed " + fingerprint
        + "): the proxy refused to connect. Add the node's key: " + scan + ".");
  }
}
