package org.gerritproxy.core.health;

import java.time.Instant;
import java.util.Optional;
import org.gerritproxy.core.backdoor.BackdoorReading;
import org.gerritproxy.routing.Heartbeat;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.NodeStateRule;
import org.gerritproxy.routing.Reachability;

/**
 * What this proxy knows of one node: both channels, when it last answered, and the resulting
 * state with the reason for it. Immutable.
 */
public record NodeHealth(
    Node node,
    ProbeHysteresis network,
    Optional<ProbeResult> lastProbe,
    Optional<Instant> lastSeen,
    BackdoorReading backdoor,
    NodeStateRule.NodeVerdict verdict) {

  public static NodeHealth unprobed(Node node, BackdoorReading backdoor) {
    ProbeHysteresis network = ProbeHysteresis.initial();
    return new NodeHealth(node, network, Optional.empty(), Optional.empty(), backdoor,
        decide(node, network, Optional.empty(), backdoor));
  }

  NodeHealth withNetwork(ProbeHysteresis next, ProbeResult probe) {
    Optional<Instant> seen = probe.ok() ? Optional.of(probe.at()) : lastSeen;
    return new NodeHealth(node, next, Optional.of(probe), seen, backdoor,
        decide(node, next, Optional.of(probe), backdoor));
  }

  NodeHealth withTrafficFailure(ProbeHysteresis next) {
    return new NodeHealth(node, next, lastProbe, lastSeen, backdoor,
        decide(node, next, lastProbe, backdoor));
  }

  NodeHealth withNode(Node changed) {
    return new NodeHealth(changed, network, lastProbe, lastSeen, backdoor,
        decide(changed, network, lastProbe, backdoor));
  }

  NodeHealth withBackdoor(BackdoorReading reading) {
    return new NodeHealth(node, network, lastProbe, lastSeen, reading,
        decide(node, network, lastProbe, reading));
  }

  /** The rule's verdict, with the evidence of both channels when the network fails. */
  private static NodeStateRule.NodeVerdict decide(Node node, ProbeHysteresis network,
      Optional<ProbeResult> probe, BackdoorReading backdoor) {
    NodeStateRule.NodeVerdict v =
        NodeStateRule.decide(node.adminState(), network.reachability(), backdoor.heartbeat());
    if (network.reachability() != Reachability.UNREACHABLE) {
      return v;
    }
    StringBuilder why = new StringBuilder(v.why());
    probe.flatMap(ProbeResult::error).ifPresent(e -> why.append(" [network: ").append(e).append(']'));
    if (backdoor.heartbeat() != Heartbeat.NOT_CONFIGURED) {
      why.append(" [backdoor: ").append(backdoor.why()).append(']');
    }
    return new NodeStateRule.NodeVerdict(v.state(), why.toString());
  }
}
