package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritClusterExtension;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.core.cluster.HttpdLogEntry;
import org.gerritproxy.core.cluster.LogMark;
import org.gerritproxy.routing.NodeState;
import org.gerritproxy.routing.Router;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Panic reads (Envoy's panic threshold): the health check fails on every node at once, as Gerrit's
 * healthcheck plugin once did everywhere, while the nodes still answer. Here the probed path is
 * the healthcheck plugin's, which these nodes do not have (404). Reads go to the nodes anyway, the
 * dashboard, /health and /metrics say so, and writes keep the master rules: there is none.
 */
@ExtendWith(GerritClusterExtension.class)
class PanicReadsTest {
  @TempDir Path dir;

  @Test
  void whenEveryHealthCheckFailsReadsAreServedAndWritesRefused(GerritCluster cluster)
      throws Exception {
    try (ProxyFixture proxy = ProxyFixture.start(dir, cluster.nodes(),
        "[health]\n\tpath = /config/server/healthcheck~status\n")) {
      awaitPanic(proxy);
      List<GerritNode> nodes = cluster.nodes();
      List<LogMark> marks = nodes.stream().map(n -> n.httpdLog().mark()).toList();

      HttpResponse<String> read = proxy.get("/config/server/version", null, null);

      assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
      String servedBy = read.headers().firstValue("X-Gerrit-Proxy-Node").orElseThrow();
      GerritNode node = cluster.nodes().stream().filter(n -> n.name().equals(servedBy))
          .findFirst().orElseThrow();
      node.httpdLog().await(marks.get(nodes.indexOf(node)), PanicReadsTest::isVersionRead,
          Duration.ofSeconds(30));

      HttpResponse<String> write = proxy.send(HttpRequest.newBuilder(
              URI.create(proxy.url() + "/a/projects/panic-" + System.nanoTime()))
          .PUT(HttpRequest.BodyPublishers.ofString("{}")), "admin", "secret");
      assertThat(write.statusCode()).isEqualTo(503);
      assertThat(write.body()).contains("There is no write master");
      for (int i = 0; i < nodes.size(); i++) {
        assertThat(nodes.get(i).httpdLog().since(marks.get(i)))
            .as("no write reached " + nodes.get(i).name())
            .noneMatch(e -> e.method().equals("PUT"));
      }

      String health = proxy.http.send(HttpRequest.newBuilder(URI.create(proxy.adminUrl()
          + "/health")).build(), HttpResponse.BodyHandlers.ofString()).body();
      assertThat(health).containsPattern("\"panicReads\"\\s*:\\s*true");
      String metrics = proxy.http.send(HttpRequest.newBuilder(URI.create(proxy.adminUrl()
          + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
      assertThat(metrics).contains("gerrit_proxy_panic_reads 1.0");
      String dashboard = proxy.http.send(HttpRequest.newBuilder(URI.create(proxy.adminUrl()
          + "/")).build(), HttpResponse.BodyHandlers.ofString()).body();
      assertThat(dashboard).contains("id=\"panic\"").contains("Panic reads:");
      assertThat(proxy.process().cluster().snapshot().health().stateOf(servedBy))
          .isEqualTo(NodeState.DOWN);

      // The health check passes again: panic is over, and it says so.
      proxy.reconfigure(cluster.nodes(), "");
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (Router.panic(proxy.process().cluster().snapshot())) {
        assertThat(System.nanoTime()).as("panic ends once probes pass").isLessThan(deadline);
        Thread.sleep(50);
      }
      String events = proxy.http.send(HttpRequest.newBuilder(URI.create(proxy.adminUrl()
          + "/health")).build(), HttpResponse.BodyHandlers.ofString()).body();
      assertThat(events).contains("panic reads are over");
    }
  }

  private static boolean isVersionRead(HttpdLogEntry e) {
    // The probes ask for the healthcheck path here, so this is the proxied read.
    return e.method().equals("GET") && e.path().equals("/config/server/version");
  }

  private static void awaitPanic(ProxyFixture proxy) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!Router.panic(proxy.process().cluster().snapshot())) {
      assertThat(System.nanoTime()).as("every node fails its check but answers: panic reads; "
          + proxy.process().cluster().snapshot()).isLessThan(deadline);
      Thread.sleep(50);
    }
  }
}
