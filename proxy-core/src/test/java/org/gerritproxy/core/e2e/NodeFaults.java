package org.gerritproxy.core.e2e;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.gerritproxy.core.cluster.GerritNode;

/**
 * The faults both chaos soaks inflict on Gerrit nodes and on links, with what they share: the
 * journal, the counts, and the {@link FaultSpans} that explain failovers. A node is killed with
 * {@code kill -9} and started again later, never the last running one; a link (a set of relays)
 * is cut and healed later. A seeded scheduler decides what and when; this class only keeps the
 * state, so that a choice the state forbids is logged as skipped.
 */
final class NodeFaults implements AutoCloseable {
  /** A node's life as the scheduler drives it. */
  private enum Life { RUNNING, KILLED, STARTING }

  /** The relays that carry one proxy's traffic to one node. */
  record Link(TcpRelay http, TcpRelay ssh) {
    void cut() {
      http.cut();
      ssh.cut();
    }

    void heal() {
      http.heal();
      ssh.heal();
    }

    /** A relay per node for HTTP and SSH, added to {@code opened} so that they are closed. */
    static Map<String, Link> toEach(List<GerritNode> nodes, List<TcpRelay> opened)
        throws java.io.IOException {
      Map<String, Link> links = new LinkedHashMap<>();
      for (GerritNode node : nodes) {
        TcpRelay http = new TcpRelay(new InetSocketAddress("127.0.0.1", node.httpPort()));
        opened.add(http);
        TcpRelay ssh = new TcpRelay(new InetSocketAddress("127.0.0.1", node.sshPort()));
        opened.add(ssh);
        links.put(node.name(), new Link(http, ssh));
      }
      return links;
    }

    /** The proxy's configuration values that send its traffic through {@code links}. */
    static Map<String, URI> httpVia(Map<String, Link> links) {
      Map<String, URI> via = new LinkedHashMap<>();
      links.forEach((node, l) -> via.put(node, URI.create("http://127.0.0.1:" + l.http().port()
          + "/")));
      return via;
    }

    static Map<String, Integer> sshVia(Map<String, Link> links) {
      Map<String, Integer> via = new LinkedHashMap<>();
      links.forEach((node, l) -> via.put(node, l.ssh().port()));
      return via;
    }
  }

  /**
   * The numbers every step of a schedule draws first, in this order, whatever the state: the
   * wait before it, which action, the target node, how long the fault holds, and whether a kill
   * aims at the master of the moment (half of them: failovers under load).
   */
  record Step(int delay, int action, GerritNode target, int hold, boolean atMaster) {
    static Step draw(java.util.Random random, List<GerritNode> nodes) {
      int delay = 800 + random.nextInt(2200);
      int action = random.nextInt(100);
      GerritNode target = nodes.get(random.nextInt(nodes.size()));
      int hold = 2000 + random.nextInt(4000);
      return new Step(delay, action, target, hold, random.nextBoolean());
    }
  }

  /** Links cut together under one name; {@code node} set when the cut counts as its fault. */
  private record Cut(List<Link> links, String node) {}

  private final List<GerritNode> nodes;
  private final ScheduledExecutorService later = Executors.newScheduledThreadPool(3, r -> {
    Thread t = new Thread(r, "chaos-fault");
    t.setDaemon(true);
    return t;
  });
  private final Map<String, Life> life = new HashMap<>();
  private final Map<String, Cut> cuts = new LinkedHashMap<>();
  private final List<String> journal = new ArrayList<>();
  private final Map<String, Integer> counts = new TreeMap<>();
  private final FaultSpans spans = new FaultSpans();

  NodeFaults(List<GerritNode> nodes) {
    this.nodes = List.copyOf(nodes);
    nodes.forEach(n -> life.put(n.name(), Life.RUNNING));
  }

  List<GerritNode> nodes() {
    return nodes;
  }

  Optional<GerritNode> node(String name) {
    return nodes.stream().filter(n -> n.name().equals(name)).findFirst();
  }

  /** Kills {@code node} with {@code kill -9} and starts it again {@code downFor} ms later. */
  synchronized void kill(GerritNode node, int downFor) {
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
    later(() -> restart(node), downFor);
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

  /**
   * Cuts {@code links} (named {@code name}) for {@code holdFor} ms. With {@code nodeFault} the
   * cut is a fault of {@code node} (it explains a failover off it); otherwise it is only noted.
   */
  synchronized void cut(String name, GerritNode node, List<Link> links, boolean nodeFault,
      int holdFor) {
    if (cuts.containsKey(name)) {
      note("cut " + name + ": skipped (already cut)");
      return;
    }
    cuts.put(name, new Cut(List.copyOf(links), nodeFault ? node.name() : null));
    if (nodeFault) {
      spans.begin(node.name(), "cut", Instant.now());
    }
    links.forEach(Link::cut);
    count("cut");
    note("cut " + name + " for " + holdFor + " ms");
    later(() -> heal(name), holdFor);
  }

  private synchronized void heal(String name) {
    Cut c = cuts.remove(name);
    if (c != null) {
      c.links().forEach(Link::heal);
      if (c.node() != null) {
        spans.end(c.node(), "cut", Instant.now());
      }
      count("heal");
      note("healed " + name);
    }
  }

  /** Runs {@code action} in {@code millis} ms, on the scheduler's own threads. */
  void later(Runnable action, long millis) {
    later.schedule(action, millis, TimeUnit.MILLISECONDS);
  }

  /**
   * Ends every fault: lets a restart under way finish and runs the pending heals and restarts
   * (bounded by {@code within}), heals every link still cut, then starts every node still down.
   * {@code alsoNow} runs between the two, while the nodes are still starting.
   */
  void restoreAll(Duration within, Runnable alsoNow) throws InterruptedException {
    later.shutdown();
    later.awaitTermination(within.toMillis(), TimeUnit.MILLISECONDS);
    synchronized (this) {
      for (String name : new ArrayList<>(cuts.keySet())) {
        heal(name);
      }
    }
    alsoNow.run();
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

  FaultSpans spanLog() {
    return spans;
  }

  void note(String what) {
    String line = Instant.now() + " " + what;
    synchronized (journal) {
      journal.add(line);
    }
    System.out.println("chaos: " + line);
  }

  void count(String what) {
    synchronized (counts) {
      counts.merge(what, 1, Integer::sum);
    }
  }

  /** When each node was under a fault, for telling failovers with a cause from those without. */
  List<FaultSpans.Span> spans() {
    return spans.all();
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
