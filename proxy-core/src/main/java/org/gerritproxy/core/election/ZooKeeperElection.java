package org.gerritproxy.core.election;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.CreateMode;
import org.gerritproxy.core.events.EventLog;
import org.gerritproxy.routing.HealthView;
import org.gerritproxy.routing.MasterElection;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.NodeState;
import org.gerritproxy.routing.RoutingTable;
import org.gerritproxy.routing.WriteMaster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code election.mode = zookeeper}: several proxies share one decision. Each publishes its view
 * of every node (an ephemeral znode); one leader (Curator's leader latch) applies
 * {@link MasterElection} to the majority's view and writes {@code master + epoch} with
 * compare-and-set; every proxy follows that znode, and one that loses its connection to
 * ZooKeeper stops sending writes within half the session timeout (reads go on): long enough to
 * move to another ZooKeeper server when one dies, short enough to stop before its session ends.
 */
public final class ZooKeeperElection implements WriteMasterElector, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ZooKeeperElection.class);
  static final String VIEWS = "/views";
  static final String MASTER = "/master";
  static final String LEADER = "/leader";

  private final String proxy;
  private final EventLog events;
  private final CuratorFramework client;
  private final CuratorCache views;
  private final CuratorCache master;
  private final LeaderLatch leader;
  private final long graceNanos;
  private volatile boolean connected;
  private volatile long suspendedAt; // System.nanoTime() when the connection dropped
  // Written by the cluster view's thread (the only caller of next); reset on any change of
  // connection, since a new session has lost the ephemeral view.
  private volatile HealthView lastPublished;

  /**
   * @param connect the ZooKeeper connect string ({@code election.zookeeper}), with an optional
   *     chroot ({@code zk1:2181,zk2:2181/gerrit-proxy})
   */
  public ZooKeeperElection(String connect, String proxy, Duration sessionTimeout, EventLog events) {
    this.proxy = proxy;
    this.events = events;
    this.graceNanos = sessionTimeout.toNanos() / 2;
    this.suspendedAt = System.nanoTime() - graceNanos; // no grace before the first connection
    this.client = CuratorFrameworkFactory.builder()
        .connectString(connect)
        .sessionTimeoutMs((int) sessionTimeout.toMillis())
        .connectionTimeoutMs((int) Math.min(sessionTimeout.toMillis(), 5000))
        .retryPolicy(new ExponentialBackoffRetry(100, 5, 1000))
        .namespace("gerrit-proxy")
        // Keep to the configured servers: learning others from ZooKeeper's own configuration
        // would bypass what the operator wrote (a firewall, a relay, a chroot's ensemble).
        .ensembleTracker(false)
        .build();
    client.getConnectionStateListenable().addListener((c, state) -> onConnection(state));
    this.views = CuratorCache.build(client, VIEWS);
    this.master = CuratorCache.build(client, MASTER, CuratorCache.Options.SINGLE_NODE_CACHE);
    this.leader = new LeaderLatch(client, LEADER, proxy);
  }

  /** Connects, waiting up to {@code wait} for the first connection; then keeps retrying. */
  public void start(Duration wait) throws InterruptedException {
    client.start();
    views.start();
    master.start();
    try {
      leader.start();
    } catch (Exception e) {
      throw new IllegalStateException("cannot join the ZooKeeper leader election: " + e.getMessage(), e);
    }
    if (!client.blockUntilConnected((int) wait.toMillis(), TimeUnit.MILLISECONDS)) {
      log.warn("ZooKeeper is not reachable yet; writes are refused until it is");
    }
  }

  private void onConnection(ConnectionState state) {
    boolean now = state.isConnected();
    if (now != connected) {
      events.record("zookeeper", now
          ? "connected to ZooKeeper (" + state + "); following its write master"
          : "lost ZooKeeper (" + state + "); writes through this proxy stop unless it is back"
              + " within " + graceNanos / 1_000_000 + " ms");
    }
    if (!now && connected) {
      suspendedAt = System.nanoTime();
    }
    if (state == ConnectionState.LOST) {
      suspendedAt = System.nanoTime() - graceNanos; // the session is gone: no grace left
    }
    connected = now;
    lastPublished = null;
  }

  /** Connected, or disconnected for less than the grace period (moving to another server). */
  private boolean mayWrite() {
    return connected || System.nanoTime() - suspendedAt < graceNanos;
  }

  /** Whether this proxy is the one that decides. */
  public boolean isLeader() {
    return connected && leader.hasLeadership();
  }

  @Override
  public WriteMaster next(WriteMaster current, RoutingTable table, HealthView health) {
    WriteMaster shared = sharedMaster().orElse(null);
    if (!connected && shared != null && mayWrite()) {
      return shared;
    }
    if (!connected) {
      long epoch = shared != null ? shared.epoch() : current.epoch();
      return new WriteMaster(Optional.empty(), epoch, "this proxy lost its ZooKeeper connection;"
          + " writes through it stop until it is back");
    }
    publish(health);
    if (leader.hasLeadership()) {
      WriteMaster base = shared != null ? shared : WriteMaster.none("no master decided yet");
      WriteMaster proposed = MasterElection.next(base, table, majorityView(table, health));
      if (!proposed.equals(base)) {
        compareAndSet(proposed, shared != null ? masterVersion() : -1);
      }
    }
    return shared != null ? shared
        : new WriteMaster(Optional.empty(), 0, "no write master decided in ZooKeeper yet");
  }

  /**
   * A node is DOWN only when more than half of the live proxies see it DOWN, and UP when more
   * than half see it UP; otherwise it is in doubt (PARTITIONED): neither replaced nor chosen.
   */
  static HealthView combine(RoutingTable table, List<HealthView> live) {
    Map<String, NodeState> states = new LinkedHashMap<>();
    for (Node node : table.nodes()) {
      int down = 0;
      int up = 0;
      for (HealthView v : live) {
        NodeState s = v.stateOf(node.name());
        if (s == NodeState.DOWN) {
          down++;
        } else if (s == NodeState.UP) {
          up++;
        }
      }
      NodeState s = 2 * down > live.size() ? NodeState.DOWN
          : 2 * up > live.size() ? NodeState.UP
          : live.stream().allMatch(v -> v.stateOf(node.name()) == NodeState.UNKNOWN)
              ? NodeState.UNKNOWN : NodeState.PARTITIONED;
      states.put(node.name(), s);
    }
    return new HealthView(states);
  }

  private HealthView majorityView(RoutingTable table, HealthView own) {
    Map<String, HealthView> live = new HashMap<>();
    views.stream()
        .filter(d -> d.getPath().startsWith(VIEWS + "/") && d.getData() != null)
        .forEach(d -> live.put(d.getPath().substring(VIEWS.length() + 1), decode(d.getData())));
    live.put(proxy, own); // our own view is always current, even before its znode is
    return combine(table, new ArrayList<>(live.values()));
  }

  private void publish(HealthView health) {
    if (health.equals(lastPublished)) {
      return;
    }
    lastPublished = health;
    try {
      client.create().orSetData().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL)
          .inBackground((c, e) -> {
            if (e.getResultCode() != 0) {
              lastPublished = null; // try again on the next change or tick
            }
          })
          .forPath(VIEWS + "/" + proxy, encode(health));
    } catch (Exception e) {
      lastPublished = null;
    }
  }

  private void compareAndSet(WriteMaster proposed, int version) {
    byte[] data = encodeMaster(proposed);
    try {
      if (version < 0) {
        client.create().creatingParentsIfNeeded().inBackground((c, e) -> logCas(proposed, e.getResultCode()))
            .forPath(MASTER, data);
      } else {
        client.setData().withVersion(version).inBackground((c, e) -> logCas(proposed, e.getResultCode()))
            .forPath(MASTER, data);
      }
    } catch (Exception e) {
      log.warn("Could not propose {} as write master: {}", proposed.node(), e.getMessage());
    }
  }

  private void logCas(WriteMaster proposed, int resultCode) {
    if (resultCode == 0) {
      events.record("zookeeper", proxy + " (leader) wrote " + proposed.node().orElse("no master")
          + " as write master, epoch " + proposed.epoch() + ": " + proposed.reason());
    } else {
      // Someone else moved first (a former leader): the watch brings their decision.
      log.info("Write-master proposal {} (epoch {}) lost its compare-and-set (code {})",
          proposed.node(), proposed.epoch(), resultCode);
    }
  }

  private Optional<WriteMaster> sharedMaster() {
    return master.get(MASTER).map(ChildData::getData).filter(d -> d != null && d.length > 0)
        .map(ZooKeeperElection::decodeMaster);
  }

  private int masterVersion() {
    return master.get(MASTER).map(d -> d.getStat().getVersion()).orElse(-1);
  }

  static byte[] encode(HealthView view) {
    StringBuilder b = new StringBuilder();
    view.states().forEach((n, s) -> b.append(n).append('=').append(s.name()).append('\n'));
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  static HealthView decode(byte[] data) {
    Map<String, NodeState> states = new HashMap<>();
    for (String line : new String(data, StandardCharsets.UTF_8).split("\n")) {
      int eq = line.lastIndexOf('=');
      if (eq > 0) {
        try {
          states.put(line.substring(0, eq), NodeState.valueOf(line.substring(eq + 1)));
        } catch (IllegalArgumentException ignored) {
          // a state a newer proxy knows: counts as no opinion
        }
      }
    }
    return new HealthView(states);
  }

  static byte[] encodeMaster(WriteMaster m) {
    return ("node=" + m.node().orElse("") + "\nepoch=" + m.epoch() + "\nreason="
        + m.reason().replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8);
  }

  static WriteMaster decodeMaster(byte[] data) {
    String node = "";
    long epoch = 0;
    String reason = "";
    for (String line : new String(data, StandardCharsets.UTF_8).split("\n")) {
      int eq = line.indexOf('=');
      if (eq < 0) {
        continue;
      }
      String v = line.substring(eq + 1);
      switch (line.substring(0, eq)) {
        case "node" -> node = v;
        case "epoch" -> epoch = Long.parseLong(v.trim());
        case "reason" -> reason = v;
        default -> { }
      }
    }
    return new WriteMaster(node.isEmpty() ? Optional.empty() : Optional.of(node), epoch, reason);
  }

  @Override
  public void close() {
    try {
      leader.close();
    } catch (Exception ignored) {
      // closing anyway
    }
    views.close();
    master.close();
    client.close();
  }
}
