package org.gerritproxy.routing;

import java.util.Comparator;
import java.util.Objects;
import java.util.Optional;

/**
 * The write-master policy as a pure function: given the current master, the table and a health
 * view, the next master. Used as is in local mode, and by the ZooKeeper leader on the majority's
 * health view in ZooKeeper mode.
 *
 * <p>Guarantees: the master changes only when it is DOWN, disabled, draining while another node
 * can take over, gone from the configuration, or (with {@code failback}) outranked by an UP node
 * while it is itself UP. Health in doubt never moves it: a PARTITIONED or UNKNOWN master stays,
 * since a node that one proxy cannot see may still take writes through another, and two masters
 * would race. The epoch
 * grows by exactly one on every change, including to and from no master, and not otherwise.
 */
public final class MasterElection {

  private MasterElection() {}

  /**
   * @return {@code current} itself when nothing changes; otherwise a new master with epoch {@code
   *     current.epoch() + 1} and a reason for operators
   */
  public static WriteMaster next(WriteMaster current, RoutingTable table, HealthView health) {
    Objects.requireNonNull(current, "current");
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(health, "health");
    if (table.election().mode() == ElectionMode.STATIC) {
      return nextStatic(current, table);
    }

    Optional<Node> best = bestEligible(table, health);
    if (current.node().isEmpty()) {
      return best.map(b -> change(current, Optional.of(b.name()), b.name() + highest()))
          .orElse(current);
    }

    String name = current.node().get();
    Optional<Node> node = table.node(name);
    String problem;
    if (node.isEmpty()) {
      problem = name + " is no longer configured";
    } else {
      NodeState state = health.stateOf(name);
      AdminState admin = node.get().adminState();
      if (admin == AdminState.DISABLED || state == NodeState.DISABLED) {
        problem = name + " is DISABLED";
      } else if (state == NodeState.DOWN) {
        problem = name + " is DOWN";
      } else if (admin == AdminState.DRAIN || state == NodeState.DRAINING) {
        if (best.isEmpty()) {
          return current; // Draining, but nobody can take over: a master that drains beats none.
        }
        problem = name + " is DRAINING";
      } else {
        if (table.election().failback()
            && state == NodeState.UP
            && best.isPresent()
            && best.get().priority() > node.get().priority()) {
          Node b = best.get();
          return change(
              current,
              Optional.of(b.name()),
              "failback: "
                  + b.name()
                  + " (priority "
                  + b.priority()
                  + ") outranks "
                  + name
                  + " (priority "
                  + node.get().priority()
                  + ")");
        }
        return current;
      }
    }
    if (best.isPresent()) {
      return change(current, Optional.of(best.get().name()), problem + "; " + best.get().name() + highest());
    }
    return change(
        current,
        Optional.empty(),
        problem + " and no other node is UP and active; writes wait until one is");
  }

  private static WriteMaster nextStatic(WriteMaster current, RoutingTable table) {
    Optional<String> wanted =
        table.election().staticMaster().filter(n -> table.node(n).isPresent());
    if (current.node().equals(wanted)) {
      return current;
    }
    String reason =
        wanted
            .map(n -> "election.mode = static names " + n)
            .orElse("election.mode = static names no configured node");
    return change(current, wanted, reason);
  }

  private static String highest() {
    return " has the highest priority among UP nodes";
  }

  private static WriteMaster change(WriteMaster current, Optional<String> node, String reason) {
    return new WriteMaster(node, current.epoch() + 1, reason);
  }

  /** UP and ACTIVE, highest priority first; ties go to configuration order, then name. */
  static Optional<Node> bestEligible(RoutingTable table, HealthView health) {
    Comparator<Node> order =
        Comparator.comparingInt(Node::priority)
            .reversed()
            .thenComparingInt((Node n) -> table.indexOf(n.name()))
            .thenComparing(Node::name);
    return table.nodes().stream()
        .filter(n -> isEligible(n, health))
        .min(order);
  }

  static boolean isEligible(Node n, HealthView health) {
    return n.adminState() == AdminState.ACTIVE && health.stateOf(n.name()) == NodeState.UP;
  }
}
