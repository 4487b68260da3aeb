package org.gerritproxy.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.gerritproxy.routing.AdminState;
import org.gerritproxy.routing.Endpoint;
import org.gerritproxy.routing.HealthView;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.RoutingSnapshot;
import org.gerritproxy.routing.RoutingTable;
import org.gerritproxy.routing.WriteMaster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A quiet client that answers keep-alives outlives the idle timeout; a login needs a known key. */
class KeepAliveTest {
  @TempDir Path dir;

  @Test
  void aQuietButLiveConnectionOutlivesTheIdleTimeout() throws Exception {
    KeyPair alice = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
    Node node = new Node("gerrit-1", URI.create("http://127.0.0.1:1"),
        new Endpoint("127.0.0.1", 1), 100, 1, AdminState.ACTIVE);
    RoutingSnapshot snapshot = new RoutingSnapshot(RoutingTable.builder().addNode(node).build(),
        new HealthView(Map.of()), WriteMaster.none("test"));
    SshFrontendSettings settings = new SshFrontendSettings(new Endpoint("127.0.0.1", 0),
        List.of(dir.resolve("host_key")), dir.resolve("peer_key"), Optional.of("admin"),
        Optional.of("secret"), SshFrontendSettings.KeyCacheSettings.DEFAULTS,
        LoginThrottle.Settings.DEFAULTS,
        Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofMillis(300),
        Duration.ofSeconds(2), "test");
    AccountKeySource gerrit = user -> user.equals("alice")
        ? Optional.of(List.of(alice.getPublic())) : Optional.empty();
    try (SshFrontend frontend = new SshFrontend(settings, () -> snapshot, (n, e) -> { }, gerrit);
        SshClient client = SshClient.setUpDefaultClient()) {
      InetSocketAddress address = frontend.start();
      client.setServerKeyVerifier((s, a, k) -> true);
      client.start();
      try (ClientSession session = client.connect("alice", "127.0.0.1", address.getPort())
          .verify(Duration.ofSeconds(5)).getSession()) {
        session.addPublicKeyIdentity(alice);
        session.auth().verify(Duration.ofSeconds(5));
        Thread.sleep(4000);
        assertThat(session.isOpen()).as("open after twice the idle timeout").isTrue();
      }
    }
  }
}
