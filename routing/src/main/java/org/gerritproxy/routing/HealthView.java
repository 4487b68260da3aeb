package org.gerritproxy.routing;

import java.util.Map;
import java.util.Objects;

/** An immutable picture of every node's {@link NodeState}, as this proxy sees it right now. */
public record HealthView(Map<String, NodeState> states) {

  public HealthView {
    states = Map.copyOf(Objects.requireNonNull(states, "states"));
  }

  public static HealthView empty() {
    return new HealthView(Map.of());
  }

  /** The node's state; {@link NodeState#UNKNOWN} for a node never probed. */
  public NodeState stateOf(String node) {
    return states.getOrDefault(node, NodeState.UNKNOWN);
  }

  public HealthView with(String node, NodeState state) {
    var copy = new java.util.HashMap<>(states);
    copy.put(node, state);
    return new HealthView(copy);
  }
}
