package org.gerritproxy.core.e2e;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.gerritproxy.core.cluster.GerritNode;

/**
 * Faults on a seeded schedule: Gerrit nodes killed with {@code kill -9} and started again, the
 * links between the proxy and a node cut and healed (both its HTTP and its SSH relay), and the
 * proxy's configuration rewritten and reloaded (a node's weight toggled, a node drained and
 * undrained). Half the kills aim at the write master of the moment. At least one node is running
 * at all times.
 *
 * <p>Every step draws the same numbers from the generator whatever the state, so one seed replays
 * the same sequence of choices; a choice the state forbids (killing the last running node) is
 * logged as skipped. Timing on a loaded machine still varies between runs.
 */
final class FaultScheduler implements AutoCloseable {
  /** A node's life as the scheduler drives it. */
  private enum Life { RUNNING, KILLED, STARTING }

  /** The relays that carry the proxy's traffic to one node. */
  record Link(TcpRelay http, TcpRelay ssh) {
    void cut() {
      http.cut();
      ssh.cut();
    }

    void heal() {
      http.heal();
      ssh.heal();
    }
  }

  private final long seed;
  private final Random random;
  private final List<GerritNode> nodes;
  private final Map<String, Link> links;
  private final TwoChannelProxy proxy;
  private final ScheduledExecutorService later = Executors.newScheduledThreadPool(3, r -> {
    Thread t = new Thread(r, "chaos-fault");
    t.setDaemon(true);
    return t;
  });
  private final Map<String, Life> life = new HashMap<>();
  private final Map<String, Boolean> cut = new HashMap<>();
  private final Map<String, String> nodeLines = new TreeMap<>();
  private final List<String> journal = new ArrayList<>();
  private final Map<String, Integer> counts = new TreeMap<>();
  private final FaultSpans spans = new FaultSpans();

  FaultScheduler(long seed, List<GerritNode> nodes, Map<String, Link> links, TwoChannelProxy proxy) {
    this.seed = seed;
    this.random = new Random(seed);
    this.nodes = List.copyOf(nodes);
    this.links = Map.copyOf(links);
    this.proxy = proxy;
    nodes.forEach(n -> {
      life.put(n.name(), Life.RUNNING);
      cut.put(n.name(), false);
    });
  }

  /** Runs faults until {@code until}, at most {@code maxSteps} of them. */
  void run(Instant until, int maxSteps) throws InterruptedException {
    for (int step = 0; step < maxSteps && Instant.now().isBefore(until); step++) {
      int pause = 800 + random.nextInt(2200);
      int action = random.nextInt(100);
      GerritNode target = nodes.get(random.nextInt(nodes.size()));
      int hold = 2000 + random.nextInt(4000);
      // Half the kills go to the write master, whichever node it is then: failovers under load.
      boolean atMaster = random.nextBoolean();
      Thread.sleep(pause);
      if (!Instant.now().isBefore(until)) {
        break;
      }
      if (action < 30) {
        kill(atMaster ? proxy.process().cluster().snapshot().master().node()
            .flatMap(this::node).orElse(target) : target, hold);
      } else if (action < 55) {
        cut(target, hold);
      } else if (action < 70) {
        toggle(target, "\tweight = 3\n", "weight");
      } else if (action < 85) {
        toggle(target, "\tstate = drain\n", "drain");
      } else {
        note("step " + step + ": quiet");
      }
    }
  }

  private java.util.Optional<GerritNode> node(String name) {
    return nodes.stream().filter(n -> n.name().equals(name)).findFirst();
  }

  private synchronized void kill(GerritNode node, int downFor) {
    long running = life.values().stream().filter(l -> l == Life.RUNNING).count();
    if (life.get(node.name()) != Life.RUNNING || running < 2) {
      note("kill -9 " + node.name() + ": skipped (" + life.get(node.name()) + ", " + running
          + " running)");
      return;
    }
    life.put(node.name(), Life.KILLED);
    spans.begin(node.name(), "kill", Instant.now());
    node.kill();
    count("kill -9");
    note("kill -9 " + node.name() + "; restart in " + downFor + " ms");
    later.schedule(() -> restart(node), downFor, TimeUnit.MILLISECONDS);
  }

  private void restart(GerritNode node) {
    synchronized (this) {
      if (life.get(node.name()) != Life.KILLED) {
        return;
      }
      life.put(node.name(), Life.STARTING);
    }
    Instant began = Instant.now();
    try {
      node.start();
      count("restart");
      spans.end(node.name(), "kill", Instant.now());
      note("started " + node.name() + " again in "
          + Duration.between(began, Instant.now()).toMillis() + " ms");
      synchronized (this) {
        life.put(node.name(), Life.RUNNING);
      }
    } catch (RuntimeException e) {
      note("start of " + node.name() + " failed: " + e.getMessage().lines().findFirst().orElse(""));
      synchronized (this) {
        life.put(node.name(), Life.KILLED);
      }
    }
  }

  private synchronized void cut(GerritNode node, int holdFor) {
    if (cut.get(node.name())) {
      note("cut " + node.name() + ": skipped (already cut)");
      return;
    }
    cut.put(node.name(), true);
    spans.begin(node.name(), "cut", Instant.now());
    links.get(node.name()).cut();
    count("cut");
    note("cut the proxy's links to " + node.name() + " for " + holdFor + " ms");
    later.schedule(() -> heal(node), holdFor, TimeUnit.MILLISECONDS);
  }

  private synchronized void heal(GerritNode node) {
    if (cut.get(node.name())) {
      links.get(node.name()).heal();
      cut.put(node.name(), false);
      spans.end(node.name(), "cut", Instant.now());
      count("heal");
      note("healed the links to " + node.name());
    }
  }

  /** Adds {@code line} to the node's section, or removes it if there; then reloads. */
  private synchronized void toggle(GerritNode node, String line, String what) {
    String now = nodeLines.getOrDefault(node.name(), "");
    boolean drainElsewhere = what.equals("drain") && nodeLines.entrySet().stream()
        .anyMatch(e -> !e.getKey().equals(node.name()) && e.getValue().contains("drain"));
    if (drainElsewhere) {
      note("drain " + node.name() + ": skipped (another node is drained)");
      return;
    }
    String next = now.contains(line) ? now.replace(line, "") : now + line;
    nodeLines.put(node.name(), next);
    boolean ok = reload();
    if (ok && now.contains(line)) {
      spans.end(node.name(), what, Instant.now());
    } else if (ok) {
      spans.begin(node.name(), what, Instant.now());
    }
    count("reload");
    note("reload: " + what + " of " + node.name() + " " + (now.contains(line) ? "off" : "on")
        + (ok ? "" : " (REFUSED)"));
  }

  private boolean reload() {
    try {
      return proxy.reconfigure(Map.copyOf(nodeLines));
    } catch (java.io.IOException e) {
      note("reload: cannot write the configuration: " + e.getMessage());
      return false;
    }
  }

  /**
   * Undoes every fault: heals every link, undrains and resets weights, and starts every node
   * that is down; bounded by {@code within}.
   */
  void restoreAll(Duration within) throws InterruptedException {
    later.shutdown();
    // A restart under way finishes (GerritNode bounds it); pending heals and restarts are run now.
    later.awaitTermination(within.toMillis(), TimeUnit.MILLISECONDS);
    synchronized (this) {
      links.values().forEach(Link::heal);
      cut.replaceAll((k, v) -> false);
      nodeLines.clear();
      reload();
      Instant now = Instant.now();
      for (GerritNode node : nodes) {
        for (String kind : List.of("cut", "drain", "weight")) {
          spans.end(node.name(), kind, now);
        }
      }
    }
    for (GerritNode node : nodes) {
      if (!node.isRunning()) {
        node.start();
        spans.end(node.name(), "kill", Instant.now());
        count("restart");
        note("started " + node.name() + " again (restore)");
      }
      synchronized (this) {
        life.put(node.name(), Life.RUNNING);
      }
    }
  }

  private void note(String what) {
    String line = Instant.now() + " " + what;
    synchronized (journal) {
      journal.add(line);
    }
    System.out.println("chaos: " + line);
  }

  private void count(String what) {
    synchronized (counts) {
      counts.merge(what, 1, Integer::sum);
    }
  }

  /** When each node was under a fault, for telling failovers with a cause from those without. */
  List<FaultSpans.Span> spans() {
    return spans.all();
  }

  long seed() {
    return seed;
  }

  Map<String, Integer> counts() {
    synchronized (counts) {
      return Map.copyOf(counts);
    }
  }

  List<String> journal() {
    synchronized (journal) {
      return List.copyOf(journal);
    }
  }

  @Override
  public void close() {
    later.shutdownNow();
  }
}
