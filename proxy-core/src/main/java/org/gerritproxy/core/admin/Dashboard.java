package org.gerritproxy.core.admin;

import java.util.List;
import java.util.Locale;
import org.gerritproxy.routing.Router;
import java.util.Map;
import org.gerritproxy.core.events.ClusterEvent;
import org.gerritproxy.core.health.NodeHealth;
import org.gerritproxy.routing.RoutingSnapshot;

/**
 * The health dashboard ({@code GET /}): one self-contained HTML page, no scripts or styles from
 * elsewhere, showing the master, every node with both channels and its traffic, the configuration
 * in force with the last reload's result, and recent events. It reloads itself every few seconds.
 * On a narrow screen each node's row becomes a card of labelled lines, so nothing is cut off.
 */
public final class Dashboard {
  private static final int EVENTS_SHOWN = 30;

  private Dashboard() {}

  public static String render(String proxy, RoutingSnapshot snapshot, List<NodeHealth> nodes,
      ConfigStatus config, List<ClusterEvent> events) {
    return render(proxy, snapshot, nodes, config, events, Map.of());
  }

  public static String render(String proxy, RoutingSnapshot snapshot, List<NodeHealth> nodes,
      ConfigStatus config, List<ClusterEvent> events, Map<String, NodeActivity> activity) {
    StringBuilder h = new StringBuilder(8192);
    h.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .append("<meta http-equiv=\"refresh\" content=\"5\">")
        .append("<title>gerrit-proxy ").append(esc(proxy)).append("</title><style>")
        .append("body{font:14px/1.4 system-ui,sans-serif;margin:1rem;color:#222;max-width:90rem}")
        .append("h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.5rem}")
        .append("table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}")
        .append("th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}")
        .append("td.n{text-align:right;font-variant-numeric:tabular-nums}")
        .append(".UP{color:#0a6e0a}.DOWN{color:#b00020}.PARTITIONED{color:#b25e00}")
        .append(".DRAINING,.DISABLED,.UNKNOWN{color:#666}")
        .append(".bad{color:#b00020}.warn{color:#b25e00}code{white-space:pre-wrap;word-break:break-word}")
        .append("#events{padding-left:1.2rem}#events li{margin:.2rem 0;word-break:break-word}")
        // Phones: each node row becomes a card whose cells carry their column's name.
        .append("@media(max-width:700px){#nodes tr.head{display:none}")
        .append("#nodes tr{display:block;border:1px solid #ddd;border-radius:6px;margin:.5rem 0;padding:.3rem}")
        .append("#nodes td{display:block;border:0;padding:.15rem .3rem;text-align:right}")
        .append("#nodes td::before{content:attr(data-label);float:left;margin-right:1rem;font-weight:600;color:#555}}")
        .append("</style></head><body>");
    h.append("<h1>gerrit-proxy <small>").append(esc(proxy)).append("</small></h1>");
    h.append("<p id=\"master\">Write master: <b>")
        .append(esc(snapshot.master().node().orElse("none")))
        .append("</b> (epoch ").append(snapshot.master().epoch()).append(", ")
        .append(esc(snapshot.table().election().mode().name().toLowerCase(Locale.ROOT)))
        .append(" election) &mdash; ").append(esc(snapshot.master().reason())).append("</p>");
    if (Router.panic(snapshot)) {
      h.append("<p id=\"panic\" class=\"bad\"><b>Panic reads:</b> no node passes its health"
          + " check, so reads go to the nodes that still answer; writes keep the master rules."
          + " Check <code>[health] path</code> and the nodes' logs.</p>");
    }
    h.append("<table id=\"nodes\"><tr class=\"head\"><th>Node</th><th>State</th><th>Network</th>")
        .append("<th>Backdoor</th><th>Latency</th><th>Sessions</th><th>Req/s</th>")
        .append("<th>Requests</th><th>Bytes in / out</th><th>Why</th></tr>");
    for (NodeHealth n : nodes) {
      String name = n.node().name();
      String state = n.verdict().state().name();
      NodeActivity a = activity.getOrDefault(name, NodeActivity.NONE);
      h.append("<tr data-node=\"").append(esc(name)).append("\">")
          .append(cell("Node", esc(name) + (snapshot.master().is(name) ? " &#9733;" : ""), ""))
          .append(cell("State", state + (n.traffic().outOfReadPool()
              ? " <small class=\"warn\" title=\"live traffic failed on it " + n.traffic().failures()
                  + " times in a row; back after good probes\">no new reads</small>" : ""), state))
          .append(cell("Network", n.network().reachability()
              + n.lastSeen().map(t -> " <small>seen " + time(t) + "</small>").orElse(""), ""))
          .append(cell("Backdoor", "<span title=\"" + esc(n.backdoor().why()) + "\">"
              + n.backdoor().heartbeat() + "</span>"
              + n.backdoor().lastChanged().map(t -> " <small>moved " + time(t) + "</small>").orElse(""), ""))
          .append(cell("Latency", n.lastProbe()
              .map(p -> String.format(Locale.ROOT, "%.1f ms", p.latency().toNanos() / 1e6))
              .orElse("-"), "n"))
          .append(cell("Sessions", Integer.toString(a.openSessions()), "n sessions"))
          .append(cell("Req/s", String.format(Locale.ROOT, "%.1f", a.traffic().requestsPerSecond()),
              "n rate"))
          .append(cell("Requests", Long.toString(a.traffic().requests()), "n requests"))
          .append(cell("Bytes in / out", bytes(a.traffic().bytesIn()) + " / "
              + bytes(a.traffic().bytesOut()), "n bytes"))
          .append(cell("Why", esc(n.verdict().why()), ""))
          .append("</tr>");
    }
    h.append("</table>");

    h.append("<h2>Configuration</h2><p id=\"config\">File: <code>")
        .append(esc(config.file().toString())).append("</code>, in force since ")
        .append(time(config.loadedAt())).append("<br>Last reload: <b id=\"last-reload\" class=\"")
        .append(config.lastError().isPresent() ? "bad" : "").append("\">")
        .append(config.lastReloadResult()).append("</b>")
        .append(config.lastReload().map(t -> " at " + time(t)).orElse(""));
    config.lastError().ifPresent(e -> h.append("<br><b class=\"bad\">Last reload failed; the"
        + " previous configuration stays in force:</b> <code>").append(esc(e)).append("</code>"));
    h.append("</p>");
    if (!config.restartNeeded().isEmpty()) {
      h.append("<div id=\"restart-needed\" class=\"warn\"><b>Restart needed:</b><ul>");
      config.restartNeeded().forEach(r -> h.append("<li>").append(esc(r)).append("</li>"));
      h.append("</ul></div>");
    }

    h.append("<h2>Recent events</h2><ul id=\"events\">");
    for (int i = events.size() - 1, shown = 0; i >= 0 && shown < EVENTS_SHOWN; i--, shown++) {
      ClusterEvent e = events.get(i);
      h.append("<li><small>").append(time(e.at())).append("</small> <b>").append(esc(e.kind()))
          .append("</b> ").append(esc(e.message())).append("</li>");
    }
    h.append("</ul><p><a href=\"/health\">/health</a> (JSON) &middot; <a href=\"/metrics\">")
        .append("/metrics</a></p></body></html>");
    return h.toString();
  }

  /** To the second: people read the dashboard; {@code /health} has the exact instants. */
  private static String time(java.time.Instant t) {
    return t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
  }

  private static String cell(String label, String html, String cssClass) {
    return "<td data-label=\"" + label + "\"" + (cssClass.isEmpty() ? "" : " class=\"" + cssClass
        + "\"") + ">" + html + "</td>";
  }

  /** 1234567 as "1.2 MB": operators read magnitudes, /metrics has the exact counts. */
  static String bytes(long n) {
    if (n < 1000) {
      return n + " B";
    }
    String[] units = {"kB", "MB", "GB", "TB", "PB"};
    double v = n;
    int u = -1;
    while (v >= 1000 && u < units.length - 1) {
      v /= 1000;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  static String esc(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
