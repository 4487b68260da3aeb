package org.gerritproxy.ssh;

import com.github.benmanes.caffeine.cache.Ticker;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.command.CommandFactory;
import org.apache.sshd.server.auth.pubkey.PublickeyAuthenticator;
import org.gerritproxy.routing.AdminState;
import org.gerritproxy.routing.Endpoint;
import org.gerritproxy.routing.HealthView;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.NodeState;
import org.gerritproxy.routing.RoutingSnapshot;
import org.gerritproxy.routing.RoutingTable;
import org.gerritproxy.routing.WriteMaster;

/**
 * A stand-in node, gerrit-1 and the master, running {@link SshRelayTest.FakeGerritCommand}s; the
 * SSH frontend in front of it; and a client. Only {@link #alice}'s key logs in, as alice. Closing
 * it stops all three.
 */
final class OneNodeFrontend implements AutoCloseable {
  final KeyPair alice = HostileSshClientsTest.newKey();
  private final Duration step;
  private SshServer node;
  private SshFrontend frontend;
  private SshClient client;
  private int port;

  private OneNodeFrontend(Duration step) {
    this.step = step;
  }

  /**
   * Starts the three on free loopback ports, the frontend's host and peer keys in {@code dir}.
   * {@code nodeLogin} decides the proxy's peer logins on the node; each client step (connect,
   * login) may take {@code step}.
   */
  static OneNodeFrontend start(Path dir, PublickeyAuthenticator nodeLogin, Duration loginGrace,
      Duration connectTimeout, Duration step) throws Exception {
    return start(dir, nodeLogin, loginGrace, connectTimeout, step,
        (channel, command) -> new SshRelayTest.FakeGerritCommand(command));
  }

  /** The same, the node running {@code commands}. */
  static OneNodeFrontend start(Path dir, PublickeyAuthenticator nodeLogin, Duration loginGrace,
      Duration connectTimeout, Duration step, CommandFactory commands) throws Exception {
    OneNodeFrontend f = new OneNodeFrontend(step);
    try {
      f.node = SshServer.setUpDefaultServer();
      f.node.setHost("127.0.0.1");
      f.node.setPort(0);
      f.node.setKeyPairProvider(KeyPairProvider.wrap(HostileSshClientsTest.newKey()));
      f.node.setPublickeyAuthenticator(nodeLogin);
      f.node.setCommandFactory(commands);
      f.node.start();
      f.frontend = frontend(dir, f.node.getPort(), f.alice, loginGrace, connectTimeout);
      f.port = f.frontend.start().getPort();
      f.client = SshClient.setUpDefaultClient();
      f.client.setServerKeyVerifier((s, a, k) -> true);
      f.client.start();
      return f;
    } catch (Exception | Error e) {
      f.close();
      throw e;
    }
  }

  /** The SSH frontend under test. */
  SshFrontend frontend() {
    return frontend;
  }

  /** A new connection to the frontend, logged in as alice. */
  ClientSession login() throws IOException {
    ClientSession s = client.connect("alice", "127.0.0.1", port).verify(step).getSession();
    s.addPublicKeyIdentity(alice);
    s.auth().verify(step);
    return s;
  }

  @Override
  public void close() throws Exception {
    if (client != null) {
      client.stop();
    }
    if (frontend != null) {
      frontend.close();
    }
    if (node != null) {
      node.stop(true);
    }
  }

  private static SshFrontend frontend(Path dir, int nodeSshPort, KeyPair alice,
      Duration loginGrace, Duration connectTimeout) {
    Node gerrit1 = new Node("gerrit-1", URI.create("http://127.0.0.1:1"),
        new Endpoint("127.0.0.1", nodeSshPort), 100, 1, AdminState.ACTIVE);
    RoutingSnapshot snapshot = new RoutingSnapshot(
        RoutingTable.builder().addNode(gerrit1).build(),
        new HealthView(Map.of("gerrit-1", NodeState.UP)),
        new WriteMaster(Optional.of("gerrit-1"), 1, "the test's"));
    SshFrontendSettings settings = new SshFrontendSettings(new Endpoint("127.0.0.1", 0),
        List.of(dir.resolve("host_key")), dir.resolve("peer_key"), Optional.of("admin"),
        Optional.of("secret"), SshFrontendSettings.KeyCacheSettings.DEFAULTS,
        LoginThrottle.Settings.DEFAULTS, loginGrace, Duration.ofSeconds(60),
        Duration.ofSeconds(30), connectTimeout, "test");
    AccountKeySource keys = user -> user.equals("alice")
        ? Optional.of(List.of(alice.getPublic())) : Optional.empty();
    return new SshFrontend(settings, () -> snapshot, (n, e) -> { }, keys,
        new LoginThrottle(1000, Duration.ofMinutes(1), Duration.ofMinutes(1),
            Ticker.systemTicker()));
  }
}
