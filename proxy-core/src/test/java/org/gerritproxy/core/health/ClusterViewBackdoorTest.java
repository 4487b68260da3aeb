package org.gerritproxy.core.health;

import org.gerritproxy.record.MasterRecord;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.gerritproxy.core.backdoor.Backdoor;
import org.gerritproxy.core.backdoor.HeartbeatRecord;
import org.gerritproxy.core.election.WriteMasterElector;
import org.gerritproxy.core.events.EventLog;
import org.gerritproxy.core.probe.NetworkProbe;
import org.gerritproxy.routing.AdminState;
import org.gerritproxy.routing.Endpoint;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.NodeState;
import org.gerritproxy.routing.RoutingTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The cluster view feeds the backdoor into each node's state: a node the network cannot reach is
 * PARTITIONED while its heartbeat moves and says healthy, and DOWN once it stands still, also
 * when the backdoor itself stops answering.
 */
class ClusterViewBackdoorTest {
  private final Clock clock = Clock.systemUTC();
  private final FakeBackdoor backdoor = new FakeBackdoor();
  private ClusterView view;
  private final Thread beater = new Thread(this::beat);
  private volatile boolean beating = true;
  private volatile boolean healthy = true;

  @AfterEach
  void stop() throws Exception {
    beating = false;
    beater.join();
    backdoor.release.countDown();
    if (view != null) {
      view.close();
    }
  }

  private void beat() {
    long sequence = 0;
    while (beating) {
      backdoor.beats.put("gerrit-1", new HeartbeatRecord("gerrit-1", ++sequence, healthy,
          healthy ? "" : "connection refused"));
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void startViewOfAnUnreachableNode() throws Exception {
    int dead;
    try (ServerSocket s = new ServerSocket(0)) {
      dead = s.getLocalPort();
    }
    Node node = new Node("gerrit-1", URI.create("http://127.0.0.1:" + dead),
        new Endpoint("127.0.0.1", dead), 0, 1, AdminState.ACTIVE);
    RoutingTable table = tableOf(node);
    view = new ClusterView(table,
        new ProbeSettings(Duration.ofMillis(100), Duration.ofMillis(300), 1, 1, 3, "/"),
        new NetworkProbe(clock), WriteMasterElector.alone(),
        new EventLog(clock, 100), clock, Optional.of(backdoor), Duration.ofMillis(500));
    view.start();
  }

  private static RoutingTable tableOf(Node node) {
    return RoutingTable.builder().addNode(node).build();
  }

  private NodeState state() {
    return view.snapshot().health().stateOf("gerrit-1");
  }

  private void await(NodeState wanted) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (state() != wanted) {
      assertThat(System.nanoTime()).as("gerrit-1 becomes " + wanted + "; it is " + state() + ": "
          + view.node("gerrit-1").map(h -> h.verdict().why()).orElse("")).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  @Test
  void anUnreachableNodeWithAMovingHealthyHeartbeatIsPartitioned() throws Exception {
    beater.start();
    startViewOfAnUnreachableNode();
    await(NodeState.PARTITIONED);
    Thread.sleep(1000); // twice staleAfter: it stays so while the heartbeat moves
    assertThat(state()).isEqualTo(NodeState.PARTITIONED);
    assertThat(view.node("gerrit-1").orElseThrow().verdict().why())
        .contains("[network: connection refused]").contains("[backdoor: sequence");
  }

  @Test
  void anUnreachableNodeWhoseAgentReportsGerritUnhealthyIsDown() throws Exception {
    beater.start();
    startViewOfAnUnreachableNode();
    await(NodeState.PARTITIONED);
    healthy = false;
    await(NodeState.DOWN);
  }

  @Test
  void aHeartbeatThatStopsMovingTurnsAPartitionedNodeDown() throws Exception {
    beater.start();
    startViewOfAnUnreachableNode();
    await(NodeState.PARTITIONED);
    beating = false;
    await(NodeState.DOWN);
  }

  @Test
  void aBackdoorThatStopsAnsweringAgesTheLastHeartbeatUntilTheNodeIsDown() throws Exception {
    beater.start();
    startViewOfAnUnreachableNode();
    await(NodeState.PARTITIONED);
    backdoor.hang = true;
    await(NodeState.DOWN);
    assertThat(view.node("gerrit-1").orElseThrow().verdict().why())
        .contains("the previous read has not returned yet");
  }

  @Test
  void aNodeThatNeverWroteAHeartbeatIsDownNotUnknown() throws Exception {
    startViewOfAnUnreachableNode();
    await(NodeState.DOWN);
    assertThat(view.node("gerrit-1").orElseThrow().backdoor().why()).contains("no heartbeat");
  }

  /** Heartbeats in memory; {@code hang} makes reads block until the test ends. */
  static final class FakeBackdoor implements Backdoor {
    final Map<String, HeartbeatRecord> beats = new ConcurrentHashMap<>();
    final CountDownLatch release = new CountDownLatch(1);
    volatile boolean hang;

    @Override
    public void write(HeartbeatRecord beat) {
      beats.put(beat.node(), beat);
    }

    @Override
    public Map<String, HeartbeatRecord> readAll() {
      if (hang) {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return Map.copyOf(beats);
    }

    @Override
    public java.util.Optional<org.gerritproxy.record.MasterRecord> readMaster() {
      return java.util.Optional.empty();
    }

    @Override
    public boolean compareAndSetMaster(
        java.util.Optional<org.gerritproxy.record.MasterRecord> expected,
        org.gerritproxy.record.MasterRecord next) {
      return false; // these tests are about heartbeats
    }

    @Override
    public String describe() {
      return "memory";
    }
  }
}
