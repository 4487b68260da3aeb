package org.gerritproxy.core.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import org.gerritproxy.core.events.ClusterEvent;
import org.gerritproxy.core.health.NodeHealth;
import org.gerritproxy.core.probe.FenceReading;
import org.gerritproxy.routing.NodeState;
import org.gerritproxy.routing.Router;
import org.gerritproxy.routing.RoutingSnapshot;

/**
 * The {@code /health} document (docs/operations.md, "Admin endpoints"): the master and its epoch, every
 * node with both channels and the reason for its state, and the configuration in force. It never
 * contains a secret: nodes are shown by name and URL only.
 */
public final class HealthReport {
  private static final ObjectMapper JSON = new ObjectMapper();

  private HealthReport() {}

  /** True while a write master is known and some node serves reads: {@code /health} says 200. */
  public static boolean healthy(RoutingSnapshot snapshot) {
    boolean readable = snapshot.table().nodes().stream()
        .anyMatch(n -> snapshot.health().stateOf(n.name()) == NodeState.UP)
        || Router.panic(snapshot);
    return snapshot.master().isKnown() && readable;
  }

  public static ObjectNode build(String proxy, RoutingSnapshot snapshot, List<NodeHealth> nodes,
      ConfigStatus config, List<ClusterEvent> events) {
    return build(proxy, snapshot, nodes, config, events, Map.of());
  }

  /** @param activity per node name: open sessions and traffic; nodes missing from it show zeros */
  public static ObjectNode build(String proxy, RoutingSnapshot snapshot, List<NodeHealth> nodes,
      ConfigStatus config, List<ClusterEvent> events, Map<String, NodeActivity> activity) {
    return build(proxy, snapshot, nodes, config, events, activity, Map.of());
  }

  /** @param fences per node name: what its fence plugin last said; nodes missing show "unknown" */
  public static ObjectNode build(String proxy, RoutingSnapshot snapshot, List<NodeHealth> nodes,
      ConfigStatus config, List<ClusterEvent> events, Map<String, NodeActivity> activity,
      Map<String, FenceReading> fences) {
    ObjectNode root = JSON.createObjectNode();
    root.put("proxy", proxy);
    root.put("healthy", healthy(snapshot));
    root.put("panicReads", Router.panic(snapshot));
    ObjectNode master = root.putObject("master");
    snapshot.master().node().ifPresentOrElse(n -> master.put("node", n), () -> master.putNull("node"));
    master.put("epoch", snapshot.master().epoch());
    master.put("reason", snapshot.master().reason());
    master.put("mode", snapshot.table().election().mode().name().toLowerCase());
    root.put("storage", snapshot.table().cluster().storage().name().toLowerCase());

    ArrayNode list = root.putArray("nodes");
    for (NodeHealth h : nodes) {
      ObjectNode n = list.addObject();
      n.put("name", h.node().name());
      n.put("state", h.verdict().state().name());
      n.put("readPool", !h.traffic().outOfReadPool());
      n.put("why", h.verdict().why());
      n.put("master", snapshot.master().is(h.node().name()));
      n.put("http", h.node().http().toString());
      n.put("ssh", h.node().ssh().toString());
      n.put("priority", h.node().priority());
      n.put("weight", h.node().weight());
      n.put("adminState", h.node().adminState().name().toLowerCase());
      ObjectNode network = n.putObject("network");
      network.put("state", h.network().reachability().name());
      h.lastSeen().ifPresentOrElse(t -> network.put("lastSeen", t.toString()),
          () -> network.putNull("lastSeen"));
      h.lastProbe().ifPresent(p -> {
        network.put("lastProbe", p.at().toString());
        network.put("latencyMs", p.latency().toNanos() / 1_000_000.0);
        p.error().ifPresentOrElse(e -> network.put("lastError", e), () -> network.putNull("lastError"));
      });
      ObjectNode backdoor = n.putObject("backdoor");
      backdoor.put("state", h.backdoor().heartbeat().name());
      backdoor.put("why", h.backdoor().why());
      h.backdoor().lastChanged().ifPresentOrElse(t -> backdoor.put("lastSeen", t.toString()),
          () -> backdoor.putNull("lastSeen"));
      h.backdoor().last().ifPresent(b -> {
        backdoor.put("sequence", b.sequence());
        backdoor.put("healthy", b.healthy());
      });
      ObjectNode fence = n.putObject("fence");
      FenceReading f = fences.get(h.node().name());
      if (f == null) {
        fence.put("state", FenceReading.State.UNKNOWN.label());
        fence.put("epoch", -1);
        fence.putNull("master");
        fence.put("why", "not asked yet");
        fence.put("repositories", false);
      } else {
        fence.put("state", f.state().label());
        fence.put("epoch", f.epoch());
        f.master().ifPresentOrElse(m -> fence.put("master", m), () -> fence.putNull("master"));
        fence.put("why", f.reason());
        fence.put("repositories", f.repositories());
        fence.put("at", f.at().toString());
      }
      NodeActivity a = activity.getOrDefault(h.node().name(), NodeActivity.NONE);
      ObjectNode traffic = n.putObject("traffic");
      traffic.put("openSessions", a.openSessions());
      traffic.put("requests", a.traffic().requests());
      traffic.put("requestsPerSecond", a.traffic().requestsPerSecond());
      traffic.put("bytesIn", a.traffic().bytesIn());
      traffic.put("bytesOut", a.traffic().bytesOut());
      a.replication().ifPresent(r -> {
        ObjectNode rep = n.putObject("replication");
        rep.put("lagSeconds", r.lagSeconds());
        rep.put("pendingProjects", r.pendingProjects());
        rep.put("lagging", r.lagging());
        rep.put("readsHeldBack", r.readsHeldBack());
      });
    }

    ObjectNode cfg = root.putObject("config");
    cfg.put("file", config.file().toString());
    cfg.put("loadedAt", config.loadedAt().toString());
    config.lastError().ifPresentOrElse(e -> cfg.put("lastError", e), () -> cfg.putNull("lastError"));
    cfg.put("lastReload", config.lastReloadResult());
    config.lastReload().ifPresentOrElse(t -> cfg.put("lastReloadAt", t.toString()),
        () -> cfg.putNull("lastReloadAt"));
    ArrayNode restart = cfg.putArray("restartNeeded");
    config.restartNeeded().forEach(restart::add);

    ArrayNode recent = root.putArray("events");
    for (ClusterEvent e : events) {
      ObjectNode ev = recent.addObject();
      ev.put("at", e.at().toString());
      ev.put("kind", e.kind());
      ev.put("message", e.message());
    }
    return root;
  }

  public static String toJson(ObjectNode node) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot render /health", e);
    }
  }
}
