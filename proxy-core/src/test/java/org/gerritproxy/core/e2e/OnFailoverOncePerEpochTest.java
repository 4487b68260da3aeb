package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.curator.test.TestingServer;
import org.gerritproxy.core.ProxyProcess;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritClusterExtension;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.core.cluster.LogMark;
import org.gerritproxy.routing.WriteMaster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code [election] onFailover} with three proxies in zookeeper mode and the real cluster: for
 * each new epoch that hands writes to another node, the command runs once on the new master (its
 * own {@code sshd_log} says so), by the one proxy that wrote that epoch, including when there was
 * no master in between.
 */
@ExtendWith(GerritClusterExtension.class)
class OnFailoverOncePerEpochTest {
  private static final String COMMAND = "gerrit version";
  @TempDir Path dir;
  private TestingServer zookeeper;
  private final List<ProxyProcess> proxies = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stopAll() throws Exception {
    proxies.forEach(ProxyProcess::close);
    if (zookeeper != null) {
      zookeeper.close();
    }
  }

  private ProxyProcess start(String name, GerritCluster cluster, Path peerKey) throws Exception {
    Path d = Files.createDirectories(dir.resolve(name));
    StringBuilder c = new StringBuilder()
        .append("[proxy]\n\tname = ").append(name).append("\n\tshutdownTimeout = 2s\n")
        .append("[httpd]\n\tlistenAddress = 127.0.0.1:0\n")
        .append("[sshd]\n\tlistenAddress = 127.0.0.1:0\n\tpeerKey = ").append(peerKey)
        .append("\n\thostKey = ").append(d.resolve("ssh_host_key")).append('\n')
        .append("[accounts]\n\tuser = admin\n\tpassword = secret\n")
        .append("[admin]\n\tlistenAddress = 127.0.0.1:0\n")
        .append("[health]\n\tinterval = 250ms\n\ttimeout = 1s\n\tfall = 2\n\trise = 1\n")
        .append("[election]\n\tmode = zookeeper\n\tzookeeper = ")
        .append(zookeeper.getConnectString()).append("/on-failover-test\n")
        .append("\tonFailover = ").append(COMMAND).append('\n');
    int priority = 100;
    for (GerritNode node : cluster.nodes()) {
      c.append("[node \"").append(node.name()).append("\"]\n")
          .append("\thttp = ").append(node.httpUrl()).append('\n')
          .append("\tssh = 127.0.0.1:").append(node.sshPort()).append('\n')
          .append("\tpriority = ").append(priority).append('\n');
      priority -= 10;
    }
    Path config = d.resolve("proxy.config");
    Files.writeString(config, c.toString());
    return ProxyProcess.start(config);
  }

  private WriteMaster master(int proxy) {
    return proxies.get(proxy).cluster().snapshot().master();
  }

  private WriteMaster awaitAllFollow(Optional<String> node) throws InterruptedException {
    TwoChannelProxy.awaitTrue(() -> master(0).node().equals(node)
        && master(1).equals(master(0)) && master(2).equals(master(0)), Duration.ofSeconds(60),
        "all three proxies follow " + node.orElse("no master") + " under one epoch");
    return master(0);
  }

  /** The proxies' on-failover events about {@code epoch}, one list per proxy, from /health. */
  private List<List<String>> onFailoverEvents(long epoch) throws Exception {
    List<List<String>> out = new ArrayList<>();
    for (ProxyProcess p : proxies) {
      String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
              + p.adminAddress().getPort() + "/health")).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      List<String> found = new ArrayList<>();
      for (JsonNode e : new ObjectMapper().readTree(body).path("events")) {
        String message = e.path("message").asText();
        if (e.path("kind").asText().equals("on-failover")
            && message.contains("(epoch " + epoch + ")")) {
          found.add(message);
        }
      }
      out.add(found);
    }
    return out;
  }

  /**
   * The runs of the command in the node's sshd_log since {@code since}, by the lines' own time:
   * Gerrit starts a new sshd_log when it restarts, so an offset taken before would not do. The
   * peer's line is counted as it stands ({@code 'Gerrit Code Review' - suexec.--as.admin.--.…}
   * right after a start, {@code admin a/1000000 suexec.--as.admin.--.…} later).
   */
  private static long commandsRun(GerritNode node, Instant since) {
    String logged = " suexec.--as.admin.--." + COMMAND.replace(' ', '.') + " ";
    return node.sshdLog().linesSince(new LogMark(node.sshdLog().file(), 0)).stream()
        .filter(l -> l.contains(logged))
        .filter(l -> l.startsWith("[") && l.indexOf(']') > 0
            && !java.time.OffsetDateTime.parse(l.substring(1, l.indexOf(']'))).toInstant()
                .isBefore(since))
        .count();
  }

  /**
   * Waits until one proxy reports the command's exit for {@code epoch}, then for the others'
   * reports and a few more seconds in which a second run would show, and checks there was one.
   */
  private void assertRanOnceFor(WriteMaster m, GerritNode node, Instant since) throws Exception {
    String exited = "'" + COMMAND + "' on " + node.name() + " (epoch " + m.epoch()
        + ") exited with 0";
    TwoChannelProxy.awaitTrue(() -> onFailoverEvents(m.epoch()).stream().flatMap(List::stream)
            .filter(e -> e.contains(exited)).count() == 1
            && onFailoverEvents(m.epoch()).stream().allMatch(l -> l.size() == 1),
        Duration.ofSeconds(90), "each proxy reports on epoch " + m.epoch() + " and one ran it");
    Thread.sleep(3_000);
    List<List<String>> events = onFailoverEvents(m.epoch());
    assertThat(events.stream().flatMap(List::stream).filter(e -> e.contains(exited)))
        .as("one proxy ran it: %s", events).hasSize(1);
    assertThat(events.stream().flatMap(List::stream).filter(e -> e.contains("is left to")))
        .as("the other two left it to that one: %s", events).hasSize(2);
    assertThat(commandsRun(node, since)).as("%s's sshd_log has the command once", node.name())
        .isEqualTo(1);
  }

  @Test
  void onFailoverRunsOncePerNewEpochOnTheNewMasterIncludingAfterASpellOfNoMaster(
      GerritCluster cluster) throws Exception {
    GerritNode first = cluster.node(1);
    GerritNode second = cluster.node(2);
    Path peerKey = dir.resolve("peer_key");
    String base64 = org.gerritproxy.ssh.KeyFiles.publicBase64(
        org.gerritproxy.ssh.KeyFiles.loadOrCreate(peerKey));
    cluster.nodes().forEach(n -> n.trustPeerKey(base64));
    zookeeper = new TestingServer(true);
    for (String name : List.of("proxy-a", "proxy-b", "proxy-c")) {
      proxies.add(start(name, cluster, peerKey));
    }
    try {
      WriteMaster initial = awaitAllFollow(Optional.of(first.name()));

      // gerrit-1 killed: gerrit-2 takes over under the next epoch.
      Instant onSecond = Instant.now();
      first.kill();
      WriteMaster failover = awaitAllFollow(Optional.of(second.name()));
      assertThat(failover.epoch()).isEqualTo(initial.epoch() + 1);
      assertRanOnceFor(failover, second, onSecond);

      // Both down, so no master for an epoch; then gerrit-1 back: one run, for its epoch only.
      second.kill();
      WriteMaster none = awaitAllFollow(Optional.empty());
      Instant onFirst = Instant.now();
      first.start();
      WriteMaster back = awaitAllFollow(Optional.of(first.name()));
      assertThat(back.epoch()).isEqualTo(none.epoch() + 1);
      assertRanOnceFor(back, first, onFirst);
      assertThat(onFailoverEvents(none.epoch())).as("nothing to run for no master")
          .allMatch(List::isEmpty);
      assertThat(onFailoverEvents(initial.epoch())).as("nor for the first election")
          .allMatch(List::isEmpty);
    } finally {
      for (GerritNode node : cluster.nodes()) {
        if (!node.isRunning()) {
          node.start();
        }
      }
    }
  }
}
