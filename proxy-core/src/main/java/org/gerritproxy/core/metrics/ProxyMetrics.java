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
import org.gerritproxy.routing.NodeState;
import org.gerritproxy.routing.Router;
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
  private final NodeTraffic traffic = new NodeTraffic(System::currentTimeMillis);
  private volatile FrontendGauges frontends;

  /** @param cluster read at each scrape for node states, probe latency and the master */
  public ProxyMetrics(Supplier<ClusterView> cluster) {
    reloads.labelValues("ok");
    reloads.labelValues("failed");
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

  /** Counts one finished HTTP exchange or SSH command. */
  public void request(AccessRecord<?> r) {
    String frontend = label(r.frontend());
    String node = r.node().orElse("-");
    String cls = r.requestClass().map(ProxyMetrics::label).orElse("-");
    requests.labelValues(frontend, cls, node, label(r.outcome())).inc();
    bytes.labelValues(frontend, "in", node).inc(r.bytesIn());
    bytes.labelValues(frontend, "out", node).inc(r.bytesOut());
    latency.labelValues(frontend, cls, node).observe(r.duration().toNanos() / 1e9);
    r.node().ifPresent(n -> traffic.record(n, r.bytesIn(), r.bytesOut()));
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

  /** Traffic per node, for the dashboard. */
  public NodeTraffic traffic() {
    return traffic;
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
