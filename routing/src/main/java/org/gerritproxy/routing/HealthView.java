package org.gerritproxy.routing;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * An immutable picture of every node's {@link NodeState}, as this proxy sees it right now, with
 * the two facts about reads that the states alone do not carry.
 *
 * @param states each node's state, from probes and the backdoor
 * @param outOfReadPool UP nodes that failed on live traffic {@code health.trafficFall} times in a
 *     row: they take no new reads until probes vouch for them again, but stay UP, so they are
 *     still fit to be (or stay) the write master. Live traffic is evidence, never a verdict.
 * @param answering nodes that fail their health check but still accept connections and answer
 *     HTTP: the candidates for panic reads when no node is UP
 */
public record HealthView(
    Map<String, NodeState> states, Set<String> outOfReadPool, Set<String> answering) {

  public HealthView {
    states = Map.copyOf(Objects.requireNonNull(states, "states"));
    outOfReadPool = Set.copyOf(Objects.requireNonNull(outOfReadPool, "outOfReadPool"));
    answering = Set.copyOf(Objects.requireNonNull(answering, "answering"));
  }

  public HealthView(Map<String, NodeState> states) {
    this(states, Set.of(), Set.of());
  }

  public static HealthView empty() {
    return new HealthView(Map.of());
  }

  /** The node's state; {@link NodeState#UNKNOWN} for a node never probed. */
  public NodeState stateOf(String node) {
    return states.getOrDefault(node, NodeState.UNKNOWN);
  }

  /** True when live traffic took this node out of the read pool (it may still be UP). */
  public boolean outOfReadPool(String node) {
    return outOfReadPool.contains(node);
  }

  /** True when the node fails its health check but still answers HTTP (a panic candidate). */
  public boolean answering(String node) {
    return answering.contains(node);
  }

  public HealthView with(String node, NodeState state) {
    var copy = new HashMap<>(states);
    copy.put(node, state);
    return new HealthView(copy, outOfReadPool, answering);
  }

  public HealthView withOutOfReadPool(Set<String> nodes) {
    return new HealthView(states, nodes, answering);
  }

  public HealthView withAnswering(Set<String> nodes) {
    return new HealthView(states, outOfReadPool, nodes);
  }
}
