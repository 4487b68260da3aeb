package org.gerritproxy.core.election;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.curator.test.TestingServer;
import org.gerritproxy.core.events.EventLog;
import org.gerritproxy.routing.AdminState;
import org.gerritproxy.routing.ElectionMode;
import org.gerritproxy.routing.ElectionSettings;
import org.gerritproxy.routing.Endpoint;
import org.gerritproxy.routing.HealthView;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.NodeState;
import org.gerritproxy.routing.RoutingTable;
import org.gerritproxy.routing.WriteMaster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * In zookeeper mode onFailover runs on the proxy that wrote the new epoch: against a real
 * ZooKeeper server, exactly one of three proxies wrote each epoch, however the leadership moves.
 */
class ZooKeeperEpochWriterTest {
  private static final RoutingTable TABLE = RoutingTable.builder()
      .addNode(new Node("g1", URI.create("http://g1"), new Endpoint("g1", 29418), 100, 1,
          AdminState.ACTIVE))
      .addNode(new Node("g2", URI.create("http://g2"), new Endpoint("g2", 29418), 90, 1,
          AdminState.ACTIVE))
      .election(new ElectionSettings(ElectionMode.ZOOKEEPER, Optional.empty(), false))
      .build();

  private TestingServer server;
  private final List<ZooKeeperElection> proxies = new ArrayList<>();
  private final List<WriteMaster> current = new ArrayList<>();

  @BeforeEach
  void threeProxies() throws Exception {
    server = new TestingServer(true);
    for (String name : List.of("proxy-a", "proxy-b", "proxy-c")) {
      ZooKeeperElection zk = new ZooKeeperElection(server.getConnectString(), name,
          Duration.ofSeconds(10), new EventLog(Clock.systemUTC(), 100));
      proxies.add(zk);
      zk.start(Duration.ofSeconds(10));
      current.add(WriteMaster.none("not yet"));
    }
  }

  @AfterEach
  void stop() throws Exception {
    proxies.forEach(ZooKeeperElection::close);
    server.close();
  }

  /** Every proxy sees {@code health}, as its cluster view would, until all follow {@code want}. */
  private WriteMaster electUntil(HealthView health, Optional<String> want) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      for (int i = 0; i < proxies.size(); i++) {
        current.set(i, proxies.get(i).next(current.get(i), TABLE, health));
      }
      WriteMaster first = current.get(0);
      if (first.node().equals(want) && current.stream().allMatch(first::equals)) {
        return first;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the proxies did not agree on " + want + ": " + current);
  }

  private List<Integer> writersOf(long epoch) {
    List<Integer> writers = new ArrayList<>();
    for (int i = 0; i < proxies.size(); i++) {
      if (proxies.get(i).wrote(epoch, Duration.ofSeconds(5))) {
        writers.add(i);
      }
    }
    return writers;
  }

  @Test
  void exactlyOneProxyWroteEachEpochThroughAFailoverByWayOfNoMaster() throws Exception {
    Map<Long, WriteMaster> epochs = new TreeMap<>();
    WriteMaster first = electUntil(new HealthView(Map.of("g1", NodeState.UP, "g2",
        NodeState.UP)), Optional.of("g1"));
    epochs.put(first.epoch(), first);
    WriteMaster none = electUntil(new HealthView(Map.of("g1", NodeState.DOWN, "g2",
        NodeState.DOWN)), Optional.empty());
    epochs.put(none.epoch(), none);
    assertThat(writersOf(first.epoch())).as("one proxy wrote the first epoch").hasSize(1);
    assertThat(writersOf(none.epoch())).as("one proxy wrote the epoch of no master").hasSize(1);
    // The leader goes: another proxy decides the next epoch.
    int leader = -1;
    for (int i = 0; i < proxies.size(); i++) {
      if (proxies.get(i).isLeader()) {
        leader = i;
      }
    }
    assertThat(leader).as("one proxy leads").isNotNegative();
    ZooKeeperElection gone = proxies.remove(leader);
    current.remove(leader);
    gone.close();
    WriteMaster second = electUntil(new HealthView(Map.of("g1", NodeState.DOWN, "g2",
        NodeState.UP)), Optional.of("g2"));
    epochs.put(second.epoch(), second);

    assertThat(epochs.keySet()).as("one epoch per decision, each one more")
        .containsExactly(first.epoch(), first.epoch() + 1, first.epoch() + 2);
    assertThat(writersOf(second.epoch())).as("one of the proxies left wrote g2's epoch").hasSize(1);
    assertThat(writersOf(second.epoch() + 1)).as("nobody wrote an epoch not decided").isEmpty();
  }
}
