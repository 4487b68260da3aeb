package org.gerritproxy.core.health;

import java.time.Instant;
import java.util.Optional;
import org.gerritproxy.routing.Heartbeat;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.NodeStateRule;

/**
 * What this proxy knows of one node: both channels, when it last answered, and the resulting
 * state with the reason for it. Immutable.
 */
public record NodeHealth(
    Node node,
    ProbeHysteresis network,
    Optional<ProbeResult> lastProbe,
    Optional<Instant> lastSeen,
    Heartbeat backdoor,
    NodeStateRule.NodeVerdict verdict) {

  public static NodeHealth unprobed(Node node, Heartbeat backdoor) {
    ProbeHysteresis network = ProbeHysteresis.initial();
    return new NodeHealth(node, network, Optional.empty(), Optional.empty(), backdoor,
        NodeStateRule.decide(node.adminState(), network.reachability(), backdoor));
  }

  NodeHealth withNetwork(ProbeHysteresis next, ProbeResult probe) {
    Optional<Instant> seen = probe.ok() ? Optional.of(probe.at()) : lastSeen;
    return new NodeHealth(node, next, Optional.of(probe), seen, backdoor,
        NodeStateRule.decide(node.adminState(), next.reachability(), backdoor));
  }

  NodeHealth withTrafficFailure(ProbeHysteresis next) {
    return new NodeHealth(node, next, lastProbe, lastSeen, backdoor,
        NodeStateRule.decide(node.adminState(), next.reachability(), backdoor));
  }

  NodeHealth withNode(Node changed) {
    return new NodeHealth(changed, network, lastProbe, lastSeen, backdoor,
        NodeStateRule.decide(changed.adminState(), network.reachability(), backdoor));
  }
}
