package org.gerritproxy.core.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.gerritproxy.core.events.ClusterEvent;
import org.gerritproxy.core.health.ClusterView;
import org.gerritproxy.core.health.NodeHealth;
import org.gerritproxy.core.probe.FenceReading;
import org.gerritproxy.routing.NodeState;
import org.gerritproxy.routing.Router;
import org.gerritproxy.routing.admission.FetchGate;
import org.gerritproxy.routing.traffic.AccessRecord;

/**
 * The {@code /metrics} document in Prometheus text format, names prefixed {@code gerrit_proxy_}:
 * traffic counted as exchanges finish, cluster state read from the live view at scrape time.
 */
public final class ProxyMetrics {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

  private final Counter requests = Counter.builder()
      .name("gerrit_proxy_requests_total")
      .help("Requests by frontend, class, node that served them (- when none) and outcome.")
      .labelNames("frontend", "class", "node", "outcome")
      .register(registry);
  private final Counter bytes = Counter.builder()
      .name("gerrit_proxy_bytes_total")
      .help("Body bytes relayed, by frontend, direction (in = from clients, out = to clients) and node.")
      .labelNames("frontend", "direction", "node")
      .register(registry);
  private final Histogram latency = Histogram.builder()
      .name("gerrit_proxy_request_duration_seconds")
      .help("Time from a request's headers to the end of its response, by frontend, class and node.")
      .labelNames("frontend", "class", "node")
      .classicOnly()
      .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
      .register(registry);
  private final Counter events = Counter.builder()
      .name("gerrit_proxy_events_total")
      .help("Cluster events by kind: node-state, election (failovers), reload, reload-failed.")
      .labelNames("kind")
      .register(registry);

  private final Counter failovers = Counter.builder()
      .name("gerrit_proxy_failovers_total")
      .help("Times the write master moved from one node to another.")
      .register(registry);
  private final Counter reloads = Counter.builder()
      .name("gerrit_proxy_reloads_total")
      .help("Configuration reloads by result: ok (in force) or failed (the old one stayed).")
      .labelNames("result")
      .register(registry);
  private final Counter packCacheRequests = Counter.builder()
      .name("gerrit_proxy_pack_cache_requests_total")
      .help("Protocol v2 fetches (HTTP and SSH) of cached projects by how they were answered: hit"
          + " (from an entry), miss (fetched from a node into a new entry), coalesced (joined an"
          + " identical fetch under way), passed (sent on to Gerrit: uncacheable, a want the user's ls-refs"
          + " does not show, or the cache unavailable).")
      .labelNames("result")
      .register(registry);
  private final Counter packCacheBytes = Counter.builder()
      .name("gerrit_proxy_pack_cache_bytes_served_total")
      .help("Response bytes sent from the pack cache, by result (hit, miss, coalesced).")
      .labelNames("result")
      .register(registry);
  private final Counter packCachePassed = Counter.builder()
      .name("gerrit_proxy_pack_cache_passed_total")
      .help("Fetches of cached projects sent on to Gerrit, by reason: uncacheable, unreadable,"
          + " too_large, refused, check_failed (the user's ls-refs failed), not_visible (a want"
          + " is no tip the user sees), unavailable (the cache directory refuses writes).")
      .labelNames("reason")
      .register(registry);
  private final Counter packCacheRefRequests = Counter.builder()
      .name("gerrit_proxy_pack_cache_ref_requests_total")
      .help("Protocol v2 capability advertisements and ls-refs of cached projects that were"
          + " coalesced with identical ones (same credentials): led (went to the node for its"
          + " round), shared (got the leader's answer, costing the node nothing), alone (the"
          + " leader's answer could not be shared, so it went to the node itself).")
      .labelNames("result")
      .register(registry);
  private volatile Supplier<java.util.Optional<org.gerritproxy.packstore.PackStore>>
      packStore = java.util.Optional::empty;
  private final NodeTraffic traffic = new NodeTraffic(System::currentTimeMillis);
  private final TrafficHistory history = new TrafficHistory();
  private volatile FrontendGauges frontends;
  private volatile Supplier<Map<String, FenceReading>> fences = Map::of;

  /** @param cluster read at each scrape for node states, probe latency and the master */
  public ProxyMetrics(Supplier<ClusterView> cluster) {
    reloads.labelValues("ok");
    reloads.labelValues("failed");
    for (String r : new String[] {"led", "shared", "alone"}) {
      packCacheRefRequests.labelValues(r);
    }
    for (String r : new String[] {"hit", "miss", "coalesced", "passed"}) {
      packCacheRequests.labelValues(r);
      if (!r.equals("passed")) {
        packCacheBytes.labelValues(r);
      }
    }
    GaugeWithCallback.builder()
        .name("gerrit_proxy_pack_cache_size_bytes")
        .help("Bytes held in whole pack cache entries (0 when the cache is off).")
        .callback(cb -> cb.call(packStore.get().map(s -> s.sizeBytes()).orElse(0L)))
        .register(registry);
    GaugeWithCallback.builder()
        .name("gerrit_proxy_pack_cache_entries")
        .help("Whole pack cache entries (0 when the cache is off).")
        .callback(cb -> cb.call(packStore.get().map(s -> s.entries()).orElse(0L)))
        .register(registry);
    GaugeWithCallback.builder()
        .name("gerrit_proxy_open_connections")
        .help("Client connections open now, by frontend (http, ssh).")
        .labelNames("frontend")
        .callback(cb -> {
          FrontendGauges f = frontends;
          if (f != null) {
            cb.call(f.httpConnections(), "http");
            cb.call(f.sshConnections(), "ssh");
          }
        })
        .register(registry);
    GaugeWithCallback.builder()
        .name("gerrit_proxy_open_sessions")
        .help("SSH sessions the proxy holds open to each node, one per client connection using it.")
        .labelNames("node")
        .callback(cb -> {
          FrontendGauges f = frontends;
          if (f != null) {
            Map<String, Integer> byNode = f.sshSessionsByNode();
            for (NodeHealth h : cluster.get().nodes()) {
              cb.call(byNode.getOrDefault(h.node().name(), 0), h.node().name());
            }
          }
        })
        .register(registry);
    CounterWithCallback.builder()
        .name("gerrit_proxy_key_cache_requests_total")
        .help("SSH logins by key-cache result: hit (decided from the cache), miss (Gerrit asked).")
        .labelNames("result")
        .callback(cb -> {
          FrontendGauges f = frontends;
          if (f != null) {
            cb.call(f.keyCacheHits(), "hit");
            cb.call(f.keyCacheMisses(), "miss");
          }
        })
        .register(registry);
    GaugeWithCallback.builder()
        .name("gerrit_proxy_node_state")
        .help("1 for the state each node is in, 0 for the others.")
        .labelNames("node", "state")
        .callback(cb -> {
          for (NodeHealth h : cluster.get().nodes()) {
            for (NodeState s : NodeState.values()) {
              cb.call(h.verdict().state() == s ? 1 : 0, h.node().name(), s.name());
            }
          }
        })
        .register(registry);
    GaugeWithCallback.builder()
        .name("gerrit_proxy_probe_latency_seconds")
        .help("Latency of each node's last network probe.")
        .labelNames("node", "result")
        .callback(cb -> {
          for (NodeHealth h : cluster.get().nodes()) {
            h.lastProbe().ifPresent(p -> cb.call(p.latency().toNanos() / 1e9, h.node().name(),
                p.ok() ? "ok" : "failed"));
          }
        })
        .register(registry);
    GaugeWithCallback.builder()
        .name("gerrit_proxy_panic_reads")
        .help("1 while no node passes its health check and reads go to the nodes that still"
            + " answer (panic reads), else 0.")
        .callback(cb -> cb.call(Router.panic(cluster.get().snapshot()) ? 1 : 0))
        .register(registry);
    GaugeWithCallback.builder()
        .name("gerrit_proxy_read_pool")
        .help("1 for each node that takes new reads, 0 for one that live traffic took out of the"
            + " read pool (it may still be UP and master).")
        .labelNames("node")
        .callback(cb -> {
          for (NodeHealth h : cluster.get().nodes()) {
            cb.call(h.traffic().outOfReadPool() ? 0 : 1, h.node().name());
          }
        })
        .register(registry);
    GaugeWithCallback.builder()
        .name("gerrit_proxy_node_fence")
        .help("1 for what each node's fence plugin last said (fenced: refuses writes; enforced:"
            + " master of the epoch it enforces; unfenced: no plugin or no record; unknown), 0 for"
            + " the others.")
        .labelNames("node", "state")
        .callback(cb -> {
          Map<String, FenceReading> now = fences.get();
          for (NodeHealth h : cluster.get().nodes()) {
            FenceReading f = now.get(h.node().name());
            for (FenceReading.State s : FenceReading.State.values()) {
              boolean in = f == null ? s == FenceReading.State.UNKNOWN : f.state() == s;
              cb.call(in ? 1 : 0, h.node().name(), s.label());
            }
          }
        })
        .register(registry);
    GaugeWithCallback.builder()
        .name("gerrit_proxy_node_fence_epoch")
        .help("The epoch each node's fence plugin enforces; -1 when it enforces none.")
        .labelNames("node")
        .callback(cb -> {
          Map<String, FenceReading> now = fences.get();
          for (NodeHealth h : cluster.get().nodes()) {
            FenceReading f = now.get(h.node().name());
            cb.call(f == null ? -1 : f.epoch(), h.node().name());
          }
        })
        .register(registry);
    GaugeWithCallback.builder()
        .name("gerrit_proxy_node_fence_repositories")
        .help("1 when a node's repositories refuse ref updates too (FenceGitModule installed, so"
            + " Gerrit's own background writes are fenced), 0 when only its doors are or it has"
            + " no fence.")
        .labelNames("node")
        .callback(cb -> {
          Map<String, FenceReading> now = fences.get();
          for (NodeHealth h : cluster.get().nodes()) {
            FenceReading f = now.get(h.node().name());
            cb.call(f != null && f.repositories() ? 1 : 0, h.node().name());
          }
        })
        .register(registry);
    GaugeWithCallback.builder()
        .name("gerrit_proxy_master_epoch")
        .help("The fencing epoch of the current write-master decision.")
        .callback(cb -> cb.call(cluster.get().snapshot().master().epoch()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("gerrit_proxy_master")
        .help("1 for the node that is write master; absent when there is none.")
        .labelNames("node")
        .callback(cb -> cluster.get().snapshot().master().node().ifPresent(n -> cb.call(1, n)))
        .register(registry);
  }

  /** Replicated storage: lag, pending projects, lagging nodes and reads held back, per node. */
  public void watchReplication(org.gerritproxy.core.replication.ReplicatedStorage replication) {
    GaugeWithCallback.builder()
        .name("gerrit_proxy_replication_lag_seconds")
        .help("Replicated storage: how long each node has lacked the oldest update of the"
            + " master's it has not been seen to have; 0 when it has them all.")
        .labelNames("node")
        .callback(cb -> replication.lag().forEach((n, l) -> cb.call(l.lagSeconds(), n)))
        .register(registry);
    GaugeWithCallback.builder()
        .name("gerrit_proxy_replication_pending_projects")
        .help("Replicated storage: projects with an update of the master's that each node lacks.")
        .labelNames("node")
        .callback(cb -> replication.lag().forEach((n, l) -> cb.call(l.pendingProjects(), n)))
        .register(registry);
    GaugeWithCallback.builder()
        .name("gerrit_proxy_replication_lagging")
        .help("Replicated storage: 1 for a node behind by more than maxReplicationLag (it takes"
            + " no reads), else 0.")
        .labelNames("node")
        .callback(cb -> replication.lag().forEach((n, l) -> cb.call(l.lagging() ? 1 : 0, n)))
        .register(registry);
    CounterWithCallback.builder()
        .name("gerrit_proxy_reads_held_back_total")
        .help("Replicated storage: reads sent to the master because the node they would have"
            + " gone to lacked the project's latest update.")
        .labelNames("node")
        .callback(cb -> replication.lag().forEach((n, l) -> cb.call(l.readsHeldBack(), n)))
        .register(registry);
    CounterWithCallback.builder()
        .name("gerrit_proxy_replica_checks_total")
        .help("Replicated storage: ref advertisements read to tell whether a node has an update.")
        .callback(cb -> cb.call(replication.checks()))
        .register(registry);
  }

  /** One fetch of a cached project was sent on to Gerrit, for {@code reason}. */
  public void packCacheRefRequest(String result) {
    packCacheRefRequests.labelValues(result).inc();
  }

  public void packCachePassed(String reason) {
    packCacheRequests.labelValues("passed").inc();
    packCachePassed.labelValues(reason).inc();
  }

  /** One fetch of a cached project was answered ({@code result}: hit, miss, coalesced). */
  public void packCacheAnswered(String result, long bytesServed) {
    packCacheRequests.labelValues(result).inc();
    if (bytesServed > 0) {
      packCacheBytes.labelValues(result).inc(bytesServed);
    }
  }

  /**
   * The pack cache's entries, size and answers since start, read from the counters and gauges
   * {@code /metrics} shows; empty when the cache is off.
   */
  public java.util.Optional<PackCacheStats> packCache() {
    return packStore.get().map(store -> {
      Map<String, Long> passedBy = new java.util.LinkedHashMap<>();
      packCachePassed.collect().getDataPoints().stream()
          .sorted(java.util.Comparator.comparingDouble(
              (io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot d)
                  -> d.getValue()).reversed())
          .forEach(d -> passedBy.put(d.getLabels().get("reason"), (long) d.getValue()));
      long served = 0;
      for (String r : new String[] {"hit", "miss", "coalesced"}) {
        served += (long) packCacheBytes.labelValues(r).get();
      }
      return new PackCacheStats(store.entries(), store.sizeBytes(), store.maxBytes(),
          answered("hit"), answered("miss"), answered("coalesced"), answered("passed"), passedBy,
          served);
    });
  }

  private long answered(String result) {
    return (long) packCacheRequests.labelValues(result).get();
  }

  /** Where the pack cache's size is read from at each scrape. */
  public void watchPackCache(
      Supplier<java.util.Optional<org.gerritproxy.packstore.PackStore>> store) {
    packStore = store;
  }

  /** Where the fetch queue's gauges and top talkers are read from at each scrape. */
  public void watch(FetchGate gate) {
    GaugeWithCallback.builder()
        .name("gerrit_proxy_fetches")
        .help("git-upload-pack fetches now, by class (interactive, batch) and state (running,"
            + " waiting for a slot).")
        .labelNames("class", "state")
        .callback(cb -> {
          FetchGate.Stats s = gate.stats();
          cb.call(s.runningInteractive(), "interactive", "running");
          cb.call(s.runningBatch(), "batch", "running");
          cb.call(s.waitingInteractive(), "interactive", "waiting");
          cb.call(s.waitingBatch(), "batch", "waiting");
        })
        .register(registry);
    CounterWithCallback.builder()
        .name("gerrit_proxy_fetch_admissions_total")
        .help("git-upload-pack fetches by how they got their slot: at_once, after_wait,"
            + " timed_out (waited queueTimeout), queue_full (refused at once).")
        .labelNames("result")
        .callback(cb -> {
          FetchGate.Stats s = gate.stats();
          cb.call(s.admittedAtOnce(), "at_once");
          cb.call(s.admittedAfterWait(), "after_wait");
          cb.call(s.timedOut(), "timed_out");
          cb.call(s.refusedQueueFull(), "queue_full");
        })
        .register(registry);
    CounterWithCallback.builder()
        .name("gerrit_proxy_fetch_wait_seconds_total")
        .help("Time fetches that got a slot spent waiting for it.")
        .callback(cb -> cb.call(gate.stats().waitedSeconds()))
        .register(registry);
    CounterWithCallback.builder()
        .name("gerrit_proxy_fetches_by_account_total")
        .help("git-upload-pack fetches of the top " + FetchGate.TOP_TALKERS + " accounts"
            + " (Space-Saving: bounded memory; a count may include fetches of accounts it"
            + " replaced, never fewer than the account's own).")
        .labelNames("account")
        .callback(cb -> gate.stats().topAccounts().forEach(t -> cb.call(t.count(), t.key())))
        .register(registry);
    CounterWithCallback.builder()
        .name("gerrit_proxy_fetches_by_user_agent_total")
        .help("git-upload-pack fetches of the top " + FetchGate.TOP_TALKERS + " User-Agents"
            + " (HTTP) and SSH client versions, counted like the accounts.")
        .labelNames("user_agent")
        .callback(cb -> gate.stats().topUserAgents().forEach(t -> cb.call(t.count(), t.key())))
        .register(registry);
  }

  /** Counts one finished HTTP exchange or SSH command. */
  public void request(AccessRecord<?> r) {
    String frontend = label(r.frontend());
    String node = r.node().orElse("-");
    String cls = r.requestClass().map(ProxyMetrics::label).orElse("-");
    requests.labelValues(frontend, cls, node, label(r.outcome())).inc();
    bytes.labelValues(frontend, "in", node).inc(r.bytesIn());
    bytes.labelValues(frontend, "out", node).inc(r.bytesOut());
    latency.labelValues(frontend, cls, node).observe(r.duration().toNanos() / 1e9);
    r.node().ifPresent(n -> {
      traffic.record(n, r.bytesIn(), r.bytesOut());
      history.record(n, r.duration().toNanos(), isError(r));
    });
  }

  /**
   * An error of the node's or the proxy's: failed on the node, refused, or answered 5xx. A client
   * that went away, or a 4xx (the client's mistake), is not one.
   */
  static boolean isError(AccessRecord<?> r) {
    return switch (r.outcome()) {
      case BACKEND_FAILED, REFUSED -> true;
      case COMPLETED -> r.frontend() == AccessRecord.Frontend.HTTP && r.status() >= 500;
      case BAD_REQUEST, CLIENT_ABORTED -> false;
    };
  }

  // Label values are the enum constants in lower case, made once rather than per request.
  private static final Map<Enum<?>, String> LABELS = labels(
      org.gerritproxy.routing.traffic.AccessRecord.Frontend.values(),
      org.gerritproxy.routing.RequestClass.values(),
      org.gerritproxy.routing.traffic.AccessRecord.Outcome.values());

  @SafeVarargs
  private static Map<Enum<?>, String> labels(Enum<?>[]... kinds) {
    Map<Enum<?>, String> out = new java.util.HashMap<>();
    for (Enum<?>[] kind : kinds) {
      for (Enum<?> e : kind) {
        out.put(e, e.name().toLowerCase(Locale.ROOT));
      }
    }
    return Map.copyOf(out);
  }

  private static String label(Enum<?> e) {
    return LABELS.get(e);
  }

  /** The write master moved from one node to another. */
  public void failover() {
    failovers.inc();
  }

  /** One reload attempt: {@code ok} when the new configuration is in force. */
  public void reload(boolean ok) {
    reloads.labelValues(ok ? "ok" : "failed").inc();
  }

  /** Where open connections, sessions and key-cache counts are read from at each scrape. */
  public void watch(FrontendGauges gauges) {
    this.frontends = gauges;
  }

  /** Where each node's fence reading is read from at each scrape. */
  public void watchFences(Supplier<Map<String, FenceReading>> readings) {
    this.fences = java.util.Objects.requireNonNull(readings);
  }

  /** Traffic per node, for the dashboard. */
  public NodeTraffic traffic() {
    return traffic;
  }

  /** The last minutes per node, for the dashboard's pictures. */
  public TrafficHistory history() {
    return history;
  }

  /** Counts one cluster event (state change, election, reload). */
  public void event(ClusterEvent e) {
    events.labelValues(e.kind()).inc();
  }

  public String contentType() {
    return PrometheusTextFormatWriter.CONTENT_TYPE;
  }

  /** The whole document, as scraped now. */
  public String scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
    try {
      writer.write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
