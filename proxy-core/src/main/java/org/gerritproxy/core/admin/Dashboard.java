package org.gerritproxy.core.admin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.gerritproxy.core.events.MasterTimeline;
import org.gerritproxy.core.metrics.TrafficSample;
import org.gerritproxy.routing.Router;
import java.util.Map;
import java.util.Optional;
import org.gerritproxy.core.metrics.PackCacheStats;
import org.gerritproxy.routing.admission.FetchGate;
import org.gerritproxy.routing.admission.FetchLimits;
import org.gerritproxy.routing.admission.TopTalkers;
import org.gerritproxy.core.events.ClusterEvent;
import org.gerritproxy.core.health.NodeHealth;
import org.gerritproxy.core.probe.FenceReading;
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

  /** "fenced at epoch 7", "enforced, epoch 7", "unfenced" or "unknown", the plugin's sentence as its title. */
  private static String fence(FenceReading f) {
    if (f == null) {
      return "<span title=\"not asked yet\">unknown</span>";
    }
    String text = switch (f.state()) {
      case FENCED -> "<b class=\"warn\">fenced</b>" + (f.epoch() >= 0 ? " <small>epoch " + f.epoch() + "</small>" : "");
      case ENFORCED -> "enforced <small>epoch " + f.epoch() + "</small>";
      case UNFENCED -> "unfenced";
      case UNKNOWN -> "unknown";
    };
    // Fenced at the doors only: Gerrit's own background writes still land (docs/fence.md).
    boolean doorsOnly = !f.repositories()
        && (f.state() == FenceReading.State.FENCED || f.state() == FenceReading.State.ENFORCED);
    return "<span title=\"" + esc(f.reason()) + "\">" + text + "</span>"
        + (doorsOnly ? " <small class=\"warn\" title=\"FenceGitModule is not installed: Gerrit's"
            + " own ref updates are not fenced\">doors only</small>" : "");
  }

  public static String render(String proxy, RoutingSnapshot snapshot, List<NodeHealth> nodes,
      ConfigStatus config, List<ClusterEvent> events) {
    return render(proxy, snapshot, nodes, config, events, Map.of());
  }

  public static String render(String proxy, RoutingSnapshot snapshot, List<NodeHealth> nodes,
      ConfigStatus config, List<ClusterEvent> events, Map<String, NodeActivity> activity) {
    return render(proxy, snapshot, nodes, config, events, activity, Map.of(), Optional.empty(),
        Optional.empty(), Optional.empty());
  }

  /**
   * The last minutes, drawn: each node's samples and the master's timeline.
   *
   * @param nowMillis the right edge of every picture
   * @param windowMillis how far back they reach (samples kept times the interval)
   * @param intervalMillis the sampling interval, so a longer gap breaks a line
   */
  public record Views(long nowMillis, long windowMillis, long intervalMillis,
      Map<String, List<TrafficSample>> samples, MasterTimeline.View timeline) {}

  /**
   * @param fences per node name: what its fence plugin last said (docs/fence.md)
   * @param views the last minutes, drawn; empty leaves the pictures out
   * @param fetches the fetch queue and its top talkers; empty leaves them out
   * @param packCache the pack cache's counters; empty (the cache is off) leaves them out
   */
  public static String render(String proxy, RoutingSnapshot snapshot, List<NodeHealth> nodes,
      ConfigStatus config, List<ClusterEvent> events, Map<String, NodeActivity> activity,
      Map<String, FenceReading> fences, Optional<Views> views, Optional<FetchGate.Stats> fetches,
      Optional<PackCacheStats> packCache) {
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
        // The pictures: their viewBox scales them to the column, four across on a laptop.
        // Drawn 360 units wide, about a phone's width, so text keeps its size there and grows
        // by less than half in the laptop's two columns; the timeline has a wide and a narrow
        // drawing, one shown at a time.
        .append(".charts{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:.5rem 1.5rem;max-width:64rem}")
        .append("svg.chart{width:100%;height:auto;display:block}svg.wide{max-width:64rem}svg.narrow{display:none}")
        .append("@media(max-width:700px){.charts{grid-template-columns:minmax(0,1fr)}")
        .append("svg.wide{display:none}svg.narrow{display:block}}")
        .append("svg text{font:11px system-ui,sans-serif;fill:#444}svg text.ct{font-size:12px;font-weight:600;fill:#222}")
        .append("svg text.yl{text-anchor:end}svg .grid{stroke:#e4e4e4}")
        .append("svg .line{fill:none;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}")
        .append("svg .band{fill:#f4f4f4}svg .period{opacity:.85}svg .period.none{fill:#bbb}")
        .append("svg text.pl{fill:#fff;font-weight:600;paint-order:stroke;stroke:rgba(0,0,0,.35);stroke-width:2px}")
        .append("svg .mark line{stroke:#222;stroke-width:1.5}svg .mark.failover{fill:#b00020}")
        .append("svg .mark.drain{fill:#b25e00}svg .mark.reload{fill:#0072B2}")
        .append(".legend{margin:.3rem 0}.legend span{margin-right:1rem;white-space:nowrap;display:inline-block}")
        .append(".legend i{display:inline-block;width:1.4rem;height:0;border-top:3px solid;")
        .append("vertical-align:middle;margin-right:.3rem}")
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
        .append("<th>Backdoor</th><th>Fence</th><th>Latency</th><th>Sessions</th><th>Req/s</th>")
        .append("<th>Requests</th><th>Bytes in / out</th><th>Replication</th><th>Why</th></tr>");
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
          .append(cell("Fence", fence(fences.get(name)), "fence"))
          .append(cell("Latency", n.lastProbe()
              .map(p -> String.format(Locale.ROOT, "%.1f ms", p.latency().toNanos() / 1e6))
              .orElse("-"), "n"))
          .append(cell("Sessions", Integer.toString(a.openSessions()), "n sessions"))
          .append(cell("Req/s", String.format(Locale.ROOT, "%.1f", a.traffic().requestsPerSecond()),
              "n rate"))
          .append(cell("Requests", Long.toString(a.traffic().requests()), "n requests"))
          .append(cell("Bytes in / out", bytes(a.traffic().bytesIn()) + " / "
              + bytes(a.traffic().bytesOut()), "n bytes"))
          .append(cell("Replication", a.replication().map(Dashboard::lag).orElse("-"), "lag"))
          .append(cell("Why", esc(n.verdict().why()), ""))
          .append("</tr>");
    }
    h.append("</table>");
    views.ifPresent(v -> pictures(h, v, nodes));
    fetches.ifPresent(f -> fetches(h, f));
    packCache.ifPresent(c -> packCache(h, c));

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

  /** A node's replication lag: seconds behind, pending projects, reads held back. */
  private static String lag(org.gerritproxy.core.replication.ReplicaLag r) {
    String text = String.format(Locale.ROOT, "%.0f s behind, %d pending", r.lagSeconds(),
        r.pendingProjects());
    String held = r.readsHeldBack() == 0 ? ""
        : " <small title=\"reads sent to the master because this node lacked an update\">"
            + r.readsHeldBack() + " reads held back</small>";
    return r.lagging()
        ? "<span class=\"bad\" title=\"behind more than [cluster] maxReplicationLag: no reads\">"
            + text + ", no reads</span>" + held
        : text + held;
  }

  /**
   * The master's timeline, then one chart per measure with a line per node, colours and dashes
   * given by the node's place in the configuration, so a node keeps its colour across charts.
   */
  private static void pictures(StringBuilder h, Views v, List<NodeHealth> nodes) {
    long from = v.nowMillis() - v.windowMillis();
    // Each sample covers the time since the one before, however late the sampler ran; only a
    // missing value (no request, no p99) or a much later sample breaks a line.
    long gap = v.intervalMillis() * 3;
    Map<String, Integer> colours = new LinkedHashMap<>();
    for (NodeHealth n : nodes) {
      colours.putIfAbsent(n.node().name(), colours.size());
    }
    h.append("<h2 id=\"last\">Last ").append(Charts.ago(v.windowMillis()))
        .append(" <small>(every ").append(Charts.ago(v.intervalMillis()))
        .append(", times UTC)</small></h2>");
    h.append(Charts.timeline("timeline", "wide", 720, v.timeline(), colours, from, v.nowMillis()));
    h.append(Charts.timeline("timeline-narrow", "narrow", 360, v.timeline(), colours, from,
        v.nowMillis()));
    // In words too: the narrow drawing has no room for the stretches' labels.
    h.append("<p class=\"legend\" id=\"epochs\">Masters, newest first: ");
    List<MasterTimeline.Period> periods = v.timeline().periods();
    for (int i = periods.size() - 1, shown = 0; i >= 0 && shown < 5; i--, shown++) {
      MasterTimeline.Period p = periods.get(i);
      h.append("<span><b>").append(esc(p.node().orElse("none"))).append("</b> epoch ")
          .append(p.epoch()).append(" from ").append(Charts.clock(p.from())).append("</span>");
      if (p.from().toEpochMilli() <= from) {
        break; // in force since before the window: older ones are not drawn
      }
    }
    h.append("</p>");
    h.append("<p class=\"legend\">Marks: <span>&#9660; election</span><span>&#9670; drain</span>")
        .append("<span>&#9679; reload</span></p>");
    h.append("<p class=\"legend\" id=\"node-legend\">");
    colours.forEach((name, i) -> {
      String dash = Charts.DASHES[i % Charts.DASHES.length];
      h.append("<span><i style=\"border-top-color:").append(Charts.COLOURS[i % Charts.COLOURS.length])
          .append(dash.isEmpty() ? "" : ";border-top-style:dashed").append("\"></i>")
          .append(esc(name)).append("</span>");
    });
    h.append("</p><div class=\"charts\">");
    record Measure(String id, String title, String unit, double floor,
        java.util.function.ToDoubleFunction<TrafficSample> value) {}
    List<Measure> measures = List.of(
        new Measure("chart-rate", "Requests per second", "/s", 1, TrafficSample::requestsPerSecond),
        new Measure("chart-p99", "p99 latency (ms)", " ms", 10, TrafficSample::p99Millis),
        new Measure("chart-errors", "Errors per second", "/s", 1,
            s -> s.errors() * 1000.0 / s.intervalMillis()),
        new Measure("chart-sessions", "Open SSH sessions", "", 1, TrafficSample::sessions));
    for (Measure m : measures) {
      List<Charts.Series> series = new ArrayList<>();
      colours.forEach((name, i) -> series.add(new Charts.Series(name, i, Charts.points(
          v.samples().getOrDefault(name, List.of()), TrafficSample::endMillis, m.value()))));
      h.append(Charts.lineChart(m.id(), m.title(), m.unit(), series, from, v.nowMillis(), gap,
          m.floor()));
    }
    h.append("</div>");
  }

  /** How many top talkers the dashboard lists; /metrics has all the gate keeps. */
  private static final int TALKERS_SHOWN = 10;

  /** The fetch queue: limits, who runs and waits now, and who fetches most. */
  private static void fetches(StringBuilder h, FetchGate.Stats f) {
    FetchLimits l = f.limits();
    h.append("<h2>Fetches</h2><p id=\"fetches\">Limits: ")
        .append(l.maxPerNode() == 0 ? "none" : l.maxPerNode()).append(" per node")
        .append(l.maxBatchPerNode() == 0 ? "" : " (" + l.maxBatchPerNode() + " of them batch)")
        .append(", ")
        .append(l.maxPerAccount() == 0 ? "none" : l.maxPerAccount()).append(" per account")
        .append(" (queue timeout ").append(esc(l.queueTimeout().toString())).append(")<br>")
        .append("Running: ").append(f.runningInteractive()).append(" interactive, ")
        .append(f.runningBatch()).append(" batch &middot; Waiting: ")
        .append("<b id=\"fetches-waiting\">").append(f.waitingInteractive()).append(" interactive, ")
        .append(f.waitingBatch()).append(" batch</b><br>")
        .append("Since start: ").append(f.admittedAtOnce()).append(" ran at once, ")
        .append(f.admittedAfterWait()).append(" after waiting, <span class=\"")
        .append(f.timedOut() + f.refusedQueueFull() > 0 ? "warn" : "").append("\">")
        .append(f.timedOut()).append(" timed out, ").append(f.refusedQueueFull())
        .append(" refused (queue full)</span></p>");
    talkers(h, "top-accounts", "Account", f.topAccounts());
    talkers(h, "top-user-agents", "User-Agent", f.topUserAgents());
  }

  /** How many pass-through reasons the dashboard names; /metrics has them all. */
  private static final int PASS_REASONS_SHOWN = 3;

  /** The pack cache: what it holds, how it answered since start, and why fetches went past it. */
  private static void packCache(StringBuilder h, PackCacheStats c) {
    h.append("<h2>Pack cache</h2><p id=\"pack-cache\">Holds <span id=\"pack-cache-entries\">")
        .append(c.entries()).append(" entries</span>, ").append(bytes(c.sizeBytes()))
        .append(" of ").append(bytes(c.maxBytes())).append("<br>Since start: ")
        .append("<b id=\"pack-cache-hits\">").append(c.hits()).append(" hits</b>, ")
        .append("<span id=\"pack-cache-misses\">").append(c.misses()).append(" misses</span>, ")
        .append("<span id=\"pack-cache-coalesced\">").append(c.coalesced())
        .append(" coalesced</span>, <span id=\"pack-cache-passed\">").append(c.passed())
        .append(" passed to Gerrit</span>");
    List<String> reasons = c.passedBy().entrySet().stream().filter(e -> e.getValue() > 0)
        .limit(PASS_REASONS_SHOWN).map(e -> esc(e.getKey()) + " " + e.getValue()).toList();
    if (!reasons.isEmpty()) {
      h.append(" (").append(String.join(", ", reasons)).append(")");
    }
    h.append("<br>Served from the cache: <span id=\"pack-cache-served\">")
        .append(bytes(c.bytesServed())).append("</span></p>");
  }

  private static void talkers(StringBuilder h, String id, String what,
      List<TopTalkers.Talker> talkers) {
    h.append("<table id=\"").append(id).append("\"><tr><th>").append(what)
        .append("</th><th>Fetches</th></tr>");
    talkers.stream().limit(TALKERS_SHOWN).forEach(t -> h.append("<tr><td>").append(esc(t.key()))
        .append("</td><td class=\"n\">").append(t.count())
        .append(t.overcount() > 0 ? " <small title=\"may include up to " + t.overcount()
            + " fetches of keys it replaced\">&le;</small>" : "")
        .append("</td></tr>"));
    h.append("</table>");
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
