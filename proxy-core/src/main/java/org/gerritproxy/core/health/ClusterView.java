package org.gerritproxy.core.health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.gerritproxy.core.backdoor.Backdoor;
import org.gerritproxy.core.backdoor.BackdoorReading;
import org.gerritproxy.core.backdoor.HeartbeatFreshness;
import org.gerritproxy.core.backdoor.HeartbeatRecord;
import org.gerritproxy.core.election.WriteMasterElector;
import org.gerritproxy.core.events.EventLog;
import org.gerritproxy.core.probe.NetworkProbe;
import org.gerritproxy.core.probe.ProbeResult;
import org.gerritproxy.routing.AdminState;
import org.gerritproxy.routing.ElectionMode;
import org.gerritproxy.routing.HealthView;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.NodeState;
import org.gerritproxy.routing.Router;
import org.gerritproxy.routing.RoutingSnapshot;
import org.gerritproxy.routing.RoutingTable;
import org.gerritproxy.routing.WriteMaster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This proxy's live view of the cluster: probes every node, turns the results into states,
 * elects the write master, and publishes each outcome as one immutable {@link RoutingSnapshot}
 * that frontends read per request. All changes happen on one thread, so a snapshot is always
 * the result of a whole, ordered sequence of events.
 */
public final class ClusterView implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClusterView.class);

  private final NetworkProbe probe;
  private final WriteMasterElector elector;
  private final EventLog events;
  private final ScheduledExecutorService executor;
  private final Clock clock;
  private final Instant startedAt;
  private final Set<String> probing = ConcurrentHashMap.newKeySet();
  private final Optional<Backdoor> backdoor;
  private final HeartbeatFreshness freshness;
  // Backdoor reads block (a database, a shared file system): never on the view's own thread.
  private final ExecutorService backdoorReader;
  private final AtomicBoolean reading = new AtomicBoolean();
  private final Map<String, AtomicBoolean> succeededSinceFailure = new ConcurrentHashMap<>();
  /** Nodes given a confirming probe since the last scheduled round; confined to the view thread. */
  private final Set<String> confirmed = new java.util.HashSet<>();

  // Confined to the executor thread.
  private Map<String, NodeHealth> nodes = new LinkedHashMap<>();
  private ProbeSettings settings;
  private ScheduledFuture<?> ticker;

  private volatile RoutingSnapshot snapshot;
  private volatile java.util.function.BiConsumer<WriteMaster, RoutingSnapshot> masterListener =
      (before, after) -> { };
  private volatile Map<String, NodeHealth> published = Map.of();

  public ClusterView(RoutingTable table, ProbeSettings settings, NetworkProbe probe,
      WriteMasterElector elector, EventLog events, Clock clock) {
    this(table, settings, probe, elector, events, clock, Optional.empty(), Duration.ofSeconds(5));
  }

  /**
   * With a backdoor, each node's heartbeat is read every interval as the second channel, and a
   * node the network cannot reach is PARTITIONED while its heartbeat is fresh and healthy.
   */
  public ClusterView(RoutingTable table, ProbeSettings settings, NetworkProbe probe,
      WriteMasterElector elector, EventLog events, Clock clock, Optional<Backdoor> backdoor,
      Duration staleAfter) {
    this.backdoor = Objects.requireNonNull(backdoor);
    this.freshness = new HeartbeatFreshness(clock, staleAfter);
    this.backdoorReader = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "backdoor-reader");
      t.setDaemon(true);
      return t;
    });
    this.clock = Objects.requireNonNull(clock);
    this.startedAt = clock.instant();
    this.probe = Objects.requireNonNull(probe);
    this.elector = Objects.requireNonNull(elector);
    this.events = Objects.requireNonNull(events);
    this.settings = Objects.requireNonNull(settings);
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "cluster-view");
      t.setDaemon(true);
      return t;
    });
    for (Node node : table.nodes()) {
      nodes.put(node.name(), NodeHealth.unprobed(node, initialReading()));
    }
    RoutingSnapshot initial = new RoutingSnapshot(table, healthView(), WriteMaster.none(
        "no node has been probed yet"));
    this.snapshot = initial;
    this.snapshot = initial.withMaster(electionDue(table, initial.health())
        ? elector.next(initial.master(), table, initial.health())
        : initial.master());
    this.published = Map.copyOf(nodes);
  }

  /** The snapshot every routing decision reads; never null, never changed in place. */
  public RoutingSnapshot snapshot() {
    return snapshot;
  }

  /** Each configured node's health, in configuration order. */
  public List<NodeHealth> nodes() {
    RoutingTable table = snapshot.table();
    Map<String, NodeHealth> current = published;
    return table.nodes().stream()
        .map(n -> current.get(n.name()))
        .filter(Objects::nonNull)
        .toList();
  }

  /**
   * Tells {@code listener} of every change of master, with the master before and the snapshot
   * after, on the view's thread: it must return quickly.
   */
  public void onMasterChange(java.util.function.BiConsumer<WriteMaster, RoutingSnapshot> listener) {
    this.masterListener = Objects.requireNonNull(listener);
  }

  /** Starts probing every node at the configured interval. */
  public void start() {
    executor.execute(this::schedule);
  }

  /**
   * Applies a new configuration: nodes added, removed or changed, and new probe settings. Health
   * already learned of unchanged nodes is kept. Returns when the new snapshot is published.
   */
  public void reconfigure(RoutingTable table, ProbeSettings newSettings) {
    runOnView(() -> {
      Map<String, NodeHealth> next = new LinkedHashMap<>();
      for (Node node : table.nodes()) {
        NodeHealth old = nodes.get(node.name());
        if (old == null) {
          next.put(node.name(), NodeHealth.unprobed(node, initialReading()));
        } else if (!old.node().http().equals(node.http())) {
          next.put(node.name(), NodeHealth.unprobed(node, old.backdoor()));
        } else {
          next.put(node.name(), old.withNode(node));
        }
      }
      nodes = next;
      boolean rescheduled = !settings.interval().equals(newSettings.interval());
      settings = newSettings;
      publish(table);
      if (rescheduled && ticker != null) {
        ticker.cancel(false);
        schedule();
      }
    });
  }

  /**
   * A proxied request failed on the node (refused, reset, an SSH channel closed without an exit
   * status). Evidence, not a verdict: {@code health.trafficFall} of them in a row take the node
   * out of the read pool, and each asks for a confirming probe; only probes can make it DOWN.
   */
  public void trafficFailure(String nodeName, Throwable cause) {
    executor.execute(() -> {
      NodeHealth health = nodes.get(nodeName);
      if (health == null) {
        return;
      }
      AtomicBoolean succeeded = succeededSinceFailure.get(nodeName);
      boolean succeededSince = succeeded != null && succeeded.getAndSet(false);
      TrafficHysteresis next = health.traffic().onFailure(succeededSince, settings.trafficFall());
      log.warn("Traffic to {} failed ({} in a row): {}", nodeName, next.failures(),
          cause.toString());
      if (next.outOfReadPool() && !health.traffic().outOfReadPool()) {
        events.record("read-pool", nodeName + " takes no new reads: " + next.failures()
            + " proxied requests in a row failed on it (last: " + cause + "); it stays "
            + health.verdict().state() + " and comes back after " + settings.rise()
            + " good probes");
      }
      nodes.put(nodeName, health.withTraffic(next));
      publish(snapshot.table());
      confirm(health.node());
    });
  }

  /**
   * A proxied request succeeded on the node: breaks a run of traffic failures. Called per request
   * from the frontends' threads, so it only sets a flag, and only when it is not set already.
   */
  public void trafficSucceeded(String nodeName) {
    AtomicBoolean flag = succeededSinceFailure.get(nodeName);
    if (flag == null) {
      flag = succeededSinceFailure.computeIfAbsent(nodeName, n -> new AtomicBoolean());
    }
    if (!flag.get()) {
      flag.set(true);
    }
  }

  /** At most one extra probe per node between two scheduled rounds, so a storm adds no load. */
  private void confirm(Node node) {
    if (confirmed.add(node.name())) {
      probeNow(node);
    }
  }

  private void schedule() {
    long every = settings.interval().toMillis();
    ticker = executor.scheduleWithFixedDelay(this::tick, 0, every, TimeUnit.MILLISECONDS);
  }

  private BackdoorReading initialReading() {
    return backdoor.isPresent() ? BackdoorReading.notYetRead() : BackdoorReading.notConfigured();
  }

  /** Sets how long a heartbeat may stand still before it is stale ({@code backdoor.staleAfter}). */
  public void staleAfter(Duration staleAfter) {
    runOnView(() -> freshness.staleAfter(staleAfter));
  }

  private void readBackdoor(Backdoor door) {
    if (!reading.compareAndSet(false, true)) {
      // Never pile reads up, but let verdicts age: a read hung on a dead file system or database
      // must not keep a dead node's last heartbeat fresh for ever.
      applyBackdoor(Map.of(), "the previous read has not returned yet");
      return;
    }
    backdoorReader.execute(() -> {
      try {
        Map<String, HeartbeatRecord> beats = door.readAll();
        executor.execute(() -> applyBackdoor(beats, null));
      } catch (java.io.IOException | RuntimeException e) {
        executor.execute(() -> applyBackdoor(Map.of(), e.getMessage()));
      } finally {
        reading.set(false);
      }
    });
  }

  private void applyBackdoor(Map<String, HeartbeatRecord> beats, String problem) {
    if (problem != null) {
      log.warn("The backdoor {} cannot be read: {}", backdoor.map(Backdoor::describe).orElse(""),
          problem);
    }
    for (Map.Entry<String, NodeHealth> e : nodes.entrySet()) {
      BackdoorReading r = problem == null
          ? freshness.observe(e.getKey(), Optional.ofNullable(beats.get(e.getKey())))
          : freshness.readFailed(e.getKey(), problem);
      e.setValue(e.getValue().withBackdoor(r));
    }
    publish(snapshot.table());
  }

  private void tick() {
    backdoor.ifPresent(this::readBackdoor);
    confirmed.clear();
    for (NodeHealth health : nodes.values()) {
      probeNow(health.node());
    }
  }

  private void probeNow(Node node) {
    if (!probing.add(node.name())) {
      return; // the previous probe is still out; never pile them up
    }
    ProbeSettings s = settings;
    probe.probe(node, s.path(), s.timeout()).whenComplete((result, error) -> {
      probing.remove(node.name());
      if (result != null) {
        executor.execute(() -> applyProbe(node, result));
      }
    });
  }

  private void applyProbe(Node probed, ProbeResult result) {
    NodeHealth health = nodes.get(probed.name());
    if (health == null || !health.node().http().equals(probed.http())) {
      return; // reconfigured while the probe was out
    }
    ProbeHysteresis next = result.ok()
        ? health.network().onSuccess(settings.rise())
        : health.network().onFailure(settings.fall());
    TrafficHysteresis traffic = result.ok()
        ? health.traffic().onProbeSuccess(settings.rise())
        : health.traffic().onProbeFailure();
    if (health.traffic().outOfReadPool() && !traffic.outOfReadPool()) {
      events.record("read-pool", probed.name() + " takes reads again: " + settings.rise()
          + " good probes since live traffic failed on it");
    }
    nodes.put(probed.name(), health.withNetwork(next, traffic, result));
    publish(snapshot.table());
  }

  private void publish(RoutingTable table) {
    RoutingSnapshot before = snapshot;
    HealthView health = healthView();
    for (Map.Entry<String, NodeState> e : health.states().entrySet()) {
      NodeState was = before.health().stateOf(e.getKey());
      if (was != e.getValue()) {
        NodeHealth h = nodes.get(e.getKey());
        events.record("node-state", e.getKey() + " is " + e.getValue() + " (was " + was + "): "
            + h.verdict().why());
      }
    }
    boolean panicBefore = Router.panic(before);
    boolean panicNow = Router.panic(new RoutingSnapshot(table, health, before.master()));
    if (panicNow != panicBefore) {
      events.record("panic", panicNow
          ? "panic reads: no node passes its health check, so reads go to the nodes that still"
              + " answer (" + String.join(", ", health.answering().stream().sorted().toList())
              + "); writes keep the master rules"
          : "panic reads are over: a node passes its health check again");
    }
    WriteMaster master = electionDue(table, health)
        ? elector.next(before.master(), table, health)
        : before.master();
    if (!master.equals(before.master()) && !master.node().equals(before.master().node())) {
      events.record("election", master.node().map(n -> n + " is write master").orElse(
          "no write master") + " (epoch " + master.epoch() + "): " + master.reason());
    }
    published = Map.copyOf(nodes);
    snapshot = new RoutingSnapshot(table, health, master);
    if (!master.node().equals(before.master().node())) {
      try {
        masterListener.accept(before.master(), snapshot);
      } catch (RuntimeException e) {
        log.warn("A listener of master changes failed", e);
      }
    }
  }

  /**
   * At start-up, waits until every node has answered its first probe (or a grace period has
   * passed) before the first election: otherwise whichever node answers first would become
   * master, and without failback it would stay master even though another has a higher priority.
   */
  private boolean electionDue(RoutingTable table, HealthView health) {
    if (snapshot.master().isKnown() || table.election().mode() == ElectionMode.STATIC) {
      return true;
    }
    boolean allProbed = table.nodes().stream()
        .filter(n -> n.adminState() == AdminState.ACTIVE)
        .noneMatch(n -> health.stateOf(n.name()) == NodeState.UNKNOWN);
    Duration grace = settings.interval().plus(settings.timeout()).multipliedBy(2);
    return allProbed || Duration.between(startedAt, clock.instant()).compareTo(grace) > 0;
  }

  private HealthView healthView() {
    Map<String, NodeState> states = new LinkedHashMap<>();
    Set<String> outOfReadPool = new java.util.HashSet<>();
    Set<String> answering = new java.util.HashSet<>();
    nodes.forEach((name, h) -> {
      states.put(name, h.verdict().state());
      if (h.traffic().outOfReadPool()) {
        outOfReadPool.add(name);
      }
      if (h.answering()) {
        answering.add(name);
      }
    });
    return new HealthView(states, outOfReadPool, answering);
  }

  private void runOnView(Runnable action) {
    try {
      executor.submit(action).get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while applying a change to the cluster view", e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("could not apply a change to the cluster view", e);
    }
  }

  /** The health of one node by name, if configured. */
  public Optional<NodeHealth> node(String name) {
    return Optional.ofNullable(published.get(name));
  }

  /** Stops probing; the probe it was given is closed with it. */
  @Override
  public void close() {
    executor.shutdownNow();
    backdoorReader.shutdownNow();
    probe.close();
  }
}
