package org.gerritproxy.core.e2e;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.gerritproxy.core.cluster.GerritNode;

/**
 * The three-proxy soak's faults on a seeded schedule: Gerrit nodes killed with {@code kill -9}
 * (half of them the master of the ZooKeeper decision) and started again; a node's links cut from
 * one, two or all three proxies; a proxy paused with SIGSTOP for longer than its ZooKeeper
 * session and woken with SIGCONT; a ZooKeeper server killed and restarted.
 *
 * <p>Only a kill, or a cut from a majority of the proxies, is a fault of the node (it may explain
 * a failover off it). A pause, a ZooKeeper server's death and a cut from one proxy are not: the
 * master must stay through them. One proxy at most is paused and one ZooKeeper server at most is
 * down at a time, so that a majority of proxies and a quorum of servers remain. As in
 * {@link FaultScheduler}, every step draws the same numbers whatever the state, so one seed
 * replays the same choices; a choice the state forbids is logged as skipped.
 */
final class ZooKeeperFaultScheduler implements ScheduledFaults {
  private final Random random;
  private final NodeFaults faults;
  /** By proxy, then by node: the relays that carry that proxy's traffic to that node. */
  private final List<Map<String, NodeFaults.Link>> links;
  private final List<ProxyJvm> proxies;
  private final TestingCluster zookeeper;
  private final Supplier<Optional<String>> master;
  private final Duration session;
  private final Set<InstanceSpec> zookeeperDown = new HashSet<>();

  /**
   * @param links per proxy (in the order of {@code proxies}), its link to each node by name
   * @param master the master of the ZooKeeper decision now
   * @param session the proxies' ZooKeeper session timeout: pauses last 1.5 to 2.5 times it
   */
  ZooKeeperFaultScheduler(long seed, List<GerritNode> nodes,
      List<Map<String, NodeFaults.Link>> links, List<ProxyJvm> proxies, TestingCluster zookeeper,
      Supplier<Optional<String>> master, Duration session) {
    this.random = new Random(seed);
    this.faults = new NodeFaults(nodes);
    this.links = List.copyOf(links);
    this.proxies = List.copyOf(proxies);
    this.zookeeper = zookeeper;
    this.master = master;
    this.session = session;
  }

  @Override
  public void run(Instant until, int maxSteps) throws InterruptedException {
    List<GerritNode> nodes = faults.nodes();
    List<InstanceSpec> servers = new ArrayList<>(zookeeper.getInstances());
    for (int step = 0; step < maxSteps && Instant.now().isBefore(until); step++) {
      NodeFaults.Step s = NodeFaults.Step.draw(random, nodes);
      int proxy = random.nextInt(proxies.size());
      int reach = 1 + random.nextInt(proxies.size()); // how many proxies a cut separates
      InstanceSpec server = servers.get(random.nextInt(servers.size()));
      long frozen = session.toMillis() * 3 / 2 + random.nextInt((int) session.toMillis());
      Thread.sleep(s.delay());
      if (!Instant.now().isBefore(until)) {
        break;
      }
      if (s.action() < 25) {
        faults.kill(s.atMaster() ? master.get().flatMap(faults::node).orElse(s.target())
            : s.target(), s.hold());
      } else if (s.action() < 50) {
        cut(s.target(), proxy, reach, s.hold());
      } else if (s.action() < 70) {
        freeze(proxies.get(proxy), frozen);
      } else if (s.action() < 85) {
        killZooKeeper(server, s.hold());
      } else {
        faults.note("step " + step + ": quiet");
      }
    }
  }

  /** Cuts {@code node}'s links from {@code reach} proxies, starting with {@code first}. */
  private void cut(GerritNode node, int first, int reach, int hold) {
    List<NodeFaults.Link> cut = new ArrayList<>();
    List<String> from = new ArrayList<>();
    for (int i = 0; i < reach; i++) {
      int p = (first + i) % proxies.size();
      cut.add(links.get(p).get(node.name()));
      from.add(proxies.get(p).name());
    }
    boolean majority = 2 * reach > proxies.size();
    faults.cut(node.name() + " from " + String.join("+", from), node, cut, majority, hold);
  }

  private synchronized void freeze(ProxyJvm proxy, long millis) {
    if (proxies.stream().anyMatch(ProxyJvm::isStopped)) {
      faults.note("pause " + proxy.name() + ": skipped (a proxy is paused already)");
      return;
    }
    try {
      proxy.stop();
    } catch (Exception e) {
      faults.note("pause " + proxy.name() + " failed: " + e.getMessage());
      return;
    }
    faults.count("pause");
    faults.note("paused " + proxy.name() + " (SIGSTOP) for " + millis + " ms");
    faults.later(() -> wake(proxy), millis);
  }

  private synchronized void wake(ProxyJvm proxy) {
    if (!proxy.isStopped()) {
      return;
    }
    try {
      proxy.resume();
      faults.note("woke " + proxy.name() + " (SIGCONT)");
    } catch (Exception e) {
      faults.note("SIGCONT to " + proxy.name() + " failed: " + e.getMessage());
    }
  }

  private synchronized void killZooKeeper(InstanceSpec server, int downFor) {
    if (!zookeeperDown.isEmpty()) {
      faults.note("kill ZooKeeper server " + server.getServerId() + ": skipped (one is down)");
      return;
    }
    try {
      zookeeper.killServer(server);
    } catch (Exception e) {
      faults.note("kill ZooKeeper server " + server.getServerId() + " failed: " + e);
      return;
    }
    zookeeperDown.add(server);
    faults.count("zookeeper kill");
    faults.note("killed ZooKeeper server " + server.getServerId() + " (port " + server.getPort()
        + "); restart in " + downFor + " ms");
    faults.later(() -> restartZooKeeper(server), downFor);
  }

  private void restartZooKeeper(InstanceSpec server) {
    synchronized (this) {
      if (!zookeeperDown.contains(server)) {
        return;
      }
    }
    try {
      zookeeper.restartServer(server);
      faults.count("zookeeper restart");
      faults.note("restarted ZooKeeper server " + server.getServerId());
    } catch (Exception e) {
      faults.note("restart of ZooKeeper server " + server.getServerId() + " failed: " + e);
    }
    synchronized (this) {
      zookeeperDown.remove(server);
    }
  }

  /**
   * Undoes every fault: wakes a paused proxy, restarts a ZooKeeper server that is down, heals
   * every link and starts every node that is down; bounded by {@code within}.
   */
  @Override
  public void restoreAll(Duration within) throws InterruptedException {
    faults.restoreAll(within, () -> {
      proxies.forEach(this::wake);
      List<InstanceSpec> down;
      synchronized (this) {
        down = List.copyOf(zookeeperDown);
      }
      down.forEach(this::restartZooKeeper);
    });
  }

  @Override
  public NodeFaults faults() {
    return faults;
  }

}
