package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingCluster;
import org.assertj.core.api.SoftAssertions;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.core.config.Durations;
import org.gerritproxy.core.election.ZooKeeperElection;
import org.gerritproxy.routing.WriteMaster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chaos soak with three proxies in {@code election.mode = zookeeper}, each its own
 * {@code java} process, in front of three real Gerrit nodes sharing one git directory, with three
 * real ZooKeeper servers (Curator's TestingCluster), the git backdoor and a heartbeat agent per
 * node. The same clients as {@link ChaosSoakTest}, spread over the three proxies, run while a
 * seeded {@link ZooKeeperFaultScheduler} kills nodes, cuts their links from one, two or all
 * proxies, pauses a proxy with SIGSTOP past its ZooKeeper session, and kills ZooKeeper servers.
 *
 * <p>The truth is the shared decision: the master znode in ZooKeeper, watched by the test's own
 * Curator client, each change stamped with the time the ZooKeeper server committed it (its
 * {@code mtime}; the servers run on this host and clock). Afterwards: no acknowledged push is
 * lost, every push a node's own logs show began inside a tenure of that node in the decision
 * (with the single-proxy soak's routing lag), no master change happened without a fault on the
 * old master, and every client failure is a known clear refusal.
 *
 * <p>Short form (CI): 60 s. Long form: {@code -Dchaos.duration=5m}; {@code -Dchaos.seed=N}
 * replays a schedule of faults. Its own cluster lives in {@code target/zk-chaos-cluster/}.
 */
class ZooKeeperChaosSoakTest {
  private static final Duration SOAK = Durations.parse(System.getProperty("chaos.duration", "60s"));
  /** Short, so that a pause of a few seconds outlives it; as in PausedProxyTest. */
  private static final Duration SESSION = Duration.ofSeconds(4);
  /** The single-proxy soak's allowance between a proxy's choice and the node seeing the push. */
  private static final Duration ROUTING_LAG = Duration.ofSeconds(3);
  /** As in the single-proxy soak: a node back from a fault is seen UP within this. */
  private static final Duration FAULT_GRACE = Duration.ofSeconds(10);
  private static final String MASTER_ZNODE = "/gerrit-proxy/master";
  private static final List<String> PROXIES = List.of("proxy-a", "proxy-b", "proxy-c");

  @TempDir Path dir;

  @Test
  void underPausesKillsAndCutsThreeProxiesLoseNoPushAndOnlyTheDecidedMasterTakesWrites()
      throws Exception {
    long seed = SoakOutcome.seed("zk chaos", SOAK);
    Instant started = Instant.now();
    List<TcpRelay> relays = new ArrayList<>();
    List<ProxyJvm> proxies = new ArrayList<>();
    // The proxies stop before ZooKeeper and the nodes do: the finally runs before the resources
    // of the outer try are closed.
    try (GerritCluster cluster = GerritCluster.builder().nodes(3)
            .baseDir(ChaosSoakTest.clusterDir("zk-chaos-cluster"))
            .startTimeout(Duration.ofMinutes(5)).start();
        TestingCluster zookeeper = new TestingCluster(3);
        HeartbeatAgents agents = HeartbeatAgents.start(cluster)) {
      zookeeper.start();
      try (CuratorFramework truth = CuratorFrameworkFactory.builder()
              .connectString(zookeeper.getConnectString()).sessionTimeoutMs(30_000)
              .retryPolicy(new ExponentialBackoffRetry(100, 10, 1000)).build();
          CuratorCache decision = CuratorCache.build(truth, MASTER_ZNODE,
              CuratorCache.Options.SINGLE_NODE_CACHE)) {
        truth.start();
        SoakClients prepared = SoakClients.prepare(cluster, dir);
        List<Map<String, NodeFaults.Link>> links = new ArrayList<>();
        List<SoakClients.Proxy> ports = new ArrayList<>();
        for (String name : PROXIES) {
          links.add(NodeFaults.Link.toEach(cluster.nodes(), relays));
          int http = ProxyJvm.freePort();
          int ssh = ProxyJvm.freePort();
          int admin = ProxyJvm.freePort();
          Path config = config(name, cluster, zookeeper, links.get(links.size() - 1), http, ssh,
              admin, prepared);
          proxies.add(ProxyJvm.start(name, config, admin, dir.resolve(name + ".out"), List.of()));
          ports.add(new SoakClients.Proxy(http, ssh));
        }
        decision.start();
        // Whichever node ZooKeeper decided: on a loaded machine the first probe of gerrit-1 may
        // time out, and a master is kept until it is DOWN, so gerrit-2 may stay the first master.
        awaitAgreement(proxies, decision, Duration.ofMinutes(3),
            "all three proxies follow the master ZooKeeper decided");
        soak(cluster, zookeeper, decision, proxies, links, prepared.via(ports), seed, started);
      } finally {
        proxies.forEach(ProxyJvm::close);
        relays.forEach(TcpRelay::close);
      }
    }
  }

  private Path config(String name, GerritCluster cluster, TestingCluster zookeeper,
      Map<String, NodeFaults.Link> links, int http, int ssh, int admin, SoakClients clients)
      throws Exception {
    Path d = Files.createDirectories(dir.resolve(name));
    Path file = d.resolve("proxy.config");
    Files.writeString(file, "[proxy]\n\tname = " + name + "\n\tshutdownTimeout = 2s\n"
        + "[httpd]\n\tlistenAddress = 127.0.0.1:" + http + "\n"
        + "[sshd]\n\tlistenAddress = 127.0.0.1:" + ssh + "\n"
        + "[admin]\n\tlistenAddress = 127.0.0.1:" + admin + "\n"
        + "[election]\n\tmode = zookeeper\n\tzookeeper = " + zookeeper.getConnectString() + "\n"
        + "\tzookeeperSessionTimeout = " + SESSION.toMillis() + "ms\n"
        + TwoChannelProxy.nodeSections(cluster, NodeFaults.Link.httpVia(links),
            NodeFaults.Link.sshVia(links), Map.of())
        + clients.proxySections(d.resolve("host_key")));
    return file;
  }

  /** The decision in ZooKeeper as the test's own client last saw it, with its commit time. */
  private static Optional<Decided> decided(CuratorCache decision) {
    return decision.get(MASTER_ZNODE).filter(d -> d.getData() != null && d.getData().length > 0)
        .map(Decided::of);
  }

  private record Decided(WriteMaster master, Instant at) {
    static Decided of(ChildData d) {
      return new Decided(ZooKeeperElection.decodeMaster(d.getData()),
          Instant.ofEpochMilli(d.getStat().getMtime()));
    }
  }

  /** Whether every proxy's /health names the decided master, which is {@code node}. */
  private static boolean agree(List<ProxyJvm> proxies, Optional<Decided> decided, String node) {
    if (decided.isEmpty() || (node != null && !decided.get().master().is(node))
        || !decided.get().master().isKnown()) {
      return false;
    }
    WriteMaster m = decided.get().master();
    return proxies.stream().allMatch(p -> p.master().filter(
        o -> o.node().equals(m.node()) && o.epoch() == m.epoch()).isPresent());
  }

  private void soak(GerritCluster cluster, TestingCluster zookeeper, CuratorCache decision,
      List<ProxyJvm> proxies, List<Map<String, NodeFaults.Link>> links, SoakClients c, long seed,
      Instant started) throws Exception {
    c.warmUp(seed);

    SoakClients.Round round = c.round(cluster.nodes(), seed, SOAK);
    SoakLedger ledger = round.ledger();
    // The truth: every change of the master znode, at the time its server committed it. A watch
    // that fires once for two quick changes shows only the second: the epochs it skipped are
    // counted, and the tenure before them is stretched over them (generous to the old master).
    Decided first = decided(decision).orElseThrow();
    MasterTimeline timeline = new MasterTimeline(first.master(), first.at());
    CuratorCacheListener listener = CuratorCacheListener.builder()
        .forCreatesAndChanges((before, after) -> {
          if (after.getData() != null && after.getData().length > 0) {
            Decided d = Decided.of(after);
            timeline.changed(d.master(), d.at());
          }
        }).build();
    decision.listenable().addListener(listener);
    // In case it changed between the read and the listener.
    decided(decision).ifPresent(d -> timeline.changed(d.master(), d.at()));
    Map<String, Integer> faults;
    List<Path> staleLocks;
    List<String> journal;
    List<FaultSpans.Span> faultSpans;
    try (ZooKeeperFaultScheduler faultsOn = new ZooKeeperFaultScheduler(seed, cluster.nodes(),
        links, proxies, zookeeper, () -> decided(decision).flatMap(d -> d.master().node()),
        SESSION)) {
      SoakClients.runUnder(faultsOn, round.clients(), round.until(), SOAK);
      awaitAgreement(proxies, decision, Duration.ofMinutes(2),
          "after the faults, all three proxies follow the decided master");
      staleLocks = ChaosSoakTest.afterFaults(cluster, round.pushers(), ledger, round.maxOps());
      faults = faultsOn.counts();
      journal = faultsOn.journal();
      faultSpans = faultsOn.spans();
    } finally {
      decision.listenable().removeListener(listener);
      timeline.close();
    }
    Duration soakTook = Duration.between(round.start(), Instant.now());

    List<WriteAudit.Verdict> verdicts = new WriteAudit(ROUTING_LAG)
        .judgeSince(cluster.nodes(), round.marks(), c.project(), timeline);
    List<MasterTimeline.Tenure> tenures = timeline.tenures();
    long skipped = skippedEpochs(tenures);
    SoakOutcome outcome = new SoakOutcome(seed, ledger,
        ledger.missingFrom(cluster.gitDir(), c.project()), verdicts, tenures,
        FaultSpans.unexplained(tenures, faultSpans, FAULT_GRACE), faults, journal, faultSpans);
    String summary = String.format("zk chaos soak: proxies=3 seed=%d soak=%s (to restored: %ds) %s"
            + " epochs not seen by the watch=%d stale ref locks removed=%d took=%ds",
        seed, Durations.format(SOAK), soakTook.toSeconds(), outcome.figures(), skipped,
        staleLocks.size(), Duration.between(started, Instant.now()).toSeconds());
    System.out.println(summary);
    outcome.writeReport("zk-chaos-soak.txt", summary, proxyEvents(proxies));

    SoftAssertions soft = new SoftAssertions();
    outcome.check(soft);
    soft.assertAll();
  }

  /** Epochs the decision went through that the watch did not show (two changes in one fire). */
  private static long skippedEpochs(List<MasterTimeline.Tenure> tenures) {
    long skipped = 0;
    for (int i = 0; i + 1 < tenures.size(); i++) {
      skipped += Math.max(0, tenures.get(i + 1).epoch() - tenures.get(i).epoch() - 1);
    }
    return skipped;
  }

  private void awaitAgreement(List<ProxyJvm> proxies, CuratorCache decision, Duration within,
      String what) throws Exception {
    try {
      TwoChannelProxy.awaitTrue(() -> agree(proxies, decided(decision), null), within, what);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "\n" + disagreement(proxies, decision), e);
    }
  }

  /**
   * What each side believes when the proxies do not agree: the decision, each proxy's master and
   * the end of its output, so that a failure on a machine whose files are gone can be read.
   */
  private String disagreement(List<ProxyJvm> proxies, CuratorCache decision) throws Exception {
    StringBuilder r = new StringBuilder("ZooKeeper decided: ").append(decided(decision)
        .map(d -> d.master() + " at " + d.at()).orElse("nothing")).append('\n');
    for (ProxyJvm p : proxies) {
      r.append(p.name()).append(" (").append(p.state()).append("): ")
          .append(p.master().map(Object::toString)
          .orElse("no answer on /health")).append('\n');
      Path out = dir.resolve(p.name() + ".out");
      if (Files.exists(out)) {
        List<String> lines = Files.readAllLines(out);
        lines.subList(Math.max(0, lines.size() - 25), lines.size()).forEach(l ->
            r.append("  ").append(l, 0, Math.min(300, l.length())).append('\n'));
      }
    }
    return r.toString();
  }

  /** Each proxy's ZooKeeper events (pauses noticed, connections lost, epochs written). */
  private String proxyEvents(List<ProxyJvm> proxies) throws Exception {
    StringBuilder r = new StringBuilder();
    for (ProxyJvm p : proxies) {
      r.append(p.name()).append(" zookeeper events:\n");
      Path out = dir.resolve(p.name() + ".out");
      if (Files.exists(out)) {
        r.append(Files.readAllLines(out).stream().filter(l -> l.contains("EventLog - zookeeper:"))
            .map(l -> "  " + l.substring(0, Math.min(300, l.length())))
            .collect(Collectors.joining("\n"))).append('\n');
      }
    }
    return r.toString();
  }
}
