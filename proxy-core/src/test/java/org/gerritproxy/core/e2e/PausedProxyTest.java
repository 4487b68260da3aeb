package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.gerritproxy.core.ProxyProcess;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritClusterExtension;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.core.cluster.HttpdLogEntry;
import org.gerritproxy.core.cluster.LogMark;
import org.gerritproxy.routing.WriteMaster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A "hanging chad": one proxy of three, in zookeeper mode, frozen with SIGSTOP for longer than
 * its ZooKeeper session while the other two fail over from gerrit-1 (alive, but cut off from
 * them) to gerrit-2. Woken with SIGCONT, it must send no write to gerrit-1, not even the ones
 * that waited in its listen queue while it was frozen: gerrit-1's own httpd_log says so.
 */
@ExtendWith(GerritClusterExtension.class)
class PausedProxyTest {
  private static final Duration SESSION = Duration.ofSeconds(4);
  @TempDir Path dir;
  private TestingServer zookeeper;
  private final List<ProxyProcess> proxies = new ArrayList<>();
  private final List<TcpRelay> relays = new ArrayList<>();
  private ProxyJvm paused;
  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(30)).build();

  @AfterEach
  void stopAll() throws Exception {
    if (paused != null) {
      paused.close(); // wakes it first
    }
    proxies.forEach(ProxyProcess::close);
    relays.forEach(TcpRelay::close);
    if (zookeeper != null) {
      zookeeper.close();
    }
  }

  /** A proxy's configuration; {@code firstHttp}/{@code firstSsh} 0 to reach gerrit-1 directly. */
  private Path config(String name, GerritCluster cluster, int httpPort, int adminPort,
      int firstHttp, int firstSsh) throws IOException {
    StringBuilder c = new StringBuilder()
        .append("[proxy]\n\tname = ").append(name).append("\n\tshutdownTimeout = 2s\n")
        .append("[httpd]\n\tlistenAddress = 127.0.0.1:").append(httpPort).append('\n')
        .append("[sshd]\n\tlistenAddress = 127.0.0.1:0\n")
        .append("[admin]\n\tlistenAddress = 127.0.0.1:").append(adminPort).append('\n')
        .append("[health]\n\tinterval = 250ms\n\ttimeout = 1s\n\tfall = 2\n\trise = 1\n")
        .append("[election]\n\tmode = zookeeper\n\tzookeeperSessionTimeout = ")
        .append(SESSION.toSeconds()).append("s\n\tzookeeper = ")
        .append(zookeeper.getConnectString()).append('\n');
    int priority = 100;
    for (GerritNode node : cluster.nodes()) {
      boolean relayed = firstHttp != 0 && node == cluster.node(1);
      c.append("[node \"").append(node.name()).append("\"]\n")
          .append("\thttp = ")
          .append(relayed ? URI.create("http://127.0.0.1:" + firstHttp + "/") : node.httpUrl())
          .append('\n')
          .append("\tssh = 127.0.0.1:").append(relayed ? firstSsh : node.sshPort()).append('\n')
          .append("\tpriority = ").append(priority).append('\n');
      priority -= 10;
    }
    Path d = Files.createDirectories(dir.resolve(name));
    Path file = d.resolve("proxy.config");
    Files.writeString(file, c.toString());
    return file;
  }

  private HttpRequest createProject(int httpPort, String name) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/a/projects/"
            + name))
        .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
            "admin:secret".getBytes(StandardCharsets.UTF_8)))
        .header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(60))
        .PUT(HttpRequest.BodyPublishers.ofString("{\"create_empty_commit\":true}"))
        .build();
  }

  @Test
  void aProxyPausedPastItsSessionSendsNoWriteToTheOldMasterWhenItWakes(GerritCluster cluster)
      throws Exception {
    GerritNode first = cluster.node(1);
    GerritNode second = cluster.node(2);
    zookeeper = new TestingServer(true);
    // proxy-a and proxy-b reach gerrit-1 through relays, so that it can fall DOWN for them alone.
    for (String name : List.of("proxy-a", "proxy-b")) {
      TcpRelay httpLink = new TcpRelay(new InetSocketAddress("127.0.0.1", first.httpPort()));
      TcpRelay sshLink = new TcpRelay(new InetSocketAddress("127.0.0.1", first.sshPort()));
      relays.add(httpLink);
      relays.add(sshLink);
      proxies.add(ProxyProcess.start(config(name, cluster, 0, 0, httpLink.port(),
          sshLink.port())));
    }
    int httpPort = ProxyJvm.freePort();
    int adminPort = ProxyJvm.freePort();
    Path out = dir.resolve("proxy-c.out");
    // The session timeout stands in its configuration file (election.zookeeperSessionTimeout).
    paused = ProxyJvm.start("proxy-c", config("proxy-c", cluster, httpPort, adminPort, 0, 0),
        adminPort, out, List.of());

    TwoChannelProxy.awaitTrue(() -> {
      WriteMaster a = proxies.get(0).cluster().snapshot().master();
      return a.is(first.name()) && a.equals(proxies.get(1).cluster().snapshot().master())
          && paused.master().filter(c -> c.node().equals(a.node()) && c.epoch() == a.epoch())
              .isPresent();
    }, Duration.ofSeconds(90), "all three proxies follow gerrit-1");
    long epoch = proxies.get(0).cluster().snapshot().master().epoch();
    String suffix = Long.toString(System.nanoTime(), 36);
    LogMark beforePause = first.httpdLog().mark();
    assertThat(http.send(createProject(httpPort, "chad-before-" + suffix),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(201);
    // Gerrit writes httpd_log lines asynchronously: the write made before the pause must be in
    // the log before the mark, or it would count as one made after.
    first.httpdLog().await(beforePause, (HttpdLogEntry e) -> e.path().contains(
        "chad-before-" + suffix), Duration.ofSeconds(10));

    LogMark onFirst = first.httpdLog().mark();
    paused.stop();
    long stoppedAt = System.nanoTime();
    relays.forEach(TcpRelay::cut);
    TwoChannelProxy.awaitTrue(() -> proxies.stream().allMatch(p ->
            p.cluster().snapshot().master().is(second.name())), Duration.ofSeconds(30),
        "proxy-a and proxy-b fail over to gerrit-2 while proxy-c is frozen");
    assertThat(proxies.get(0).cluster().snapshot().master().epoch()).isEqualTo(epoch + 1);
    // Writes sent to the frozen proxy wait in its listen queue, as a user's would.
    List<CompletableFuture<HttpResponse<String>>> queued = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      queued.add(http.sendAsync(createProject(httpPort, "chad-queued-" + i + "-" + suffix),
          HttpResponse.BodyHandlers.ofString()));
    }
    long frozenFor = SESSION.multipliedBy(2).toNanos();
    Thread.sleep(Math.max(0, (stoppedAt + frozenFor - System.nanoTime()) / 1_000_000));
    paused.resume();
    long wokeAt = System.nanoTime();
    List<Integer> statuses = new ArrayList<>();
    for (CompletableFuture<HttpResponse<String>> f : queued) {
      statuses.add(f.get(90, TimeUnit.SECONDS).statusCode());
    }
    // And writes go on being sent as it catches up.
    int attempt = 0;
    while (System.nanoTime() - wokeAt < Duration.ofSeconds(3).toNanos()) {
      statuses.add(http.send(createProject(httpPort, "chad-after-" + attempt++ + "-" + suffix),
          HttpResponse.BodyHandlers.ofString()).statusCode());
      Thread.sleep(10);
    }
    System.out.printf("paused proxy: %d writes refused, then %d accepted, in the 3 s after"
        + " waking%n", statuses.stream().filter(s -> s == 503).count(),
        statuses.stream().filter(s -> s == 201).count());
    Files.readAllLines(out).stream().filter(l -> l.contains("zookeeper:"))
        .forEach(l -> System.out.println("proxy-c: " + l));

    assertThat(first.httpdLog().since(onFirst)).as("no write reaches gerrit-1 after the pause")
        .noneMatch(e -> MasterKilledFailoverTest.isWrite(e) && e.path().contains(suffix));
    assertThat(statuses).as("writes are refused or go to the new master").allMatch(
        s -> s == 201 || s == 503);
    TwoChannelProxy.awaitTrue(() -> paused.master().filter(
            c -> c.is(second.name()) && c.epoch() == epoch + 1).isPresent(),
        Duration.ofSeconds(30), "proxy-c follows gerrit-2 once it has caught up");
    LogMark onSecond = second.httpdLog().mark();
    assertThat(http.send(createProject(httpPort, "chad-caught-up-" + suffix),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(201);
    second.httpdLog().await(onSecond, (HttpdLogEntry e) -> e.path().contains(
        "chad-caught-up-" + suffix), Duration.ofSeconds(10));
  }
}
