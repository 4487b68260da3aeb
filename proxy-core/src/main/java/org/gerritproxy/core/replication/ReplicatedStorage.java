package org.gerritproxy.core.replication;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.gerritproxy.core.config.ProxyConfig;
import org.gerritproxy.core.events.EventLog;
import org.gerritproxy.routing.AdminState;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.NodeState;
import org.gerritproxy.routing.RoutingSnapshot;
import org.gerritproxy.routing.replication.PendingUpdates;
import org.gerritproxy.routing.replication.RefAdvertisement;
import org.gerritproxy.routing.replication.RefTarget;
import org.gerritproxy.routing.replication.ReplicaFreshness;
import org.gerritproxy.routing.replication.ReplicaTracker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replicated storage as this proxy runs it: learns the master's updates (from the pushes the
 * frontends forward and from {@link MasterEvents}), and checks, lazily and cheaply, whether each
 * node has them: a node's own ref advertisement for the project, read over HTTP as {@code
 * [accounts] user}, at most once per project and node each {@code health.interval}, and at once
 * when a read was held back. What a node was seen to have counts until the project's next update.
 * It keeps lagging nodes out of the read pool and says so in events.
 *
 * <p>With {@code [cluster] storage = shared} it does nothing and every read spreads as before.
 */
public final class ReplicatedStorage implements ReplicaTracker, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ReplicatedStorage.class);
  /** Advertisements larger than this are not read whole; the node is then not judged. */
  private static final int MAX_ADVERTISEMENT = 64 << 20;

  private final PendingUpdates pending;
  private final Supplier<RoutingSnapshot> snapshots;
  private final Supplier<ProxyConfig> config;
  private final EventLog events;
  private final HttpClient http;
  private final ScheduledExecutorService checker = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "replica-check");
    t.setDaemon(true);
    return t;
  });
  /** Projects whose check was asked for by a held-back read and has not run yet. */
  private final Set<String> wanted = ConcurrentHashMap.newKeySet();
  private final Map<String, AtomicLong> heldBack = new ConcurrentHashMap<>();
  private final AtomicLong checks = new AtomicLong();
  /** How long a node must be seen with every update before it counts as caught up. */
  static final Duration SETTLE = Duration.ofSeconds(1);
  /** Node and project to when the node was first seen with every update; checker thread only. */
  private final Map<String, Long> completeSince = new java.util.HashMap<>();
  private volatile Set<String> lagging = Set.of();
  private final MasterEvents masterEvents;

  public ReplicatedStorage(Supplier<RoutingSnapshot> snapshots, Supplier<ProxyConfig> config,
      EventLog events, HttpClient http) {
    this(PendingUpdates.onSystemClock(), snapshots, config, events, http);
  }

  ReplicatedStorage(PendingUpdates pending, Supplier<RoutingSnapshot> snapshots,
      Supplier<ProxyConfig> config, EventLog events, HttpClient http) {
    this.pending = pending;
    this.snapshots = snapshots;
    this.config = config;
    this.events = events;
    this.http = http;
    this.masterEvents = new MasterEvents(snapshots, config, events, this::learned);
  }

  /** Starts the periodic check and the master's event stream (both idle with shared storage). */
  public void start() {
    masterEvents.start();
    scheduleSweep();
  }

  private void scheduleSweep() {
    Duration every = config.get().health().interval();
    checker.schedule(() -> {
      try {
        sweep();
      } catch (RuntimeException e) {
        log.warn("checking the replicas failed", e);
      } finally {
        if (!checker.isShutdown()) {
          scheduleSweep();
        }
      }
    }, every.toMillis(), TimeUnit.MILLISECONDS);
  }

  private boolean replicated() {
    return snapshots.get().table().cluster().replicated();
  }

  // ------------------------------------------------------------------ ReplicaTracker

  @Override
  public ReplicaFreshness freshness(Optional<String> project) {
    return pending.freshness(project, lagging);
  }

  @Override
  public Runnable pushStarted(String project, List<RefTarget> updates) {
    if (!replicated()) {
      return () -> { };
    }
    return pending.pushStarted(project, updates, replicas(snapshots.get()))::finished;
  }

  @Override
  public void heldBack(String project, String node) {
    heldBack.computeIfAbsent(node, n -> new AtomicLong()).incrementAndGet();
    if (wanted.add(project)) {
      checker.execute(() -> {
        wanted.remove(project);
        try {
          check(project, snapshots.get());
        } catch (RuntimeException e) {
          log.warn("checking the replicas of {} failed", project, e);
        }
      });
    }
  }

  /** An update the master's events told of. */
  void learned(String project, RefTarget update) {
    if (replicated()) {
      pending.learned(project, List.of(update), replicas(snapshots.get()));
    }
  }

  /** Every configured node but the master: those that receive the master's updates. */
  private static List<String> replicas(RoutingSnapshot s) {
    String master = s.master().node().orElse("");
    List<String> out = new ArrayList<>();
    for (Node n : s.table().nodes()) {
      if (!n.name().equals(master)) {
        out.add(n.name());
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ checking

  private void sweep() {
    RoutingSnapshot s = snapshots.get();
    if (!s.table().cluster().replicated()) {
      lagging = Set.of();
      return;
    }
    for (PendingUpdates.Project p : pending.all()) {
      check(p.name(), s);
    }
    completeSince.keySet().removeIf(k -> pending.pending(k.substring(k.indexOf('\n') + 1))
        .isEmpty());
    judgeLag(s);
  }

  /**
   * Checks one project: first against the master (an update it lacks was never made: a refused
   * push), then each node behind on it, which is caught up once its refs show every update.
   * Cheap by construction: only projects with something pending, only nodes behind on them.
   */
  void check(String project, RoutingSnapshot s) {
    Optional<PendingUpdates.Project> before = pending.pending(project);
    if (before.isEmpty()) {
      return;
    }
    PendingUpdates.Project p = before.get();
    Optional<Node> master = s.master().node().flatMap(n -> s.table().node(n));
    if (master.isPresent() && p.pushesInFlight() == 0) {
      Optional<Map<String, String>> masterRefs = refs(master.get(), project);
      if (masterRefs.isPresent()) {
        if (p.unresolved()) {
          pending.resolved(project, masterRefs.get());
        } else {
          List<RefTarget> missing = p.targets().values().stream()
              .filter(t -> !t.metBy(masterRefs.get())).toList();
          if (!missing.isEmpty()) {
            pending.notOnMaster(project, missing);
          }
          for (RefTarget t : p.targets().values()) {
            if (t.magic()) {
              List<RefTarget> change = t.changeOn(masterRefs.get());
              if (!change.isEmpty()) {
                pending.refined(project, t, change);
              }
            }
          }
        }
      }
      Optional<PendingUpdates.Project> now = pending.pending(project);
      if (now.isEmpty()) {
        return;
      }
      p = now.get();
    }
    for (String name : List.copyOf(p.behind().keySet())) {
      Optional<Node> node = s.table().node(name);
      if (node.isEmpty() || s.master().is(name)) {
        pending.notAReplica(name); // gone from the configuration, or now the master itself
        continue;
      }
      NodeState state = s.health().stateOf(name);
      if (node.get().adminState() == AdminState.DISABLED || state == NodeState.DOWN) {
        continue; // not asked: it serves nothing now, and its check would only time out
      }
      if (p.unresolved() || p.pushesInFlight() > 0) {
        // Not while a push is on its way: a copy caught while Gerrit still writes the change
        // would look complete; the master's refs, read once the push is answered, decide.
        continue;
      }
      Optional<Map<String, String>> refs = refs(node.get(), project);
      if (refs.isEmpty()) {
        continue;
      }
      PendingUpdates.Project checked = p;
      Map<String, Long> lacks = checked.behind().getOrDefault(name, Map.of());
      boolean complete = lacks.keySet().stream().allMatch(k -> checked.targets().containsKey(k)
          && checked.targets().get(k).metBy(refs.get()));
      String pair = name + "\n" + project;
      if (!complete) {
        completeSince.remove(pair);
        pending.seen(name, project, refs.get()); // progress on some refs: its lag shrinks
        continue;
      }
      // Seen with everything: counted only when still so a moment later. A replica that has just
      // received refs may advertise them before its Gerrit serves them to every user (observed:
      // "want … not valid" within a second of the copy).
      long now = System.nanoTime();
      Long since = completeSince.putIfAbsent(pair, now);
      if (since != null && now - since >= SETTLE.toNanos()) {
        completeSince.remove(pair);
        pending.seen(name, project, refs.get());
      } else {
        checker.schedule(() -> check(project, snapshots.get()), SETTLE.toMillis(),
            TimeUnit.MILLISECONDS);
      }
    }
  }

  /**
   * The node's refs of {@code project}, from its smart HTTP advertisement; empty when it could not
   * be read (the node is then neither confirmed nor blamed).
   */
  Optional<Map<String, String>> refs(Node node, String project) {
    ProxyConfig cfg = config.get();
    Optional<String> user = cfg.accounts().user();
    String base = node.http().toString().replaceAll("/+$", "");
    StringBuilder path = new StringBuilder(base).append(user.isPresent() ? "/a/" : "/");
    for (String segment : project.split("/")) {
      path.append(URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"))
          .append('/');
    }
    path.append("info/refs?service=git-upload-pack");
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(path.toString()))
        .timeout(cfg.health().timeout().multipliedBy(2))
        .header("User-Agent", "gerrit-proxy/replica-check");
    cfg.accounts().basicAuthorization().ifPresent(auth -> request.header("Authorization", auth));
    checks.incrementAndGet();
    try {
      HttpResponse<java.io.InputStream> r =
          http.send(request.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
      try (java.io.InputStream body = r.body()) {
        if (r.statusCode() == 404) {
          return Optional.of(Map.of()); // not replicated there yet: it has none of the refs
        }
        if (r.statusCode() != 200) {
          log.debug("{}: the refs of {} answered {}", node.name(), project, r.statusCode());
          return Optional.empty();
        }
        byte[] bytes = body.readNBytes(MAX_ADVERTISEMENT);
        return Optional.of(RefAdvertisement.parse(bytes));
      }
    } catch (IOException | IllegalArgumentException e) {
      log.debug("{}: cannot read the refs of {}: {}", node.name(), project, e.toString());
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** Takes nodes behind by more than {@code maxReplicationLag} out of reads, and back. */
  private void judgeLag(RoutingSnapshot s) {
    Duration max = s.table().cluster().maxReplicationLag();
    Set<String> now = new HashSet<>(pending.lagging(max));
    s.master().node().ifPresent(now::remove);
    Set<String> was = lagging;
    Map<String, PendingUpdates.NodeLag> lag = pending.lag();
    for (String n : now) {
      if (!was.contains(n)) {
        PendingUpdates.NodeLag l = lag.get(n);
        events.record("replication-lag", n + " leaves the read pool: it has lacked an update of"
            + " the master's for " + String.format(java.util.Locale.ROOT, "%.1f",
                l.behind().toMillis() / 1000.0) + " s (maxReplicationLag " + max.toMillis() / 1000.0
            + " s), on " + l.projects() + " project(s)");
      }
    }
    for (String n : was) {
      if (!now.contains(n)) {
        events.record("replication-lag", n + " rejoins the read pool: it is no longer behind"
            + " the master by more than maxReplicationLag");
      }
    }
    lagging = Set.copyOf(now);
  }

  // ------------------------------------------------------------------ visibility

  /** Per configured node, how far behind it is; empty with shared storage. */
  public Map<String, ReplicaLag> lag() {
    RoutingSnapshot s = snapshots.get();
    if (!s.table().cluster().replicated()) {
      return Map.of();
    }
    Map<String, PendingUpdates.NodeLag> lag = pending.lag();
    Set<String> out = lagging;
    Map<String, ReplicaLag> result = new LinkedHashMap<>();
    for (Node n : s.table().nodes()) {
      PendingUpdates.NodeLag l = lag.get(n.name());
      long held = Optional.ofNullable(heldBack.get(n.name())).map(AtomicLong::get).orElse(0L);
      result.put(n.name(), new ReplicaLag(l == null ? 0 : l.behind().toNanos() / 1e9,
          l == null ? 0 : l.projects(), out.contains(n.name()), held));
    }
    return result;
  }

  /** Advertisements read so far, for {@code /metrics}. */
  public long checks() {
    return checks.get();
  }

  /** Whether the master's event stream is connected now. */
  public boolean streaming() {
    return masterEvents.connected();
  }

  /** The master changed: the event stream follows it. */
  public void masterChanged() {
    masterEvents.masterChanged();
  }

  @Override
  public void close() {
    masterEvents.close();
    checker.shutdownNow();
  }
}
