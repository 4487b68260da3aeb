package org.gerritproxy.core.admin;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.gerritproxy.core.events.EventLog;
import org.gerritproxy.core.health.ClusterView;
import org.gerritproxy.core.health.NodeHealth;
import org.gerritproxy.core.metrics.ProxyMetrics;
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
  }

  private final Process process;
  private final Path configFile;
  private final EventLog events;
  private final ProxyMetrics metrics;

  public AdminPages(Process process, Path configFile, EventLog events, ProxyMetrics metrics) {
    this.process = process;
    this.configFile = configFile;
    this.events = events;
    this.metrics = metrics;
  }

  @Override
  public AdminServer.Response health() {
    var snapshot = process.routingSnapshot();
    var doc = HealthReport.build(process.proxyName(), snapshot, process.cluster().nodes(),
        process.configStatus(), events.recent(), traffic());
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
            process.configStatus(), events.recent(), traffic()));
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
    Map<String, NodeActivity> out = new HashMap<>();
    for (NodeHealth h : process.cluster().nodes()) {
      String name = h.node().name();
      out.put(name, new NodeActivity(sessions.getOrDefault(name, 0), metrics.traffic().of(name)));
    }
    return out;
  }
}
