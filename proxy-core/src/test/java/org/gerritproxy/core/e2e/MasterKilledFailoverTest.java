package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritClusterExtension;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.core.cluster.HttpdLogEntry;
import org.gerritproxy.core.cluster.LogMark;
import org.gerritproxy.routing.NodeState;
import org.gerritproxy.routing.WriteMaster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write master killed with {@code kill -9}: its heartbeat agent reports its Gerrit dead, the
 * proxy sees it DOWN on both channels, and writes move to the next node by priority.
 */
@ExtendWith(GerritClusterExtension.class)
class MasterKilledFailoverTest {
  @TempDir Path dir;

  @Test
  void writesMoveToTheNextNodeByPriorityWithinSecondsAndTheEpochRises(GerritCluster cluster)
      throws Exception {
    GerritNode first = cluster.node(1);
    GerritNode second = cluster.node(2);
    Path key = peerKey(cluster);
    String onFailover = "[election]\n\tmode = local\n\tonFailover = gerrit version\n"
        + "[sshd]\n\tpeerKey = " + key + "\n\thostKey = " + dir.resolve("ssh_host_key") + "\n"
        + "[accounts]\n\tuser = admin\n\tpassword = secret\n";
    try (TwoChannelProxy proxy = new TwoChannelProxy(dir, cluster, Map.of(), Map.of(), onFailover)) {
      proxy.awaitMaster(first.name());
      String suffix = Long.toString(System.nanoTime(), 36);
      LogMark before = first.httpdLog().mark();
      assertThat(proxy.createProject("kill-before-" + suffix).statusCode()).isEqualTo(201);
      first.httpdLog().await(before, e -> e.method().equals("PUT")
          && e.path().contains("kill-before-" + suffix), Duration.ofSeconds(10));
      WriteMaster was = proxy.process().cluster().snapshot().master();

      long killedAt = System.nanoTime();
      first.kill();
      int attempt = 0;
      HttpResponse<String> accepted;
      do {
        accepted = proxy.createProject("kill-after-" + suffix + "-" + attempt++);
        if (accepted.statusCode() != 201) {
          Thread.sleep(20);
        }
      } while (accepted.statusCode() != 201 && System.nanoTime() - killedAt < 30_000_000_000L);
      long failoverMillis = (System.nanoTime() - killedAt) / 1_000_000;
      System.out.printf("failover: kill -9 of %s to the first write accepted through the proxy:"
          + " %d ms (%d attempts)%n", first.name(), failoverMillis, attempt);

      assertThat(accepted.statusCode()).as("a write is accepted after the failover").isEqualTo(201);
      assertThat(failoverMillis).as("failover time in ms").isLessThan(5_000);
      WriteMaster now = proxy.process().cluster().snapshot().master();
      assertThat(now.node()).contains(second.name());
      assertThat(now.epoch()).isGreaterThan(was.epoch());
      assertThat(proxy.process().cluster().snapshot().health().stateOf(first.name()))
          .isEqualTo(NodeState.DOWN);
      assertThat(proxy.health()).contains("DOWN").contains("FRESH_UNHEALTHY");

      // The dead node comes back: without failback it stays out of writes.
      first.start();
      proxy.awaitState(first.name(), NodeState.UP, Duration.ofSeconds(20));
      LogMark restarted = first.httpdLog().mark();
      LogMark onSecond = second.httpdLog().mark();
      for (int i = 0; i < 3; i++) {
        assertThat(proxy.createProject("kill-later-" + suffix + "-" + i).statusCode()).isEqualTo(201);
      }
      second.httpdLog().await(onSecond, e -> e.path().contains("kill-later-" + suffix + "-2"),
          Duration.ofSeconds(10));
      assertThat(first.httpdLog().since(restarted)).as("no write reaches the old master")
          .noneMatch(MasterKilledFailoverTest::isWrite);
      assertThat(proxy.process().cluster().snapshot().master()).isEqualTo(now);

      // [election] onFailover ran on the new master through the peer login.
      TwoChannelProxy.awaitTrue(() -> proxy.health().contains("'gerrit version' on "
          + second.name() + " (epoch " + now.epoch() + ") exited with 0: gerrit version"),
          Duration.ofSeconds(30), "the onFailover command is logged as run on " + second.name());
    } finally {
      if (!first.isRunning()) {
        first.start();
      }
    }
  }

  /** A fresh key pair whose public half every node trusts as a peer, as an operator sets up. */
  private Path peerKey(GerritCluster cluster) throws Exception {
    Path key = dir.resolve("peer_key");
    String base64 = org.gerritproxy.ssh.KeyFiles.publicBase64(
        org.gerritproxy.ssh.KeyFiles.loadOrCreate(key));
    for (GerritNode node : cluster.nodes()) {
      node.trustPeerKey(base64);
    }
    return key;
  }

  static boolean isWrite(HttpdLogEntry e) {
    return !e.method().equals("GET") && !e.method().equals("HEAD") && !e.method().equals("OPTIONS");
  }
}
