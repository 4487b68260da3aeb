package org.gerritproxy.ssh;

import com.github.benmanes.caffeine.cache.Ticker;
import java.net.URI;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.gerritproxy.routing.AdminState;
import org.gerritproxy.routing.Endpoint;
import org.gerritproxy.routing.HealthView;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.NodeState;
import org.gerritproxy.routing.RoutingSnapshot;
import org.gerritproxy.routing.RoutingTable;
import org.gerritproxy.routing.WriteMaster;

/** The SSH frontend in front of one stand-in node, gerrit-1, the master; alice may log in. */
final class OneNodeFrontend {
  private OneNodeFrontend() {}

  /**
   * A frontend (not started yet) on a free loopback port, its host and peer keys in {@code dir},
   * routing to the node's SSH port; only {@code alice}'s key logs in as alice.
   */
  static SshFrontend create(Path dir, int nodeSshPort, KeyPair alice, Duration loginGrace,
      Duration connectTimeout) throws Exception {
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
