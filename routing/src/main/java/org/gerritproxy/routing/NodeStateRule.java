package org.gerritproxy.routing;

import java.util.Objects;

/**
 * Combines the operator's wish and the two health channels into a node's {@link NodeState}: the
 * one place where a dead node is told from a network split (docs/design.md, "Health").
 */
public final class NodeStateRule {

  /** A node's state and the sentence that explains it to operators. */
  public record NodeVerdict(NodeState state, String why) {
    public NodeVerdict {
      Objects.requireNonNull(state, "state");
      Objects.requireNonNull(why, "why");
    }
  }

  private NodeStateRule() {}

  /**
   * The rule, in order: configuration first ({@code disabled}, {@code drain}); then a reachable
   * node is UP; an unreachable one is PARTITIONED if its heartbeat is fresh and healthy, UNKNOWN
   * while its heartbeat has not been read yet, and DOWN otherwise; UNKNOWN before the network
   * channel has a verdict.
   */
  public static NodeVerdict decide(AdminState admin, Reachability network, Heartbeat backdoor) {
    Objects.requireNonNull(admin, "admin");
    Objects.requireNonNull(network, "network");
    Objects.requireNonNull(backdoor, "backdoor");
    switch (admin) {
      case DISABLED:
        return new NodeVerdict(NodeState.DISABLED, "disabled in the configuration: takes nothing");
      case DRAIN:
        return new NodeVerdict(
            NodeState.DRAINING, "draining by configuration: takes no new sessions and is not master");
      case ACTIVE:
      default:
        break;
    }
    switch (network) {
      case REACHABLE:
        return new NodeVerdict(NodeState.UP, "network probes answer");
      case UNKNOWN:
        return new NodeVerdict(NodeState.UNKNOWN, "not probed enough yet to say");
      case UNREACHABLE:
      default:
        break;
    }
    switch (backdoor) {
      case FRESH_HEALTHY:
        return new NodeVerdict(
            NodeState.PARTITIONED,
            "network probes fail, but its heartbeat is fresh and healthy:"
                + " alive, unreachable from this proxy");
      case FRESH_UNHEALTHY:
        return new NodeVerdict(
            NodeState.DOWN,
            "network probes fail and its heartbeat agent reports its Gerrit unhealthy");
      case STALE:
        return new NodeVerdict(
            NodeState.DOWN, "network probes fail and its heartbeat is stale: presumed dead");
      case NOT_CONFIGURED:
        return new NodeVerdict(
            NodeState.DOWN,
            "network probes fail and there is no backdoor to tell a split from a death");
      case UNKNOWN:
      default:
        // A heartbeat not read yet may still prove the node alive: calling it DOWN now could
        // replace a master for a split, which is the one thing the backdoor exists to prevent.
        return new NodeVerdict(
            NodeState.UNKNOWN,
            "network probes fail and its heartbeat has not been read yet");
    }
  }
}
