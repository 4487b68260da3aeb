package org.gerritproxy.core.health;

import java.time.Instant;
import java.util.Optional;
import org.gerritproxy.core.backdoor.BackdoorReading;
import org.gerritproxy.core.probe.ProbeResult;
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
    TrafficHysteresis traffic,
    Optional<ProbeResult> lastProbe,
    Optional<Instant> lastSeen,
    BackdoorReading backdoor,
    NodeStateRule.NodeVerdict verdict) {

  public static NodeHealth unprobed(Node node, BackdoorReading backdoor) {
    ProbeHysteresis network = ProbeHysteresis.initial();
    return new NodeHealth(node, network, TrafficHysteresis.clean(), Optional.empty(),
        Optional.empty(), backdoor, decide(node, network, Optional.empty(), backdoor));
  }

  NodeHealth withNetwork(ProbeHysteresis next, TrafficHysteresis nextTraffic, ProbeResult probe) {
    Optional<Instant> seen = probe.ok() ? Optional.of(probe.at()) : lastSeen;
    return new NodeHealth(node, next, nextTraffic, Optional.of(probe), seen, backdoor,
        decide(node, next, Optional.of(probe), backdoor));
  }

  NodeHealth withTraffic(TrafficHysteresis next) {
    return new NodeHealth(node, network, next, lastProbe, lastSeen, backdoor, verdict);
  }

  NodeHealth withNode(Node changed) {
    return new NodeHealth(changed, network, traffic, lastProbe, lastSeen, backdoor,
        decide(changed, network, lastProbe, backdoor));
  }

  NodeHealth withBackdoor(BackdoorReading reading) {
    return new NodeHealth(node, network, traffic, lastProbe, lastSeen, reading,
        decide(node, network, lastProbe, reading));
  }

  /** Fails its health check but its last probe got an HTTP answer: fit for panic reads. */
  boolean answering() {
    return verdict.state() != org.gerritproxy.routing.NodeState.UP
        && lastProbe.map(ProbeResult::answered).orElse(false);
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
