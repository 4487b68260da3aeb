package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritClusterExtension;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.core.cluster.LogMark;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code [sshd] nodeKnownHosts} pins the nodes' SSH host keys: with the keys {@code ssh-keyscan}
 * reads from the real Gerrit nodes, users' commands run; with a key that is not the node's, the
 * proxy does not log in to it, and the user is told what happened and what to do. The file is
 * read again when it changes, without a restart.
 */
@ExtendWith(GerritClusterExtension.class)
class NodeHostKeyPinningTest {
  @TempDir static Path dir;
  static GerritCluster cluster;
  static ProxyFixture proxy;
  static Path knownHosts;
  static Path userKey;
  static String user;

  @BeforeAll
  static void startProxyWithPinnedNodeKeys(GerritCluster c) throws Exception {
    cluster = c;
    String suffix = Long.toString(System.nanoTime(), 36);
    user = "pin-user-" + suffix;
    userKey = SshCli.newUserWithKey(dir, c.node(1).admin(), user, "pw-" + suffix);
    knownHosts = dir.resolve("node_known_hosts");
    Files.writeString(knownHosts, scannedKeys());
    proxy = ProxyFixture.withSsh(dir, c, "\tnodeKnownHosts = " + knownHosts + "\n");
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void aWrongNodeKeyIsRefusedWithWhatToDoAndTheRightOneLetsCommandsThrough() throws Exception {
    SshCli.Result pinned = SshCli.run(port(), userKey, user, "gerrit", "version");
    assertThat(pinned.exit()).as(pinned.err()).isZero();
    assertThat(pinned.out()).startsWith("gerrit version");

    // Someone else's key where the nodes' should be: what an intercepted connection would show.
    Path impostor = SshCli.newKey(dir, "impostor_" + System.nanoTime());
    String impostorKey = Files.readString(Path.of(impostor + ".pub")).strip();
    StringBuilder wrong = new StringBuilder();
    for (GerritNode node : cluster.nodes()) {
      wrong.append("[127.0.0.1]:").append(node.sshPort()).append(' ').append(impostorKey)
          .append('\n');
    }
    Files.writeString(knownHosts, wrong);
    LogMark m1 = cluster.node(1).sshdLog().mark();
    LogMark m2 = cluster.node(2).sshdLog().mark();

    SshCli.Result refused = SshCli.run(port(), userKey, user, "gerrit", "version");

    assertThat(refused.exit()).isNotZero();
    assertThat(refused.err())
        .contains("fatal: Gerrit node gerrit-")
        .contains("is not the one pinned for it in " + knownHosts)
        .contains("someone may be intercepting the connection")
        .contains("ssh-keyscan -p ");
    assertThat(cluster.node(1).sshdLog().since(m1)).noneMatch(e -> e.actsFor(user));
    assertThat(cluster.node(2).sshdLog().since(m2)).noneMatch(e -> e.actsFor(user));

    // The operator puts the right keys back: taken at the next command, no restart.
    Files.writeString(knownHosts, scannedKeys());
    SshCli.Result again = SshCli.run(port(), userKey, user, "gerrit", "version");
    assertThat(again.exit()).as(again.err()).isZero();
    // The command shows, as the user's, in the log of the node that ran it (logs lag a little).
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (ranForTheUser(cluster.node(1), m1) + ranForTheUser(cluster.node(2), m2) == 0) {
      assertThat(System.nanoTime()).as("the command in a node's sshd_log").isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  @Test
  void aNodeMissingFromTheFileIsRefusedWithTheLineToAdd() throws Exception {
    try {
      Files.writeString(knownHosts, "# no node yet\n");
      SshCli.Result r = SshCli.run(port(), userKey, user, "gerrit", "version");
      assertThat(r.exit()).isNotZero();
      assertThat(r.err()).contains("has no pinned host key in " + knownHosts)
          .contains("Add the node's key: ssh-keyscan -p ");
    } finally {
      Files.writeString(knownHosts, scannedKeys());
    }
  }

  private static long ranForTheUser(GerritNode node, LogMark since) {
    return node.sshdLog().since(since).stream()
        .filter(e -> e.actsFor(user) && e.message().contains("gerrit.version"))
        .count();
  }

  static int port() {
    return proxy.process().sshAddress().getPort();
  }

  /** What the real {@code ssh-keyscan} reads from each node, as an operator would pin them. */
  static String scannedKeys() throws Exception {
    StringBuilder out = new StringBuilder();
    for (GerritNode node : cluster.nodes()) {
      Process p = new ProcessBuilder("ssh-keyscan", "-T", "20", "-p",
          Integer.toString(node.sshPort()), "127.0.0.1").redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      String keys = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(keys).as("ssh-keyscan of " + node.name()).contains("[127.0.0.1]:" + node.sshPort());
      out.append(keys);
    }
    return out.toString();
  }
}
