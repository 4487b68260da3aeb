package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritClusterExtension;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.core.cluster.LogMark;
import org.gerritproxy.routing.NodeState;
import org.gerritproxy.routing.WriteMaster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A network split between the proxy and the master, while the master and its heartbeat agent
 * live on: the master is PARTITIONED, not replaced, writes are refused with a reason, and they
 * resume on the same master once the split heals.
 */
@ExtendWith(GerritClusterExtension.class)
class PartitionedMasterTest {
  @TempDir Path dir;

  @Test
  void aPartitionedMasterIsNotReplacedAndWritesResumeOnItWhenTheSplitHeals(GerritCluster cluster)
      throws Exception {
    GerritNode first = cluster.node(1);
    GerritNode second = cluster.node(2);
    try (TcpRelay relay = new TcpRelay(new InetSocketAddress("127.0.0.1", first.httpPort()));
        TcpRelay sshRelay = new TcpRelay(new InetSocketAddress("127.0.0.1", first.sshPort()));
        TwoChannelProxy proxy = new TwoChannelProxy(dir, cluster,
            Map.of(first.name(), URI.create("http://127.0.0.1:" + relay.port() + "/")),
            Map.of(first.name(), sshRelay.port()))) {
      proxy.awaitMaster(first.name());
      String suffix = Long.toString(System.nanoTime(), 36);
      assertThat(proxy.createProject("split-before-" + suffix).statusCode()).isEqualTo(201);
      WriteMaster master = proxy.process().cluster().snapshot().master();

      LogMark onSecond = second.httpdLog().mark();
      relay.cut();
      sshRelay.cut();
      proxy.awaitState(first.name(), NodeState.PARTITIONED, Duration.ofSeconds(10));
      // Hold the split well past staleAfter (2 s): the heartbeat keeps moving, so no failover.
      long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
      while (System.nanoTime() < until) {
        var s = proxy.process().cluster().snapshot();
        assertThat(s.master()).as("a partitioned master is not replaced").isEqualTo(master);
        assertThat(s.health().stateOf(first.name())).isEqualTo(NodeState.PARTITIONED);
        Thread.sleep(50);
      }
      HttpResponse<String> refused = proxy.createProject("split-during-" + suffix);
      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(refused.body()).contains("alive but this proxy cannot reach it")
          .contains("network split");
      assertThat(proxy.health()).contains("PARTITIONED").contains("FRESH_HEALTHY");
      assertThat(proxy.dashboard()).contains("PARTITIONED").contains("FRESH_HEALTHY")
          .contains("alive, unreachable from this proxy");
      assertThat(second.httpdLog().since(onSecond)).as("no write reaches the other node")
          .noneMatch(MasterKilledFailoverTest::isWrite);

      relay.heal();
      sshRelay.heal();
      proxy.awaitState(first.name(), NodeState.UP, Duration.ofSeconds(10));
      LogMark onFirst = first.httpdLog().mark();
      assertThat(proxy.createProject("split-after-" + suffix).statusCode()).isEqualTo(201);
      first.httpdLog().await(onFirst, e -> e.path().contains("split-after-" + suffix),
          Duration.ofSeconds(10));
      assertThat(proxy.process().cluster().snapshot().master()).isEqualTo(master);
      assertThat(second.httpdLog().since(onSecond)).noneMatch(MasterKilledFailoverTest::isWrite);
    }
  }
}
