package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import org.gerritproxy.core.cluster.GerritAdmin;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A key deleted in Gerrit stops opening the proxy's SSH port once {@code [sshd] keyCacheTtl} has
 * passed, with a real {@code ssh} client and a real cluster.
 */
@ExtendWith(GerritClusterExtension.class)
class SshDeletedKeyThroughProxyTest {
  static final Duration TTL = Duration.ofSeconds(2);

  @TempDir static Path dir;
  static ProxyFixture proxy;
  static GerritAdmin admin;

  @BeforeAll
  static void startProxyWithAShortKeyCacheTtl(GerritCluster c) throws Exception {
    admin = c.node(1).admin();
    proxy = ProxyFixture.withSsh(dir, c, "\tkeyCacheTtl = " + TTL.toSeconds() + "s\n");
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void aKeyDeletedInGerritIsRefusedAfterTheTtl() throws Exception {
    String suffix = Long.toString(System.nanoTime(), 36);
    String user = "ttl-user-" + suffix;
    Path key = SshCli.newUserWithKey(dir, admin, user, "pw-" + suffix);
    SshCli.Result before = SshCli.run(port(), key, user, "gerrit", "version");
    assertThat(before.exit()).as("the key works while Gerrit has it: " + before.err()).isZero();

    String keysPath = "accounts/" + GerritAdmin.encode(user) + "/sshkeys";
    JsonNode keys = admin.getJson(keysPath);
    assertThat(keys).hasSize(1);
    admin.delete(keysPath + "/" + keys.get(0).get("seq").asInt());

    // The deletion reaches the node the proxy asks within moments; the TTL bounds the rest.
    long deadline = System.nanoTime() + TTL.plusSeconds(20).toNanos();
    SshCli.Result after;
    do {
      Thread.sleep(500);
      after = SshCli.run(port(), key, user, "gerrit", "version");
    } while (after.exit() == 0 && System.nanoTime() < deadline);
    assertThat(after.exit()).as("a deleted key is refused once the TTL has passed").isNotZero();
    assertThat(after.err()).contains("Permission denied");
  }

  private static int port() {
    return proxy.process().sshAddress().getPort();
  }
}
