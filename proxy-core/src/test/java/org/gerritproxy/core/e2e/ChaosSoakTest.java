package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.core.config.Durations;
import org.gerritproxy.routing.NodeState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chaos soak: the proxy (local election, git backdoor on the shared All-Projects, a
 * heartbeat agent per node) in front of three real Gerrit nodes sharing one git directory, with
 * 4 pushers (2 over HTTP, 2 over SSH) and 8 readers (git clones and fetches over HTTP and SSH,
 * REST GETs) running while a seeded {@link FaultScheduler} kills and restarts nodes with
 * {@code kill -9}, cuts and heals the proxy's links to them, and reloads the configuration.
 *
 * <p>Afterwards: no acknowledged push is lost (each commit is on its branch in the shared git
 * directory), no node took a push while it was not master (the nodes' own logs against the
 * proxy's master timeline), every failure a client saw is a known clear refusal, and the proxy's
 * heap, threads and file descriptors are back near their baseline.
 *
 * <p>Short form (CI): 75 s. Long form: {@code -Dchaos.duration=5m}; {@code -Dchaos.seed=N}
 * replays a schedule of faults. Its own cluster lives in {@code target/chaos-cluster/}
 * ({@code -Dchaos.cluster.dir}).
 */
class ChaosSoakTest {
  private static final Duration SOAK = Durations.parse(System.getProperty("chaos.duration", "75s"));
  /** The longest a write may take to reach its node after the proxy chose it (see WriteAudit). */
  private static final Duration ROUTING_LAG = Duration.ofSeconds(3);
  /**
   * How long after a fault ends a failover still counts as its doing: a node started again, or
   * healed, is seen UP within a few probe intervals and heartbeats (250 ms, staleAfter 2 s).
   */
  private static final Duration FAULT_GRACE = Duration.ofSeconds(10);
  /** Idle connections to the nodes are kept 15 s by the HTTP frontend; wait them out. */
  private static final Duration POOL_IDLE = Duration.ofSeconds(16);
  /** See docs/testing.md, "Chaos soak": live heap may grow this much before it counts as a leak. */
  private static final long HEAP_TOLERANCE_BYTES = 32L * 1024 * 1024;
  private static final int THREAD_TOLERANCE = 4;
  private static final int FD_TOLERANCE = 16;

  @TempDir Path dir;

  @Test
  void underKillsSplitsAndReloadsNoAcknowledgedPushIsLostAndOnlyTheMasterTakesWrites()
      throws Exception {
    long seed = SoakOutcome.seed("chaos", SOAK);
    Instant started = Instant.now();
    try (GerritCluster cluster = GerritCluster.builder().nodes(3).baseDir(clusterDir("chaos-cluster"))
        // A machine shared with other builds may take minutes to start three nodes.
        .startTimeout(Duration.ofMinutes(5)).start()) {
      soak(cluster, seed, started);
    }
  }

  private void soak(GerritCluster cluster, long seed, Instant started) throws Exception {
    SoakClients prepared = SoakClients.prepare(cluster, dir);
    List<TcpRelay> relays = new ArrayList<>();
    try {
      Map<String, NodeFaults.Link> links = NodeFaults.Link.toEach(cluster.nodes(), relays);
      try (TwoChannelProxy proxy = new TwoChannelProxy(dir, cluster, NodeFaults.Link.httpVia(links),
          NodeFaults.Link.sshVia(links), prepared.proxySections(dir.resolve("host_key")))) {
        proxy.awaitMaster(cluster.node(1).name());
        for (GerritNode node : cluster.nodes()) {
          proxy.awaitState(node.name(), NodeState.UP, Duration.ofSeconds(30));
        }
        SoakClients clients = prepared.via(List.of(new SoakClients.Proxy(
            proxy.process().httpAddress().getPort(), proxy.process().sshAddress().getPort())));
        soakThroughProxy(cluster, proxy, clients, links, seed, started);
      }
    } finally {
      relays.forEach(TcpRelay::close);
    }
  }

  private void soakThroughProxy(GerritCluster cluster, TwoChannelProxy proxy, SoakClients c,
      Map<String, NodeFaults.Link> links, long seed, Instant started) throws Exception {
    c.warmUp(seed);
    Thread.sleep(POOL_IDLE.toMillis());
    ProxyFootprint before = ProxyFootprint.measure();
    System.out.println("chaos: baseline " + before + " " + before.threadFamilies() + " "
        + before.fdKinds());

    SoakClients.Round round = c.round(cluster.nodes(), seed, SOAK);
    SoakLedger ledger = round.ledger();
    Map<String, Integer> faults;
    List<Path> staleLocks;
    List<String> journal;
    List<FaultSpans.Span> faultSpans;
    MasterTimeline timeline = new MasterTimeline(() -> proxy.process().cluster().snapshot().master(),
        SOAK.plus(Duration.ofMinutes(10)));
    try (FaultScheduler faultsOn = new FaultScheduler(seed, cluster.nodes(), links, proxy)) {
      SoakClients.runUnder(faultsOn, round.clients(), round.until(), SOAK);
      for (GerritNode node : cluster.nodes()) {
        proxy.awaitState(node.name(), NodeState.UP, Duration.ofSeconds(60));
      }
      staleLocks = afterFaults(cluster, round.pushers(), ledger, round.maxOps());
      faults = faultsOn.counts();
      journal = faultsOn.journal();
      faultSpans = faultsOn.spans();
    } finally {
      timeline.close();
    }
    Duration soakTook = Duration.between(round.start(), Instant.now());

    ProxyFootprint after = settledFootprint(before);

    // Writes on non-masters: the nodes' own logs against the proxy's master timeline.
    List<WriteAudit.Verdict> verdicts = new WriteAudit(ROUTING_LAG)
        .judgeSince(cluster.nodes(), round.marks(), c.project(), timeline);
    List<MasterTimeline.Tenure> tenures = timeline.tenures();
    SoakOutcome outcome = new SoakOutcome(seed, ledger,
        ledger.missingFrom(cluster.gitDir(), c.project()), verdicts, tenures,
        FaultSpans.unexplained(tenures, faultSpans, FAULT_GRACE), faults, journal, faultSpans);
    String summary = String.format("chaos soak: seed=%d soak=%s (to restored: %ds) %s"
            + " heap=%d->%d MB threads=%d->%d fds=%d->%d stale ref locks removed=%d took=%ds",
        seed, Durations.format(SOAK), soakTook.toSeconds(), outcome.figures(),
        before.heapMegabytes(), after.heapMegabytes(), before.threads(), after.threads(),
        before.fds(), after.fds(), staleLocks.size(),
        Duration.between(started, Instant.now()).toSeconds());
    System.out.println(summary);
    outcome.writeReport("chaos-soak.txt", summary, "footprint before: " + before + ' '
        + before.threadFamilies() + ' ' + before.fdKinds() + "\nfootprint after:  " + after + ' '
        + after.threadFamilies() + ' ' + after.fdKinds() + '\n');

    SoftAssertions soft = new SoftAssertions();
    outcome.check(soft);
    soft.assertThat(after.heapBytes()).as("live heap after the soak, bytes (baseline "
        + before.heapBytes() + ")").isLessThanOrEqualTo(before.heapBytes() + HEAP_TOLERANCE_BYTES);
    soft.assertThat(after.threads()).as("threads after the soak: " + after.threadFamilies()
        + " (baseline " + before.threadFamilies() + ")")
        .isLessThanOrEqualTo(before.threads() + THREAD_TOLERANCE);
    soft.assertThat(after.fds()).as("open file descriptors after the soak: " + after.fdKinds()
        + " (baseline " + before.fdKinds() + ")").isLessThanOrEqualTo(before.fds() + FD_TOLERANCE);
    soft.assertAll();
  }

  /**
   * Once every node is back: removes the ref locks killed nodes left behind, as an operator does
   * after a crash, then one more push from each pusher must succeed (writes resume once the
   * faults end). Returns the locks removed.
   */
  static List<Path> afterFaults(GerritCluster cluster, List<SoakPusher> pushers,
      SoakLedger ledger, int maxOps) throws Exception {
    List<Path> staleLocks = StaleRefLocks.remove(cluster.gitDir(), Duration.ofSeconds(10));
    staleLocks.forEach(l -> System.out.println("chaos: removed the stale ref lock " + l));
    List<String> refusedAfter = new ArrayList<>();
    for (SoakPusher p : pushers) {
      if (!p.pushOnce(maxOps + 1)) {
        refusedAfter.add(p.branch());
      }
    }
    List<ClientFailures.Failure> all = ledger.failures.all();
    assertThat(refusedAfter).as("pushes refused after the faults ended: "
        + all.subList(Math.max(0, all.size() - 4), all.size())).isEmpty();
    return staleLocks;
  }

  /**
   * The footprint once the soak's connections have idled out: measured again every few seconds
   * (bounded) until it is within the tolerances, so a slow machine is given time but a leak is not
   * hidden.
   */
  private static ProxyFootprint settledFootprint(ProxyFootprint before) throws InterruptedException {
    Thread.sleep(POOL_IDLE.toMillis());
    ProxyFootprint now = ProxyFootprint.measure();
    for (int i = 0; i < 12 && !within(before, now); i++) {
      Thread.sleep(5_000);
      now = ProxyFootprint.measure();
    }
    System.out.println("chaos: after " + now + " " + now.threadFamilies() + " " + now.fdKinds());
    return now;
  }

  private static boolean within(ProxyFootprint before, ProxyFootprint now) {
    return now.heapBytes() <= before.heapBytes() + HEAP_TOLERANCE_BYTES
        && now.threads() <= before.threads() + THREAD_TOLERANCE
        && now.fds() <= before.fds() + FD_TOLERANCE;
  }

  /** {@code -Dchaos.cluster.dir}, else {@code target/NAME}: apart from the shared one. */
  static Path clusterDir(String name) {
    String dir = System.getProperty("chaos.cluster.dir");
    if (dir != null && !dir.isBlank()) {
      return Path.of(dir).toAbsolutePath();
    }
    return SoakOutcome.targetDir().resolve(name);
  }
}
