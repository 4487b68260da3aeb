package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.stream.Collectors;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.gerritproxy.core.ProxyProcess;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritClusterExtension;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.core.cluster.LogMark;
import org.gerritproxy.routing.NodeState;
import org.gerritproxy.routing.WriteMaster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three proxies in {@code election.mode = zookeeper} against three real ZooKeeper servers
 * (Curator's TestingCluster) and the real Gerrit cluster: one master for all, a proxy cut off
 * from ZooKeeper stops writing, and losing one ZooKeeper server disturbs nothing.
 */
@ExtendWith(GerritClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ZooKeeperElectionTest {
  @TempDir static Path dir;
  private TestingCluster zookeeper;
  private final List<TcpRelay> relays = new ArrayList<>();
  /** proxy-b reaches gerrit-1 (HTTP and SSH) only through these, so that the test can split them. */
  private final List<TcpRelay> masterLinksOfB = new ArrayList<>();
  private final List<ProxyProcess> proxies = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private GerritCluster cluster;
  private final List<InstanceSpec> killed = new ArrayList<>();
  private GerritNode deadGerrit;

  @BeforeAll
  void startZooKeeperAndThreeProxies(GerritCluster c) throws Exception {
    cluster = c;
    zookeeper = new TestingCluster(3);
    zookeeper.start();
    // proxy-c reaches ZooKeeper only through relays, so that the test can cut it off.
    List<String> relayed = new ArrayList<>();
    for (InstanceSpec spec : zookeeper.getInstances()) {
      TcpRelay relay = new TcpRelay(new InetSocketAddress("127.0.0.1", spec.getPort()));
      relays.add(relay);
      relayed.add("127.0.0.1:" + relay.port());
    }
    String direct = zookeeper.getInstances().stream()
        .map(s -> "127.0.0.1:" + s.getPort()).collect(Collectors.joining(","));
    GerritNode first = cluster.node(1);
    TcpRelay httpLink = new TcpRelay(new InetSocketAddress("127.0.0.1", first.httpPort()));
    TcpRelay sshLink = new TcpRelay(new InetSocketAddress("127.0.0.1", first.sshPort()));
    masterLinksOfB.add(httpLink);
    masterLinksOfB.add(sshLink);
    proxies.add(start("proxy-a", direct, 0, 0));
    proxies.add(start("proxy-b", direct, httpLink.port(), sshLink.port()));
    proxies.add(start("proxy-c", String.join(",", relayed), 0, 0));
  }

  /** {@code firstHttp}/{@code firstSsh}: relay ports for gerrit-1, or 0 to reach it directly. */
  private ProxyProcess start(String name, String connect, int firstHttp, int firstSsh)
      throws Exception {
    StringBuilder c = new StringBuilder()
        .append("[proxy]\n\tname = ").append(name).append("\n\tshutdownTimeout = 2s\n")
        .append("[httpd]\n\tlistenAddress = 127.0.0.1:0\n")
        .append("[sshd]\n\tlistenAddress = 127.0.0.1:0\n")
        .append("[admin]\n\tlistenAddress = 127.0.0.1:0\n")
        .append("[health]\n\tinterval = 250ms\n\ttimeout = 1s\n\tfall = 2\n\trise = 1\n")
        .append("[election]\n\tmode = zookeeper\n\tzookeeperSessionTimeout = 4s\n")
        .append("\tzookeeper = ").append(connect).append('\n');
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
    Path config = d.resolve("proxy.config");
    Files.writeString(config, c.toString());
    return ProxyProcess.start(config);
  }

  @AfterAll
  void stopAll() throws Exception {
    proxies.forEach(ProxyProcess::close);
    relays.forEach(TcpRelay::close);
    masterLinksOfB.forEach(TcpRelay::close);
    if (zookeeper != null) {
      zookeeper.close();
    }
  }

  /** The master this proxy routes writes to now: its view, unless that view is not proven fresh. */
  private WriteMaster master(int proxy) {
    return proxies.get(proxy).routingSnapshot().master();
  }

  private void awaitAllAgreeOn(String node) throws InterruptedException {
    TwoChannelProxy.awaitTrue(() -> master(0).is(node) && master(1).equals(master(0))
        && master(2).equals(master(0)), Duration.ofSeconds(30),
        "all three proxies follow " + node + " under one epoch");
  }

  private HttpResponse<String> createProject(int proxy, String name) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + proxies.get(proxy).httpAddress().getPort() + "/a/projects/" + name))
            .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                "admin:secret".getBytes(StandardCharsets.UTF_8)))
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(30))
            .PUT(HttpRequest.BodyPublishers.ofString("{\"create_empty_commit\":true}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  @Order(1)
  void threeProxiesAgreeOnOneMaster() throws Exception {
    awaitAllAgreeOn(cluster.node(1).name());
    String suffix = Long.toString(System.nanoTime(), 36);
    for (int p = 0; p < 3; p++) {
      assertThat(createProject(p, "zk-agree-" + p + "-" + suffix).statusCode()).isEqualTo(201);
    }
  }

  @Test
  @Order(2)
  void aProxyCutOffFromZooKeeperStopsWritingWithinTheSessionTimeoutWhileTheOthersGoOn()
      throws Exception {
    awaitAllAgreeOn(cluster.node(1).name());
    WriteMaster before = master(0);
    relays.forEach(TcpRelay::cut);
    long cutAt = System.nanoTime();
    TwoChannelProxy.awaitTrue(() -> !master(2).isKnown(), Duration.ofSeconds(4),
        "proxy-c stops writing within the 4 s session timeout");
    System.out.printf("zookeeper: proxy-c stopped writing %d ms after the cut%n",
        (System.nanoTime() - cutAt) / 1_000_000);
    String suffix = Long.toString(System.nanoTime(), 36);
    HttpResponse<String> refused = createProject(2, "zk-cut-" + suffix);
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.body()).contains("ZooKeeper");
    assertThat(createProject(0, "zk-cut-ok-" + suffix).statusCode()).isEqualTo(201);
    assertThat(master(0)).isEqualTo(before);

    relays.forEach(TcpRelay::heal);
    TwoChannelProxy.awaitTrue(() -> master(2).equals(before), Duration.ofSeconds(30),
        "proxy-c follows the master again once ZooKeeper is back");
    assertThat(createProject(2, "zk-healed-" + suffix).statusCode()).isEqualTo(201);
  }

  /**
   * A split between one proxy and the master, with no backdoor: that proxy sees the master DOWN,
   * but the other two still reach it, so the majority keeps it. No failover; only the cut-off
   * proxy refuses writes, with the reason, and it writes to the same master once the split heals.
   */
  @Test
  @Order(3)
  void aMasterCutOffFromOneProxyIsNotReplacedAndOnlyThatProxyRefusesWrites() throws Exception {
    String first = cluster.node(1).name();
    awaitAllAgreeOn(first);
    WriteMaster before = master(0);
    masterLinksOfB.forEach(TcpRelay::cut);
    try {
      whileMasterIsCutOffFromProxyB(first, before);
    } finally {
      masterLinksOfB.forEach(TcpRelay::heal);
    }
    TwoChannelProxy.awaitTrue(
        () -> proxies.get(1).cluster().snapshot().health().stateOf(first) == NodeState.UP,
        Duration.ofSeconds(10), "proxy-b sees " + first + " UP again");
    String suffix = Long.toString(System.nanoTime(), 36);
    LogMark onFirst = cluster.node(1).httpdLog().mark();
    assertThat(createProject(1, "zk-split-healed-" + suffix).statusCode()).isEqualTo(201);
    cluster.node(1).httpdLog().await(onFirst, e -> e.path().contains("zk-split-healed-" + suffix),
        Duration.ofSeconds(10));
    for (int p = 0; p < 3; p++) {
      assertThat(master(p)).as("proxy " + p + " after the split").isEqualTo(before);
    }
  }

  private void whileMasterIsCutOffFromProxyB(String first, WriteMaster before) throws Exception {
    TwoChannelProxy.awaitTrue(
        () -> proxies.get(1).cluster().snapshot().health().stateOf(first) == NodeState.DOWN,
        Duration.ofSeconds(10), "proxy-b sees " + first + " DOWN");
    // Hold the split for several probe periods: the leader must not count one proxy as a majority.
    long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    while (System.nanoTime() < until) {
      for (int p = 0; p < 3; p++) {
        assertThat(master(p)).as("proxy " + p + " during the split").isEqualTo(before);
      }
      Thread.sleep(50);
    }
    String suffix = Long.toString(System.nanoTime(), 36);
    HttpResponse<String> refused = createProject(1, "zk-split-b-" + suffix);
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.headers().firstValue("Retry-After")).isPresent();
    assertThat(refused.body()).contains(first).contains("does not answer this proxy")
        .contains("retry");
    assertThat(createProject(0, "zk-split-a-" + suffix).statusCode()).isEqualTo(201);
    assertThat(createProject(2, "zk-split-c-" + suffix).statusCode()).isEqualTo(201);
  }

  @Test
  @Order(4)
  void losingOneZooKeeperServerDisturbsNothing() throws Exception {
    awaitAllAgreeOn(cluster.node(1).name());
    WriteMaster before = master(0);
    InstanceSpec victim = zookeeper.getInstances().iterator().next();
    zookeeper.killServer(victim);
    killed.add(victim);
    long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    while (System.nanoTime() < until) {
      for (int p = 0; p < 3; p++) {
        assertThat(master(p)).as("proxy " + p).isEqualTo(before);
      }
      Thread.sleep(50);
    }
    String suffix = Long.toString(System.nanoTime(), 36);
    for (int p = 0; p < 3; p++) {
      assertThat(createProject(p, "zk-one-server-down-" + p + "-" + suffix).statusCode())
          .isEqualTo(201);
    }
  }

  @Test
  @Order(5)
  void aKilledMasterIsReplacedForAllProxiesUnderOneNewEpoch() throws Exception {
    awaitAllAgreeOn(cluster.node(1).name());
    long epoch = master(0).epoch();
    GerritNode first = cluster.node(1);
    try {
      long killedAt = System.nanoTime();
      first.kill();
      awaitAllAgreeOn(cluster.node(2).name());
      System.out.printf("zookeeper: kill -9 of the master to all three proxies on the new one:"
          + " %d ms%n", (System.nanoTime() - killedAt) / 1_000_000);
      assertThat(master(0).epoch()).isEqualTo(epoch + 1);
      String suffix = Long.toString(System.nanoTime(), 36);
      for (int p = 0; p < 3; p++) {
        assertThat(createProject(p, "zk-failover-" + p + "-" + suffix).statusCode())
            .isEqualTo(201);
      }
    } finally {
      first.start();
    }
  }

  /**
   * Seeded random schedules of faults (ZooKeeper servers killed and restarted, proxy-c cut off
   * from ZooKeeper and healed, the Gerrit master killed and restarted) while every proxy's
   * routing snapshot is sampled: under one epoch, every proxy that routes writes routes them to
   * the same node. {@code -Dzk.faults.schedules=N} runs N schedules (3 by default, the short form
   * for CI; the long form is e.g. 50); {@code -Dzk.faults.seed=N} replays the schedules from seed N.
   */
  @Test
  @Order(6)
  void underRandomFaultsNoTwoProxiesEverRouteWritesToDifferentMastersUnderOneEpoch()
      throws Exception {
    long first = Long.getLong("zk.faults.seed", System.nanoTime());
    int schedules = Integer.getInteger("zk.faults.schedules", 3);
    for (int i = 0; i < schedules; i++) {
      runFaultSchedule(first + i);
    }
  }

  private void runFaultSchedule(long seed) throws Exception {
    java.util.Random random = new java.util.Random(seed);
    java.util.Map<Long, String> masterOfEpoch = new java.util.concurrent.ConcurrentHashMap<>();
    List<String> violations = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.concurrent.atomic.AtomicBoolean sampling = new java.util.concurrent.atomic.AtomicBoolean(true);
    Thread sampler = new Thread(() -> {
      while (sampling.get()) {
        for (int p = 0; p < 3; p++) {
          WriteMaster m = master(p);
          if (m.isKnown()) {
            String was = masterOfEpoch.putIfAbsent(m.epoch(), m.node().get());
            if (was != null && !was.equals(m.node().get())) {
              violations.add("epoch " + m.epoch() + ": " + was + " and " + m.node().get());
            }
          }
        }
        try {
          Thread.sleep(5);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "master-sampler");
    sampler.start();
    try {
      List<InstanceSpec> all = new ArrayList<>(zookeeper.getInstances());
      for (int step = 0; step < 8; step++) {
        switch (random.nextInt(5)) {
          case 4 -> {
            if (deadGerrit == null && master(0).isKnown()) {
              deadGerrit = cluster.node(master(0).node().get());
              deadGerrit.kill();
            } else if (deadGerrit != null) {
              deadGerrit.start();
              deadGerrit = null;
            }
          }
          case 0 -> relays.forEach(TcpRelay::cut);
          case 1 -> relays.forEach(TcpRelay::heal);
          case 2 -> {
            InstanceSpec spec = all.get(random.nextInt(all.size()));
            if (!killed.contains(spec) && killed.size() < 2) {
              zookeeper.killServer(spec);
              killed.add(spec);
            }
          }
          default -> {
            if (!killed.isEmpty()) {
              zookeeper.restartServer(killed.remove(random.nextInt(killed.size())));
            }
          }
        }
        Thread.sleep(500 + random.nextInt(1500));
      }
    } finally {
      relays.forEach(TcpRelay::heal);
      for (InstanceSpec spec : new ArrayList<>(killed)) {
        zookeeper.restartServer(spec);
        killed.remove(spec);
      }
      if (deadGerrit != null) {
        deadGerrit.start();
        deadGerrit = null;
      }
    }
    TwoChannelProxy.awaitTrue(() -> master(0).isKnown() && master(1).equals(master(0))
        && master(2).equals(master(0)), Duration.ofSeconds(30),
        "after the faults, all three proxies follow one master under one epoch");
    sampling.set(false);
    sampler.join();
    assertThat(violations).as("seed " + seed + ": one master per epoch").isEmpty();
    System.out.printf("zookeeper: seed %d, epochs seen %s%n", seed, masterOfEpoch);
  }
}
