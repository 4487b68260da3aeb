package org.gerritproxy.core.election;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.gerritproxy.routing.AdminState;
import org.gerritproxy.routing.Endpoint;
import org.gerritproxy.routing.HealthView;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.NodeState;
import org.gerritproxy.routing.RoutingTable;
import org.gerritproxy.routing.WriteMaster;
import org.junit.jupiter.api.Test;

/** In zookeeper mode a node is DOWN only when a majority of the live proxies see it DOWN. */
class MajorityViewTest {
  private static final RoutingTable TABLE = RoutingTable.builder()
      .addNode(new Node("g1", URI.create("http://g1"), new Endpoint("g1", 29418), 100, 1,
          AdminState.ACTIVE))
      .build();

  private static NodeState combined(NodeState... seen) {
    List<HealthView> views = java.util.Arrays.stream(seen)
        .map(s -> new HealthView(Map.of("g1", s))).toList();
    return ZooKeeperElection.combine(TABLE, views).stateOf("g1");
  }

  @Test
  void oneProxyOfThreeSeeingDownIsNotEnough() {
    assertThat(combined(NodeState.DOWN, NodeState.UP, NodeState.UP)).isEqualTo(NodeState.UP);
  }

  @Test
  void twoOfThreeSeeingDownMakeItDown() {
    assertThat(combined(NodeState.DOWN, NodeState.DOWN, NodeState.UP)).isEqualTo(NodeState.DOWN);
  }

  @Test
  void halfIsNoMajorityAndLeavesTheNodeInDoubt() {
    assertThat(combined(NodeState.DOWN, NodeState.UP)).isEqualTo(NodeState.PARTITIONED);
    assertThat(combined(NodeState.DOWN, NodeState.PARTITIONED, NodeState.UP, NodeState.DOWN))
        .isEqualTo(NodeState.PARTITIONED);
  }

  @Test
  void aLoneProxyDecidesAlone() {
    assertThat(combined(NodeState.DOWN)).isEqualTo(NodeState.DOWN);
  }

  @Test
  void theMasterZnodeRoundTrips() {
    WriteMaster m = new WriteMaster(Optional.of("g1"), 7, "g1 has the highest priority");
    assertThat(ZooKeeperElection.decodeMaster(ZooKeeperElection.encodeMaster(m))).isEqualTo(m);
    WriteMaster none = new WriteMaster(Optional.empty(), 8, "nobody is UP");
    assertThat(ZooKeeperElection.decodeMaster(ZooKeeperElection.encodeMaster(none))).isEqualTo(none);
  }

  @Test
  void aViewRoundTrips() {
    HealthView v = new HealthView(Map.of("g1", NodeState.PARTITIONED, "g2", NodeState.UP));
    assertThat(ZooKeeperElection.decode(ZooKeeperElection.encode(v))).isEqualTo(v);
  }
}
