package org.gerritproxy.core.admin;

import java.util.List;
import org.gerritproxy.core.events.ClusterEvent;
import org.gerritproxy.core.health.NodeHealth;
import org.gerritproxy.routing.RoutingSnapshot;

/**
 * The health dashboard ({@code GET /}): one self-contained HTML page, no scripts or styles from
 * elsewhere, showing the master, every node with both channels, the configuration in force and
 * recent events. It reloads itself every few seconds.
 */
public final class Dashboard {
  private Dashboard() {}

  public static String render(String proxy, RoutingSnapshot snapshot, List<NodeHealth> nodes,
      ConfigStatus config, List<ClusterEvent> events) {
    StringBuilder h = new StringBuilder(4096);
    h.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .append("<meta http-equiv=\"refresh\" content=\"5\">")
        .append("<title>gerrit-proxy ").append(esc(proxy)).append("</title><style>")
        .append("body{font:14px/1.4 system-ui,sans-serif;margin:1rem;color:#222}")
        .append("table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}")
        .append("th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ddd}")
        .append(".UP{color:#0a6e0a}.DOWN{color:#b00020}.PARTITIONED{color:#b25e00}")
        .append(".DRAINING,.DISABLED,.UNKNOWN{color:#666}")
        .append("@media(max-width:600px){.wide{display:none}}")
        .append("</style></head><body>");
    h.append("<h1>gerrit-proxy <small>").append(esc(proxy)).append("</small></h1>");
    h.append("<p id=\"master\">Write master: <b>")
        .append(esc(snapshot.master().node().orElse("none")))
        .append("</b> (epoch ").append(snapshot.master().epoch()).append(", ")
        .append(esc(snapshot.table().election().mode().name().toLowerCase())).append(" election) &mdash; ")
        .append(esc(snapshot.master().reason())).append("</p>");
    h.append("<table id=\"nodes\"><tr><th>Node</th><th>State</th><th>Network</th><th>Backdoor</th>")
        .append("<th class=\"wide\">Latency</th><th class=\"wide\">Why</th></tr>");
    for (NodeHealth n : nodes) {
      String state = n.verdict().state().name();
      h.append("<tr><td>").append(esc(n.node().name()))
          .append(snapshot.master().is(n.node().name()) ? " &#9733;" : "")
          .append("</td><td class=\"").append(state).append("\">").append(state)
          .append("</td><td>").append(n.network().reachability())
          .append(n.lastSeen().map(t -> " <small>seen " + t + "</small>").orElse(""))
          .append("</td><td title=\"").append(esc(n.backdoor().why())).append("\">")
          .append(n.backdoor().heartbeat())
          .append(n.backdoor().lastChanged().map(t -> " <small>moved " + t + "</small>").orElse(""))
          .append("</td><td class=\"wide\">")
          .append(n.lastProbe().map(p -> String.format("%.1f ms", p.latency().toNanos() / 1e6)).orElse("-"))
          .append("</td><td class=\"wide\">").append(esc(n.verdict().why())).append("</td></tr>");
    }
    h.append("</table>");
    h.append("<p id=\"config\">Configuration: ").append(esc(config.file().toString()))
        .append(", loaded ").append(config.loadedAt());
    config.lastError().ifPresent(e -> h.append("<br><b>Last reload failed:</b> <code>")
        .append(esc(e)).append("</code>"));
    h.append("</p><h2>Recent events</h2><ul id=\"events\">");
    for (int i = events.size() - 1; i >= 0; i--) {
      ClusterEvent e = events.get(i);
      h.append("<li>").append(e.at()).append(" <b>").append(esc(e.kind())).append("</b> ")
          .append(esc(e.message())).append("</li>");
    }
    h.append("</ul><p><a href=\"/health\">/health</a> (JSON)</p></body></html>");
    return h.toString();
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
