package org.gerritproxy.routing;

import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Small builders shared by the routing tests. */
final class Fixtures {

  private Fixtures() {}

  static Node node(String name, int priority) {
    return node(name, priority, 1, AdminState.ACTIVE);
  }

  static Node node(String name, int priority, int weight, AdminState admin) {
    return new Node(
        name,
        URI.create("http://" + name + ".example.com:8080"),
        new Endpoint(name + ".example.com", 29418),
        priority,
        weight,
        admin);
  }

  /** gerrit-1 (priority 100), gerrit-2 (50), gerrit-3 (10): all active, weight 1. */
  static List<Node> threeNodes() {
    return List.of(node("gerrit-1", 100), node("gerrit-2", 50), node("gerrit-3", 10));
  }

  static RoutingTable table(List<Node> nodes) {
    return table(nodes, RoutingSettings.defaults(), ElectionSettings.local());
  }

  static RoutingTable table(List<Node> nodes, RoutingSettings routing, ElectionSettings election) {
    RoutingTable.Builder b = RoutingTable.builder().routing(routing).election(election);
    nodes.forEach(b::addNode);
    return b.build();
  }

  static HealthView allIn(List<Node> nodes, NodeState state) {
    Map<String, NodeState> m = new HashMap<>();
    for (Node n : nodes) {
      m.put(n.name(), state);
    }
    return new HealthView(m);
  }

  static WriteMaster master(String name, long epoch) {
    return new WriteMaster(java.util.Optional.of(name), epoch, "test");
  }
}
