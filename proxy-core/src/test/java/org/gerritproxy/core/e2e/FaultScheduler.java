package org.gerritproxy.core.e2e;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.gerritproxy.core.cluster.GerritNode;

/**
 * The single-proxy soak's faults on a seeded schedule: Gerrit nodes killed with {@code kill -9}
 * and started again, the links between the proxy and a node cut and healed (both its HTTP and its
 * SSH relay), and the proxy's configuration rewritten and reloaded (a node's weight toggled, a
 * node drained and undrained). Half the kills aim at the write master of the moment. At least one
 * node is running at all times.
 *
 * <p>Every step draws the same numbers from the generator whatever the state, so one seed replays
 * the same sequence of choices; a choice the state forbids (killing the last running node) is
 * logged as skipped. Timing on a loaded machine still varies between runs.
 */
final class FaultScheduler implements ScheduledFaults {
  private final Random random;
  private final NodeFaults faults;
  private final Map<String, NodeFaults.Link> links;
  private final TwoChannelProxy proxy;
  private final Map<String, String> nodeLines = new TreeMap<>();

  FaultScheduler(long seed, List<GerritNode> nodes, Map<String, NodeFaults.Link> links,
      TwoChannelProxy proxy) {
    this.random = new Random(seed);
    this.faults = new NodeFaults(nodes);
    this.links = Map.copyOf(links);
    this.proxy = proxy;
  }

  @Override
  public void run(Instant until, int maxSteps) throws InterruptedException {
    List<GerritNode> nodes = faults.nodes();
    for (int step = 0; step < maxSteps && Instant.now().isBefore(until); step++) {
      NodeFaults.Step s = NodeFaults.Step.draw(random, nodes);
      Thread.sleep(s.delay());
      if (!Instant.now().isBefore(until)) {
        break;
      }
      GerritNode target = s.target();
      if (s.action() < 30) {
        faults.kill(s.atMaster() ? proxy.process().cluster().snapshot().master().node()
            .flatMap(faults::node).orElse(target) : target, s.hold());
      } else if (s.action() < 55) {
        faults.cut("the proxy's links to " + target.name(), target,
            List.of(links.get(target.name())), true, s.hold());
      } else if (s.action() < 70) {
        toggle(target, "\tweight = 3\n", "weight");
      } else if (s.action() < 85) {
        toggle(target, "\tstate = drain\n", "drain");
      } else {
        faults.note("step " + step + ": quiet");
      }
    }
  }

  /** Adds {@code line} to the node's section, or removes it if there; then reloads. */
  private synchronized void toggle(GerritNode node, String line, String what) {
    String now = nodeLines.getOrDefault(node.name(), "");
    boolean drainElsewhere = what.equals("drain") && nodeLines.entrySet().stream()
        .anyMatch(e -> !e.getKey().equals(node.name()) && e.getValue().contains("drain"));
    if (drainElsewhere) {
      faults.note("drain " + node.name() + ": skipped (another node is drained)");
      return;
    }
    String next = now.contains(line) ? now.replace(line, "") : now + line;
    nodeLines.put(node.name(), next);
    // A fault begins as the reload starts: the proxy may act on it before reload() returns.
    Instant reloading = Instant.now();
    boolean ok = reload();
    if (ok && now.contains(line)) {
      faults.spanLog().end(node.name(), what, Instant.now());
    } else if (ok) {
      faults.spanLog().begin(node.name(), what, reloading);
    }
    faults.count("reload");
    faults.note("reload: " + what + " of " + node.name() + " " + (now.contains(line) ? "off" : "on")
        + (ok ? "" : " (REFUSED)"));
  }

  private boolean reload() {
    try {
      return proxy.reconfigure(Map.copyOf(nodeLines));
    } catch (java.io.IOException e) {
      faults.note("reload: cannot write the configuration: " + e.getMessage());
      return false;
    }
  }

  /**
   * Undoes every fault: heals every link, undrains and resets weights, and starts every node
   * that is down; bounded by {@code within}.
   */
  @Override
  public void restoreAll(Duration within) throws InterruptedException {
    faults.restoreAll(within, () -> {
      synchronized (this) {
        nodeLines.clear();
        reload();
        Instant now = Instant.now();
        for (GerritNode node : faults.nodes()) {
          for (String kind : List.of("drain", "weight")) {
            faults.spanLog().end(node.name(), kind, now);
          }
        }
      }
    });
  }

  @Override
  public NodeFaults faults() {
    return faults;
  }
}
