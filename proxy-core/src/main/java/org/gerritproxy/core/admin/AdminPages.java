package org.gerritproxy.core.admin;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.gerritproxy.core.events.MasterTimeline;
import org.gerritproxy.core.probe.FenceReading;
import org.gerritproxy.core.events.EventLog;
import org.gerritproxy.core.health.ClusterView;
import org.gerritproxy.core.health.NodeHealth;
import org.gerritproxy.core.metrics.ProxyMetrics;
import org.gerritproxy.core.replication.ReplicaLag;
import org.gerritproxy.routing.RoutingSnapshot;

/**
 * What the admin listener serves, read from the running process at each request: {@code /health},
 * {@code /metrics}, the dashboard, and {@code POST /reload}.
 */
public final class AdminPages implements AdminServer.Pages {

  /** The running process, as the pages see it. */
  public interface Process {
    String proxyName();

    /** The snapshot requests are routed by. */
    RoutingSnapshot routingSnapshot();

    ClusterView cluster();

    ConfigStatus configStatus();

    /** Open SSH sessions per node. */
    Map<String, Integer> sshSessionsByNode();

    /** Reloads the configuration; true when the new one is in force. */
    boolean reload();

    /** Replicated storage: how far behind each node is; empty with shared storage. */
    default Map<String, ReplicaLag> replication() {
      return Map.of();
    }
    /** How often the history is sampled now ({@code [admin] historyInterval}). */
    java.time.Duration historyInterval();
    /** The fetch queue and its top talkers; empty when there is none to show. */
    default java.util.Optional<org.gerritproxy.routing.admission.FetchGate.Stats> fetches() {
      return java.util.Optional.empty();
    }
    /** What each node's fence plugin last said it enforces (docs/fence.md). */
    default Map<String, FenceReading> fences() {
      return Map.of();
    }
  }

  private final Process process;
  private final Path configFile;
  private final EventLog events;
  private final ProxyMetrics metrics;
  private final MasterTimeline timeline;

  public AdminPages(Process process, Path configFile, EventLog events, ProxyMetrics metrics,
      MasterTimeline timeline) {
    this.process = process;
    this.timeline = timeline;
    this.configFile = configFile;
    this.events = events;
    this.metrics = metrics;
  }

  @Override
  public AdminServer.Response health() {
    var snapshot = process.routingSnapshot();
    var doc = HealthReport.build(process.proxyName(), snapshot, process.cluster().nodes(),
        process.configStatus(), events.recent(), traffic(), process.fences());
    return new AdminServer.Response(HealthReport.healthy(snapshot) ? 200 : 503,
        "application/json", HealthReport.toJson(doc));
  }

  @Override
  public AdminServer.Response metrics() {
    return new AdminServer.Response(200, metrics.contentType(), metrics.scrape());
  }

  @Override
  public AdminServer.Response dashboard() {
    return new AdminServer.Response(200, "text/html; charset=utf-8",
        Dashboard.render(process.proxyName(), process.routingSnapshot(), process.cluster().nodes(),
            process.configStatus(), events.recent(), traffic(), process.fences(),
            Optional.of(views()), process.fetches(), metrics.packCache()));
  }

  private Dashboard.Views views() {
    long interval = process.historyInterval().toMillis();
    return new Dashboard.Views(System.currentTimeMillis(),
        interval * metrics.history().capacity(), interval, metrics.history().snapshot(),
        timeline.view());
  }

  @Override
  public AdminServer.Response reload() {
    boolean ok = process.reload();
    ConfigStatus status = process.configStatus();
    return ok
        ? new AdminServer.Response(200, "text/plain; charset=utf-8",
            "Reloaded " + configFile + " at " + status.loadedAt() + ".\n")
        : new AdminServer.Response(400, "text/plain; charset=utf-8",
            "The configuration was not reloaded; the previous one stays in force.\n"
                + status.lastError().orElse("") + "\n");
  }

  /** Per node: open SSH sessions and traffic, for /health and the dashboard. */
  private Map<String, NodeActivity> traffic() {
    Map<String, Integer> sessions = process.sshSessionsByNode();
    Map<String, ReplicaLag> replication = process.replication();
    Map<String, NodeActivity> out = new HashMap<>();
    for (NodeHealth h : process.cluster().nodes()) {
      String name = h.node().name();
      out.put(name, new NodeActivity(sessions.getOrDefault(name, 0), metrics.traffic().of(name),
          Optional.ofNullable(replication.get(name))));
    }
    return out;
  }
}
