package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.SoftAssertions;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.gerritproxy.core.cluster.GerritAdmin;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.core.cluster.LogMark;
import org.gerritproxy.core.config.Durations;
import org.gerritproxy.routing.NodeState;
import org.gerritproxy.ssh.KeyFiles;
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
  /** See the README's "Chaos soak": live heap may grow this much before it counts as a leak. */
  private static final long HEAP_TOLERANCE_BYTES = 32L * 1024 * 1024;
  private static final int THREAD_TOLERANCE = 4;
  private static final int FD_TOLERANCE = 16;
  private static final int PUSHERS_PER_TRANSPORT = 2;
  private static final int HTTP_READERS = 3;
  private static final int SSH_READERS = 2;
  private static final int REST_READERS = 3;

  @TempDir Path dir;

  @Test
  void underKillsSplitsAndReloadsNoAcknowledgedPushIsLostAndOnlyTheMasterTakesWrites()
      throws Exception {
    long seed = Long.getLong("chaos.seed", System.currentTimeMillis() % 1_000_000);
    System.out.printf("chaos: seed %d, soak %s (replay: -Dchaos.seed=%d -Dchaos.duration=%s)%n",
        seed, Durations.format(SOAK), seed, Durations.format(SOAK));
    Instant started = Instant.now();
    try (GerritCluster cluster = GerritCluster.builder().nodes(3).baseDir(clusterDir())
        // A machine shared with other builds may take minutes to start three nodes.
        .startTimeout(Duration.ofMinutes(5)).start()) {
      soak(cluster, seed, started);
    }
  }

  private void soak(GerritCluster cluster, long seed, Instant started) throws Exception {
    String suffix = Long.toString(System.nanoTime(), 36);
    String project = "chaos-" + suffix;
    GerritAdmin admin = cluster.node(1).admin();
    admin.createProject(project);
    Map<String, Object> allow = Map.of("rules",
        Map.of("global:Registered-Users", Map.of("action", "ALLOW")));
    admin.post("projects/" + GerritAdmin.encode(project) + "/access", Map.of("add", Map.of(
        "refs/heads/*", Map.of("permissions", Map.of("push", allow, "create", allow)))));
    Map<String, Path> keys = new LinkedHashMap<>();
    for (String role : List.of("ssh-push-1", "ssh-push-2", "http-push-1", "http-push-2",
        "ssh-read-1", "ssh-read-2")) {
      String user = role + "-" + suffix;
      Path key = SshCli.newKey(dir, "id_" + role);
      admin.createUser(user, "pw-" + suffix, Files.readString(dir.resolve("id_" + role + ".pub")));
      keys.put(role, key);
    }
    cluster.flushCaches("projects", "project_list", "accounts", "sshkeys");
    Path peerKey = dir.resolve("peer_key");
    KeyPair peer = KeyFiles.loadOrCreate(peerKey);
    for (GerritNode node : cluster.nodes()) {
      node.trustPeerKey(KeyFiles.publicBase64(peer));
    }

    Map<String, FaultScheduler.Link> links = new LinkedHashMap<>();
    Map<String, URI> httpVia = new LinkedHashMap<>();
    Map<String, Integer> sshVia = new LinkedHashMap<>();
    List<TcpRelay> relays = new ArrayList<>();
    try {
      for (GerritNode node : cluster.nodes()) {
        TcpRelay http = new TcpRelay(new InetSocketAddress("127.0.0.1", node.httpPort()));
        TcpRelay ssh = new TcpRelay(new InetSocketAddress("127.0.0.1", node.sshPort()));
        relays.add(http);
        relays.add(ssh);
        links.put(node.name(), new FaultScheduler.Link(http, ssh));
        httpVia.put(node.name(), URI.create("http://127.0.0.1:" + http.port() + "/"));
        sshVia.put(node.name(), ssh.port());
      }
      String extra = "[sshd]\n\tpeerKey = " + peerKey + "\n\thostKey = " + dir.resolve("host_key")
          + "\n[accounts]\n\tuser = admin\n\tpassword = secret\n";
      try (TwoChannelProxy proxy = new TwoChannelProxy(dir, cluster, httpVia, sshVia, extra)) {
        proxy.awaitMaster(cluster.node(1).name());
        for (GerritNode node : cluster.nodes()) {
          proxy.awaitState(node.name(), NodeState.UP, Duration.ofSeconds(30));
        }
        Clients clients = new Clients(proxy, project, suffix, keys);
        soakThroughProxy(cluster, proxy, clients, links, seed, started);
      }
    } finally {
      relays.forEach(TcpRelay::close);
    }
  }

  /** How each client reaches the proxy: URLs, credentials, keys. */
  private record Clients(TwoChannelProxy proxy, String project, String suffix,
      Map<String, Path> keys) {
    String httpUrl(String role) {
      return "http://" + role + "-" + suffix + ":pw-" + suffix + "@127.0.0.1:"
          + proxy.process().httpAddress().getPort() + "/a/" + project;
    }

    String anonymousHttpUrl() {
      return "http://127.0.0.1:" + proxy.process().httpAddress().getPort() + "/" + project;
    }

    String sshUrl(String role) {
      return "ssh://" + role + "-" + suffix + "@127.0.0.1:"
          + proxy.process().sshAddress().getPort() + "/" + project;
    }

    Map<String, String> sshEnv(String role) {
      return Map.of("GIT_SSH_COMMAND", SshCli.gitSshCommand(keys.get(role)));
    }

    String email(String role) {
      return role + "-" + suffix + "@example.com";
    }

    String restBase() {
      return "http://127.0.0.1:" + proxy.process().httpAddress().getPort();
    }
  }

  private List<SoakPusher> pushers(Clients c, String prefix, SoakLedger ledger, long seed,
      Instant until, int max) {
    List<SoakPusher> list = new ArrayList<>();
    for (int i = 1; i <= PUSHERS_PER_TRANSPORT; i++) {
      String http = "http-push-" + i;
      String ssh = "ssh-push-" + i;
      list.add(new SoakPusher(prefix + http, c.httpUrl(http), Map.of(), c.email(http),
          dir.resolve(prefix + http), ledger, seed + list.size(), until, max));
      list.add(new SoakPusher(prefix + ssh, c.sshUrl(ssh), c.sshEnv(ssh), c.email(ssh),
          dir.resolve(prefix + ssh), ledger, seed + list.size(), until, max));
    }
    return list;
  }

  private List<SoakReader> readers(Clients c, String prefix, SoakLedger ledger, long seed,
      Instant until, int max) {
    List<SoakReader> list = new ArrayList<>();
    for (int i = 1; i <= HTTP_READERS; i++) {
      list.add(SoakReader.git(prefix + "http-read-" + i, c.anonymousHttpUrl(), Map.of(),
          dir.resolve(prefix + "http-read-" + i), ledger, seed + 100 + list.size(), until, max));
    }
    for (int i = 1; i <= SSH_READERS; i++) {
      String role = "ssh-read-" + i;
      list.add(SoakReader.git(prefix + role, c.sshUrl(role), c.sshEnv(role),
          dir.resolve(prefix + role), ledger, seed + 100 + list.size(), until, max));
    }
    for (int i = 1; i <= REST_READERS; i++) {
      list.add(SoakReader.rest(prefix + "rest-read-" + i, c.restBase(), c.project(), ledger,
          seed + 100 + list.size(), until, max));
    }
    return list;
  }

  /** Runs every client to its end (bounded by its own deadline and git's time limit). */
  private static void runAll(List<? extends Runnable> clients, Duration within)
      throws InterruptedException {
    AtomicInteger n = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(clients.size(), r -> {
      Thread t = new Thread(r, "chaos-client-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    clients.forEach(pool::execute);
    pool.shutdown();
    if (!pool.awaitTermination(within.toMillis(), TimeUnit.MILLISECONDS)) {
      pool.shutdownNow();
      throw new AssertionError("the clients did not finish within " + within.toSeconds() + " s");
    }
  }

  private void soakThroughProxy(GerritCluster cluster, TwoChannelProxy proxy, Clients c,
      Map<String, FaultScheduler.Link> links, long seed, Instant started) throws Exception {
    // Warm-up, no faults: every kind of client once, so that every event loop and pool the
    // proxy starts lazily is running before the baseline is taken. Everything must succeed.
    SoakLedger warm = new SoakLedger();
    Instant warmUntil = Instant.now().plusSeconds(120);
    List<Runnable> warmClients = new ArrayList<>(pushers(c, "warm-", warm, seed, warmUntil, 2));
    warmClients.addAll(readers(c, "warm-", warm, seed, warmUntil, 2));
    runAll(warmClients, Duration.ofMinutes(4));
    // A cold node on a loaded machine may be slow to answer a first login; that is refused
    // clearly. Anything unclear, or no push at all, means the set-up is broken.
    assertThat(warm.failures.ofKind(ClientFailures.UNCLEAR)).as("warm-up failures").isEmpty();
    assertThat(warm.acknowledged()).as("pushes acknowledged in the warm-up").isNotEmpty();
    Thread.sleep(POOL_IDLE.toMillis());
    ProxyFootprint before = ProxyFootprint.measure();
    System.out.println("chaos: baseline " + before + " " + before.threadFamilies() + " "
        + before.fdKinds());

    Map<String, LogMark[]> marks = new LinkedHashMap<>();
    for (GerritNode node : cluster.nodes()) {
      marks.put(node.name(), new LogMark[] {node.httpdLog().mark(), node.sshdLog().mark()});
    }
    SoakLedger ledger = new SoakLedger();
    Instant soakStart = Instant.now();
    Instant until = soakStart.plus(SOAK);
    int maxOps = (int) Math.max(10, SOAK.toSeconds() * 4);
    List<SoakPusher> pushers = pushers(c, "", ledger, seed, until, maxOps);
    List<Runnable> clients = new ArrayList<>(pushers);
    clients.addAll(readers(c, "", ledger, seed, until, maxOps));
    Map<String, Integer> faults;
    List<Path> staleLocks;
    List<String> journal;
    List<MasterTimeline.Tenure> tenures;
    List<FaultSpans.Span> faultSpans;
    MasterTimeline timeline = new MasterTimeline(() -> proxy.process().cluster().snapshot().master(),
        SOAK.plus(Duration.ofMinutes(10)));
    try (FaultScheduler faultsOn = new FaultScheduler(seed, cluster.nodes(), links, proxy)) {
      Thread clientRun = new Thread(() -> {
        try {
          runAll(clients, SOAK.plus(Duration.ofMinutes(4)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "chaos-clients");
      clientRun.start();
      faultsOn.run(until, (int) SOAK.toSeconds());
      clientRun.join(SOAK.plus(Duration.ofMinutes(5)).toMillis());
      assertThat(clientRun.isAlive()).as("the clients finished").isFalse();
      faultsOn.restoreAll(Duration.ofMinutes(3));
      for (GerritNode node : cluster.nodes()) {
        proxy.awaitState(node.name(), NodeState.UP, Duration.ofSeconds(60));
      }
      // As an operator does after a crash: remove the ref locks that killed nodes left behind.
      staleLocks = StaleRefLocks.remove(cluster.gitDir(), Duration.ofSeconds(10));
      staleLocks.forEach(l -> System.out.println("chaos: removed the stale ref lock " + l));
      // Writes resume once the faults end: one more push from each pusher must succeed.
      List<String> refusedAfter = new ArrayList<>();
      for (SoakPusher p : pushers) {
        if (!p.pushOnce(maxOps + 1)) {
          refusedAfter.add(p.branch());
        }
      }
      assertThat(refusedAfter).as("pushes refused after the faults ended: " + ledger.failures.all()
          .subList(Math.max(0, ledger.failures.all().size() - 4), ledger.failures.all().size()))
          .isEmpty();
      faults = faultsOn.counts();
      journal = faultsOn.journal();
      faultSpans = faultsOn.spans();
    } finally {
      timeline.close();
    }
    tenures = timeline.tenures();
    Duration soakTook = Duration.between(soakStart, Instant.now());

    ProxyFootprint after = settledFootprint(before);

    // Lost pushes: every acknowledged commit must be on its branch in the shared git directory.
    List<SoakLedger.Acknowledged> acked = ledger.acknowledged();
    List<String> lost = new ArrayList<>();
    try (Repository repo = new FileRepositoryBuilder()
            .setGitDir(cluster.gitDir().resolve(c.project() + ".git").toFile())
            .setMustExist(true).build();
        RevWalk walk = new RevWalk(repo)) {
      for (SoakLedger.Acknowledged a : acked) {
        Ref ref = repo.exactRef(a.branch());
        boolean there = false;
        if (ref != null && repo.getObjectDatabase().has(ObjectId.fromString(a.commit()))) {
          RevCommit tip = walk.parseCommit(ref.getObjectId());
          there = walk.isMergedInto(walk.parseCommit(ObjectId.fromString(a.commit())), tip);
        }
        if (!there) {
          lost.add(a.pusher() + " " + a.commit() + " on " + a.branch());
        }
      }
    }

    // Writes on non-masters, from the nodes' own logs against the proxy's master timeline.
    WriteAudit audit = new WriteAudit(ROUTING_LAG);
    Map<String, List<WriteAudit.Push>> pushesByNode = new LinkedHashMap<>();
    for (GerritNode node : cluster.nodes()) {
      LogMark[] m = marks.get(node.name());
      pushesByNode.put(node.name(), WriteAudit.pushesOn(node, m[0], m[1], c.project()));
    }
    List<WriteAudit.Verdict> verdicts = audit.judgeAll(pushesByNode, timeline);
    List<WriteAudit.Verdict> offMaster = verdicts.stream().filter(v -> !v.onMaster()).toList();
    Duration maxLag = verdicts.stream().map(WriteAudit.Verdict::lagAfterTenure)
        .max(Duration::compareTo).orElse(Duration.ZERO);

    // Failovers without a fault: the master moved off a node that no fault had touched.
    List<FaultSpans.Unexplained> faultless = FaultSpans.unexplained(tenures, faultSpans,
        FAULT_GRACE);

    ClientFailures failures = ledger.failures;
    Map<String, Integer> byKind = failures.countsByKind();
    long epochs = tenures.stream().map(MasterTimeline.Tenure::epoch).distinct().count();
    String summary = String.format("chaos soak: seed=%d soak=%s (to restored: %ds) pushes acknowledged=%d lost=%d"
            + " receive-packs audited=%d writes on non-masters=%d (max lag after a tenure %d ms)"
            + " reads ok=%s client failures=%d %s faults=%s master changes=%d epochs=%d"
            + " failovers without a fault=%d"
            + " heap=%d->%d MB threads=%d->%d fds=%d->%d stale ref locks removed=%d took=%ds",
        seed, Durations.format(SOAK), soakTook.toSeconds(), acked.size(), lost.size(), verdicts.size(), offMaster.size(),
        maxLag.toMillis(), readsOk(ledger), failures.all().size(), byKind, faults,
        tenures.size() - 1, epochs, faultless.size(), before.heapMegabytes(), after.heapMegabytes(),
        before.threads(), after.threads(), before.fds(), after.fds(), staleLocks.size(),
        Duration.between(started, Instant.now()).toSeconds());
    System.out.println(summary);
    writeReport(summary, journal, tenures, failures, offMaster, before, after);

    SoftAssertions soft = new SoftAssertions();
    soft.assertThat(acked).as("pushes acknowledged during the soak").isNotEmpty();
    soft.assertThat(lost).as("acknowledged pushes missing from their branch (seed " + seed + ")")
        .isEmpty();
    soft.assertThat(verdicts).as("pushes found in the nodes' logs").isNotEmpty();
    soft.assertThat(offMaster).as("pushes taken by a node that was not master (seed " + seed
        + "); master timeline " + tenures).isEmpty();
    soft.assertThat(faultless).as("failovers without a fault: the master moved off a node no"
        + " fault had touched (seed " + seed + "); faults " + faultSpans).isEmpty();
    soft.assertThat(failures.ofKind(ClientFailures.UNCLEAR))
        .as("client failures without a clear message (seed " + seed + ")").isEmpty();
    soft.assertThat(failures.ofKind("hang")).as("clients that hung (seed " + seed + ")").isEmpty();
    soft.assertThat(after.heapBytes()).as("live heap after the soak, bytes (baseline "
        + before.heapBytes() + ")").isLessThanOrEqualTo(before.heapBytes() + HEAP_TOLERANCE_BYTES);
    soft.assertThat(after.threads()).as("threads after the soak: " + after.threadFamilies()
        + " (baseline " + before.threadFamilies() + ")")
        .isLessThanOrEqualTo(before.threads() + THREAD_TOLERANCE);
    soft.assertThat(after.fds()).as("open file descriptors after the soak: " + after.fdKinds()
        + " (baseline " + before.fdKinds() + ")").isLessThanOrEqualTo(before.fds() + FD_TOLERANCE);
    soft.assertAll();
  }

  private static String readsOk(SoakLedger ledger) {
    Map<String, Integer> ok = new java.util.TreeMap<>(ledger.succeeded());
    ok.remove("push");
    return ok.toString();
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

  /** {@code target/chaos-soak.txt}: the summary, the faults, the timeline and every failure. */
  private static void writeReport(String summary, List<String> journal,
      List<MasterTimeline.Tenure> tenures, ClientFailures failures,
      List<WriteAudit.Verdict> offMaster, ProxyFootprint before, ProxyFootprint after)
      throws IOException {
    StringBuilder r = new StringBuilder(summary).append("\n\nfaults:\n");
    journal.forEach(l -> r.append("  ").append(l).append('\n'));
    r.append("\nmaster timeline:\n");
    tenures.forEach(t -> r.append("  ").append(t).append('\n'));
    r.append("\nclient failures:\n");
    for (ClientFailures.Failure f : failures.all()) {
      r.append("  [").append(f.kind()).append("] ").append(f.client()).append(' ')
          .append(f.operation()).append(": ")
          .append(f.output().replace('\n', ' ').substring(0, Math.min(400, f.output().length())))
          .append('\n');
    }
    r.append("\nwrites on non-masters:\n");
    offMaster.forEach(v -> r.append("  ").append(v.push()).append('\n'));
    r.append("\nfootprint before: ").append(before).append(' ').append(before.threadFamilies())
        .append(' ').append(before.fdKinds()).append("\nfootprint after:  ").append(after)
        .append(' ').append(after.threadFamilies()).append(' ').append(after.fdKinds())
        .append('\n');
    Path target = Path.of(System.getProperty("gerrit.lib", "target/gerrit-lib")).toAbsolutePath()
        .getParent();
    Files.writeString(target.resolve("chaos-soak.txt"), r.toString());
  }

  /** {@code -Dchaos.cluster.dir}, else {@code target/chaos-cluster}: apart from the shared one. */
  private static Path clusterDir() {
    String dir = System.getProperty("chaos.cluster.dir");
    if (dir != null && !dir.isBlank()) {
      return Path.of(dir).toAbsolutePath();
    }
    String lib = System.getProperty("gerrit.lib");
    Path target = lib != null ? Path.of(lib).toAbsolutePath().getParent() : Path.of("target");
    return target.resolve("chaos-cluster");
  }
}
