package org.gerritproxy.core.election;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.gerritproxy.core.events.EventLog;
import org.gerritproxy.routing.HealthView;
import org.gerritproxy.routing.MasterElection;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.NodeState;
import org.gerritproxy.routing.RoutingTable;
import org.gerritproxy.routing.WriteMaster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code election.mode = zookeeper}: several proxies share one decision. Each publishes its view
 * of every node (an ephemeral znode); one leader (Curator's leader latch) applies
 * {@link MasterElection} to the majority's view and writes {@code master + epoch} with
 * compare-and-set; every proxy follows that znode, and one that loses its connection to
 * ZooKeeper stops sending writes within half the session timeout (reads go on): long enough to
 * move to another ZooKeeper server when one dies, short enough to stop before its session ends.
 *
 * <p>A proxy that was paused (SIGSTOP, a long GC, a frozen VM) wakes with the view it had, and
 * Curator may report it connected until it notices its session has expired. So writes also need
 * a recent proof that the view is current: a read of the decision, sent after the last pause and
 * within the grace period, whose epoch the routed master is not behind ({@link #vouch}).
 *
 * <p>Everything lives under {@code CHROOT/gerrit-proxy}, created when missing. The chroot is
 * taken off the connect string and put in front of every path instead: ZooKeeper's own chroot
 * must exist before the client can create anything in it (CURATOR-50), and Curator's namespace
 * logs a stack trace on every call while it cannot create its path. For the same reason the
 * recipes start only once the paths exist: Curator logs every failure to create a parent with a
 * stack trace, and they would retry for ever.
 */
public final class ZooKeeperElection implements WriteMasterElector, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ZooKeeperElection.class);
  static final String ROOT = "/gerrit-proxy";
  /** A thread that did not run for this long was paused, with the rest of the process. */
  private static final long PAUSE_NANOS = Duration.ofSeconds(1).toNanos();

  private final String proxy;
  private final String root;
  private final String viewsPath;
  private final String masterPath;
  private final EventLog events;
  private final CuratorFramework client;
  private final CuratorCache views;
  private final CuratorCache master;
  private final LeaderLatch leader;
  // Creates the paths and starts the recipes, off Curator's threads: it blocks on ZooKeeper.
  private final ScheduledExecutorService setup = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "zookeeper-setup");
    t.setDaemon(true);
    return t;
  });
  private volatile boolean recipesStarted;
  // The proof of a current view, renewed by a read of the decision every quarter of the grace.
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "zookeeper-proof");
    t.setDaemon(true);
    return t;
  });
  private final AtomicReference<Proof> proof = new AtomicReference<>(); // none yet
  private volatile long lastTick = System.nanoTime();
  private volatile long pausedUntil = lastTick; // no proof predates the start
  private final AtomicBoolean reading = new AtomicBoolean();
  private volatile long readingSince;
  // This proxy's compare-and-sets by the epoch they propose: won (true), or under way.
  private final Map<Long, CompletableFuture<Boolean>> writes = new ConcurrentHashMap<>();
  private final long graceNanos;
  private volatile boolean connected;
  private volatile long suspendedAt; // System.nanoTime() when the connection dropped
  // Written by the cluster view's thread (the only caller of next); reset on any change of
  // connection, since a new session has lost the ephemeral view.
  private volatile HealthView lastPublished;
  // The last problem reported, so that one that persists is reported once and not on every try.
  private final AtomicReference<String> problem = new AtomicReference<>();

  /**
   * @param connect the ZooKeeper connect string ({@code election.zookeeper}), with an optional
   *     chroot ({@code zk1:2181,zk2:2181/gerrit-proxy})
   */
  public ZooKeeperElection(String connect, String proxy, Duration sessionTimeout, EventLog events) {
    this.proxy = proxy;
    this.events = events;
    int slash = connect.indexOf('/');
    this.root = (slash < 0 ? "" : connect.substring(slash)) + ROOT;
    this.viewsPath = root + "/views";
    this.masterPath = root + "/master";
    this.graceNanos = sessionTimeout.toNanos() / 2;
    this.suspendedAt = System.nanoTime() - graceNanos; // no grace before the first connection
    this.client = CuratorFrameworkFactory.builder()
        .connectString(slash < 0 ? connect : connect.substring(0, slash))
        .sessionTimeoutMs((int) sessionTimeout.toMillis())
        .connectionTimeoutMs((int) Math.min(sessionTimeout.toMillis(), 5000))
        .retryPolicy(new ExponentialBackoffRetry(100, 5, 1000))
        // Keep to the configured servers: learning others from ZooKeeper's own configuration
        // would bypass what the operator wrote (a firewall, a relay, a chroot's ensemble).
        .ensembleTracker(false)
        .build();
    client.getConnectionStateListenable().addListener((c, state) -> onConnection(state));
    this.views = CuratorCache.build(client, viewsPath);
    this.master = CuratorCache.build(client, masterPath, CuratorCache.Options.SINGLE_NODE_CACHE);
    this.leader = new LeaderLatch(client, root + "/leader", proxy);
  }

  /** A read of the decision that succeeded: sent at {@code sentAt} (nanoTime), it saw {@code epoch}. */
  record Proof(long sentAt, long epoch) {}

  /** Connects, waiting up to {@code wait} for the first connection; then keeps retrying. */
  public void start(Duration wait) throws InterruptedException {
    client.start();
    ticker.scheduleWithFixedDelay(this::tick, 0, 100, TimeUnit.MILLISECONDS);
    if (!client.blockUntilConnected((int) wait.toMillis(), TimeUnit.MILLISECONDS)) {
      log.warn("ZooKeeper is not reachable yet; writes are refused until it is");
    }
  }

  private void onConnection(ConnectionState state) {
    boolean now = state.isConnected();
    if (now != connected) {
      events.record("zookeeper", now
          ? "connected to ZooKeeper (" + state + "); following its write master"
          : "lost ZooKeeper (" + state + "); writes through this proxy stop unless it is back"
              + " within " + graceNanos / 1_000_000 + " ms");
    }
    if (!now && connected) {
      suspendedAt = System.nanoTime();
    }
    if (state == ConnectionState.LOST) {
      suspendedAt = System.nanoTime() - graceNanos; // the session is gone: no grace left
    }
    connected = now;
    lastPublished = null;
    if (now) {
      setup.execute(this::createPaths);
    }
  }

  /**
   * Creates the chroot, {@code /gerrit-proxy} in it and its children on each new connection (a
   * fresh ensemble has none of them), as persistent znodes: they hold the decision, which
   * outlives every proxy. Then starts the recipes, once. Tried again every few seconds while it
   * fails, so that an operator's fix (a missing right) applies without a restart.
   */
  private void createPaths() {
    if (!connected) {
      return; // the next connection tries again
    }
    try {
      for (String path : pathsToCreate(root)) {
        if (client.checkExists().forPath(path) == null) {
          try {
            client.create().forPath(path);
          } catch (KeeperException.NodeExistsException raced) {
            // another proxy created it first
          }
        }
      }
    } catch (KeeperException.ConnectionLossException | KeeperException.SessionExpiredException e) {
      return; // reported as a change of connection; the next connection tries again
    } catch (Exception e) {
      String why = e instanceof KeeperException k ? k.code().toString() : e.getMessage();
      problem("cannot create " + root + " in ZooKeeper (" + why + "); no master can be decided"
          + " until it exists. Create it, or give this proxy's ZooKeeper user the right to, or"
          + " change the chroot in [election] zookeeper.");
      setup.schedule(this::createPaths, 2, TimeUnit.SECONDS);
      return;
    }
    problem(null);
    if (!recipesStarted) {
      recipesStarted = true;
      views.start();
      master.start();
      try {
        leader.start();
      } catch (Exception e) {
        problem("cannot join the ZooKeeper leader election: " + e.getMessage());
      }
    }
  }

  /** Every path from the top down to {@code root}, then the ones the recipes work in. */
  static List<String> pathsToCreate(String root) {
    List<String> paths = new ArrayList<>();
    for (int slash = root.indexOf('/', 1); slash > 0; slash = root.indexOf('/', slash + 1)) {
      paths.add(root.substring(0, slash));
    }
    paths.add(root);
    paths.add(root + "/views");
    paths.add(root + "/leader");
    return paths;
  }

  /** Reports a problem with ZooKeeper once, not on every try; {@code null} when it is solved. */
  private void problem(String now) {
    String was = problem.getAndSet(now);
    if (now != null && !now.equals(was)) {
      events.record("zookeeper", now);
    } else if (now == null && was != null) {
      events.record("zookeeper", root + " in ZooKeeper is usable again");
    }
  }

  /**
   * Every 100 ms: notices a pause (this thread did not run for a second: the process was stopped
   * or starved), and sends a read of the decision when the last proof is getting old or predates
   * the pause.
   */
  private void tick() {
    long now = System.nanoTime();
    long was = lastTick;
    boolean paused = now - was > PAUSE_NANOS;
    if (paused) {
      pausedUntil = now; // before lastTick moves: a request in between must see one or the other
    }
    lastTick = now;
    if (paused) {
      events.record("zookeeper", "this proxy did not run for " + (now - was) / 1_000_000
          + " ms (stopped, or starved of CPU); writes through it wait until ZooKeeper confirms"
          + " its view of the write master");
    }
    Proof last = proof.get();
    boolean due = last == null || now - last.sentAt() > graceNanos / 4
        || last.sentAt() - pausedUntil < 0;
    if (reading.get() && (paused || now - readingSince > 2 * graceNanos)) {
      reading.set(false); // sent before the pause, or its answer lost: it proves nothing now
    }
    if (connected && recipesStarted && due && reading.compareAndSet(false, true)) {
      readingSince = now;
      readDecision(now);
    }
  }

  private void readDecision(long sentAt) {
    try {
      client.getData().inBackground((c, e) -> {
        if (readingSince == sentAt) {
          reading.set(false);
        }
        KeeperException.Code code = KeeperException.Code.get(e.getResultCode());
        if (code == KeeperException.Code.OK || code == KeeperException.Code.NONODE) {
          byte[] data = e.getData();
          long epoch = data == null || data.length == 0 ? 0 : decodeMaster(data).epoch();
          proof.accumulateAndGet(new Proof(sentAt, epoch),
              (old, fresh) -> old == null || fresh.sentAt() - old.sentAt() > 0 ? fresh : old);
        }
      }).forPath(masterPath);
    } catch (Exception e) {
      reading.set(false);
    }
  }

  /**
   * {@code routed} if this proxy may send writes to it now; otherwise no master, with the reason.
   * Asked on every request, so cheap: a clock read and a few fields.
   */
  public WriteMaster vouch(WriteMaster routed) {
    return whyStale(routed, System.nanoTime(), lastTick, pausedUntil, proof.get(), graceNanos)
        .map(why -> new WriteMaster(Optional.empty(), routed.epoch(), why
            + "; writes through this proxy wait until it has"))
        .orElse(routed);
  }

  /** Why this proxy's view of the master cannot be trusted with writes at {@code now}, if so. */
  static Optional<String> whyStale(WriteMaster routed, long now, long lastTick, long pausedUntil,
      Proof proof, long graceNanos) {
    if (!routed.isKnown()) {
      return Optional.empty(); // nothing to vouch for: writes are refused anyway
    }
    if (proof == null) {
      return Optional.of("ZooKeeper has not confirmed this proxy's view of the write master yet");
    }
    // nanoTime values are compared by their difference: they may wrap.
    if (now - lastTick > PAUSE_NANOS || proof.sentAt() - pausedUntil < 0) {
      return Optional.of("this proxy was paused and is catching up with ZooKeeper");
    }
    if (now - proof.sentAt() > graceNanos) {
      return Optional.of("ZooKeeper has not confirmed this proxy's view of the write master for "
          + (now - proof.sentAt()) / 1_000_000 + " ms");
    }
    if (routed.epoch() < proof.epoch()) {
      return Optional.of("this proxy's view of the write master (epoch " + routed.epoch()
          + ") is behind ZooKeeper's (epoch " + proof.epoch() + ") and is catching up");
    }
    return Optional.empty();
  }

  /** Connected, or disconnected for less than the grace period (moving to another server). */
  private boolean mayWrite() {
    return connected || System.nanoTime() - suspendedAt < graceNanos;
  }

  /** Whether this proxy is the one that decides. */
  public boolean isLeader() {
    return connected && leader.hasLeadership();
  }

  @Override
  public WriteMaster next(WriteMaster current, RoutingTable table, HealthView health) {
    // The decision and its version from one read of the cache: read apart, a change in between
    // would pair the old decision with the new version, and the proposal built on the old one
    // would win its compare-and-set with an epoch that already names a master.
    Optional<ChildData> node = master.get(masterPath)
        .filter(d -> d.getData() != null && d.getData().length > 0);
    WriteMaster shared = node.map(d -> decodeMaster(d.getData())).orElse(null);
    if (!connected && shared != null && mayWrite()) {
      return shared;
    }
    if (!connected) {
      long epoch = shared != null ? shared.epoch() : current.epoch();
      return new WriteMaster(Optional.empty(), epoch, "this proxy lost its ZooKeeper connection;"
          + " writes through it stop until it is back");
    }
    if (!recipesStarted) {
      String why = problem.get();
      return new WriteMaster(Optional.empty(), current.epoch(), why != null ? "ZooKeeper: " + why
          : "connecting to ZooKeeper; no write master decided yet");
    }
    publish(health);
    if (leader.hasLeadership()) {
      WriteMaster base = shared != null ? shared : WriteMaster.none("no master decided yet");
      WriteMaster proposed = MasterElection.next(base, table, majorityView(table, health));
      if (!proposed.equals(base)) {
        compareAndSet(proposed, node.map(d -> d.getStat().getVersion()).orElse(-1));
      }
    }
    return shared != null ? shared
        : new WriteMaster(Optional.empty(), 0, "no write master decided in ZooKeeper yet");
  }

  /**
   * A node is DOWN only when more than half of the live proxies see it DOWN, and UP when more
   * than half see it UP; otherwise it is in doubt (PARTITIONED): neither replaced nor chosen.
   */
  static HealthView combine(RoutingTable table, List<HealthView> live) {
    Map<String, NodeState> states = new LinkedHashMap<>();
    for (Node node : table.nodes()) {
      int down = 0;
      int up = 0;
      for (HealthView v : live) {
        NodeState s = v.stateOf(node.name());
        if (s == NodeState.DOWN) {
          down++;
        } else if (s == NodeState.UP) {
          up++;
        }
      }
      NodeState s = 2 * down > live.size() ? NodeState.DOWN
          : 2 * up > live.size() ? NodeState.UP
          : live.stream().allMatch(v -> v.stateOf(node.name()) == NodeState.UNKNOWN)
              ? NodeState.UNKNOWN : NodeState.PARTITIONED;
      states.put(node.name(), s);
    }
    return new HealthView(states);
  }

  private HealthView majorityView(RoutingTable table, HealthView own) {
    Map<String, HealthView> live = new HashMap<>();
    views.stream()
        .filter(d -> d.getPath().startsWith(viewsPath + "/") && d.getData() != null)
        .forEach(d -> live.put(d.getPath().substring(viewsPath.length() + 1), decode(d.getData())));
    live.put(proxy, own); // our own view is always current, even before its znode is
    return combine(table, new ArrayList<>(live.values()));
  }

  private void publish(HealthView health) {
    if (health.equals(lastPublished)) {
      return;
    }
    lastPublished = health;
    try {
      client.create().orSetData().withMode(CreateMode.EPHEMERAL)
          .inBackground((c, e) -> {
            if (e.getResultCode() != 0) {
              lastPublished = null; // try again on the next change or tick
              problem("cannot publish this proxy's view of the nodes in ZooKeeper ("
                  + KeeperException.Code.get(e.getResultCode()) + "); it is tried again");
            } else {
              problem(null);
            }
          })
          .forPath(viewsPath + "/" + proxy, encode(health));
    } catch (Exception e) {
      lastPublished = null;
      problem("cannot publish this proxy's view of the nodes in ZooKeeper: " + e.getMessage());
    }
  }

  private void compareAndSet(WriteMaster proposed, int version) {
    CompletableFuture<Boolean> outcome = new CompletableFuture<>();
    if (writes.putIfAbsent(proposed.epoch(), outcome) != null) {
      return; // this epoch is proposed already, or won: the cache has not caught up yet
    }
    writes.keySet().removeIf(epoch -> epoch < proposed.epoch() - 16);
    byte[] data = encodeMaster(proposed);
    try {
      if (version < 0) {
        client.create().inBackground((c, e) -> casDone(proposed, e.getResultCode(), outcome))
            .forPath(masterPath, data);
      } else {
        client.setData().withVersion(version)
            .inBackground((c, e) -> casDone(proposed, e.getResultCode(), outcome))
            .forPath(masterPath, data);
      }
    } catch (Exception e) {
      casDone(proposed, KeeperException.Code.SYSTEMERROR.intValue(), outcome);
      problem("cannot write the write master to ZooKeeper: " + e.getMessage());
    }
  }

  /**
   * Whether this proxy's compare-and-set wrote {@code epoch}: exactly one proxy's did for each
   * epoch in ZooKeeper. Waits up to {@code wait} for the answer to a write still under way.
   */
  public boolean wrote(long epoch, Duration wait) {
    CompletableFuture<Boolean> outcome = writes.get(epoch);
    if (outcome == null) {
      return false;
    }
    try {
      return outcome.get(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      return false;
    }
  }

  private void casDone(WriteMaster proposed, int resultCode, CompletableFuture<Boolean> outcome) {
    if (resultCode != 0) {
      writes.remove(proposed.epoch(), outcome); // may be proposed again on a later tick
    }
    outcome.complete(resultCode == 0);
    if (resultCode == 0) {
      events.record("zookeeper", proxy + " (leader) wrote " + proposed.node().orElse("no master")
          + " as write master, epoch " + proposed.epoch() + ": " + proposed.reason());
    } else {
      // Someone else moved first (a former leader): the watch brings their decision.
      log.info("Write-master proposal {} (epoch {}) lost its compare-and-set (code {})",
          proposed.node(), proposed.epoch(), resultCode);
    }
  }

  static byte[] encode(HealthView view) {
    StringBuilder b = new StringBuilder();
    view.states().forEach((n, s) -> b.append(n).append('=').append(s.name()).append('\n'));
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  static HealthView decode(byte[] data) {
    Map<String, NodeState> states = new HashMap<>();
    for (String line : new String(data, StandardCharsets.UTF_8).split("\n")) {
      int eq = line.lastIndexOf('=');
      if (eq > 0) {
        try {
          states.put(line.substring(0, eq), NodeState.valueOf(line.substring(eq + 1)));
        } catch (IllegalArgumentException ignored) {
          // a state a newer proxy knows: counts as no opinion
        }
      }
    }
    return new HealthView(states);
  }

  static byte[] encodeMaster(WriteMaster m) {
    return ("node=" + m.node().orElse("") + "\nepoch=" + m.epoch() + "\nreason="
        + m.reason().replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8);
  }

  /** The decision as written to the master znode; public for tests that watch it. */
  public static WriteMaster decodeMaster(byte[] data) {
    String node = "";
    long epoch = 0;
    String reason = "";
    for (String line : new String(data, StandardCharsets.UTF_8).split("\n")) {
      int eq = line.indexOf('=');
      if (eq < 0) {
        continue;
      }
      String v = line.substring(eq + 1);
      switch (line.substring(0, eq)) {
        case "node" -> node = v;
        case "epoch" -> epoch = Long.parseLong(v.trim());
        case "reason" -> reason = v;
        default -> { }
      }
    }
    return new WriteMaster(node.isEmpty() ? Optional.empty() : Optional.of(node), epoch, reason);
  }

  @Override
  public void close() {
    setup.shutdownNow();
    ticker.shutdownNow();
    try {
      leader.close();
    } catch (Exception ignored) {
      // closing anyway
    }
    views.close();
    master.close();
    client.close();
  }
}
