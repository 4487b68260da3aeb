package org.gerritproxy.routing;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The configuration-derived part of every routing decision: the nodes in configuration order and
 * the {@code [routing]} and {@code [election]} settings. Built and validated once per load, then
 * swapped whole, so nothing ever reads half of a reload.
 */
public final class RoutingTable {

  private final List<Node> nodes;
  private final Map<String, Node> byName;
  private final RoutingSettings routing;
  private final ElectionSettings election;
  private final ClusterSettings cluster;

  private RoutingTable(List<Node> nodes, RoutingSettings routing, ElectionSettings election,
      ClusterSettings cluster) {
    this.nodes = List.copyOf(nodes);
    Map<String, Node> map = new LinkedHashMap<>();
    for (Node n : this.nodes) {
      map.put(n.name(), n);
    }
    this.byName = Collections.unmodifiableMap(map);
    this.routing = routing;
    this.election = election;
    this.cluster = cluster;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Every node, in configuration order (which breaks ties between equal priorities). */
  public List<Node> nodes() {
    return nodes;
  }

  public Optional<Node> node(String name) {
    return Optional.ofNullable(name == null ? null : byName.get(name));
  }

  public RoutingSettings routing() {
    return routing;
  }

  public ElectionSettings election() {
    return election;
  }

  public ClusterSettings cluster() {
    return cluster;
  }

  /** The position of the named node in configuration order, or -1. */
  int indexOf(String name) {
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i).name().equals(name)) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RoutingTable t
        && nodes.equals(t.nodes)
        && routing.equals(t.routing)
        && election.equals(t.election)
        && cluster.equals(t.cluster);
  }

  @Override
  public int hashCode() {
    return Objects.hash(nodes, routing, election, cluster);
  }

  @Override
  public String toString() {
    return "RoutingTable{nodes=" + nodes + ", routing=" + routing + ", election=" + election
        + ", cluster=" + cluster + "}";
  }

  /** The problem of a table without nodes. */
  public static final String NO_NODE =
      "no node is configured: add a [node \"NAME\"] section with http and ssh for each Gerrit"
          + " server of the cluster.";

  /** The problem of static election without a master; {@code declared} are the node names. */
  public static String missingStaticMaster(Collection<String> declared) {
    return "[election] mode = static needs master = NODE, the node that takes all writes ("
        + (declared.isEmpty() ? "a [node \"NAME\"]" : "one of " + String.join(", ", declared))
        + ").";
  }

  /**
   * What is wrong with {@code master} as the static master, if anything: it must name a declared
   * node, and that node must not be disabled (a draining master is fine: it still takes writes).
   *
   * @param declared every node name, even of nodes whose settings are wrong (then only those
   *     settings are reported)
   * @param nodes the valid nodes
   */
  public static Optional<String> staticMasterProblem(
      String master, Collection<String> declared, List<Node> nodes) {
    if (!declared.contains(master)) {
      return Optional.of(
          "[election] master = "
              + master
              + " names no node"
              + Typos.closest(master, declared)
                  .map(n -> "; did you mean " + n + "?")
                  .orElse(
                      declared.isEmpty()
                          ? "."
                          : ": write one of " + String.join(", ", declared) + "."));
    }
    Optional<Node> node = nodes.stream().filter(n -> n.name().equals(master)).findFirst();
    if (node.isPresent() && node.get().adminState() == AdminState.DISABLED) {
      return Optional.of(
          "[election] master = "
              + master
              + " names a disabled node: set its state to active,"
              + " or name another master.");
    }
    return Optional.empty();
  }

  /**
   * Collects nodes and settings, then validates them all at once in {@link #build()}. Settings
   * not given default to {@link RoutingSettings#defaults()} and {@link ElectionSettings#local()}.
   */
  public static final class Builder {
    private final List<Node> nodes = new ArrayList<>();
    private RoutingSettings routing = RoutingSettings.defaults();
    private ElectionSettings election = ElectionSettings.local();
    private ClusterSettings cluster = ClusterSettings.defaults();

    private Builder() {}

    public Builder addNode(Node node) {
      nodes.add(Objects.requireNonNull(node, "node"));
      return this;
    }

    public Builder routing(RoutingSettings settings) {
      this.routing = Objects.requireNonNull(settings, "routing");
      return this;
    }

    public Builder election(ElectionSettings settings) {
      this.election = Objects.requireNonNull(settings, "election");
      return this;
    }

    public Builder cluster(ClusterSettings settings) {
      this.cluster = Objects.requireNonNull(settings, "cluster");
      return this;
    }

    /**
     * Every problem that {@link #build()} would report, one sentence each, in a stable order;
     * empty when the table is valid. Lets {@code check-config} show them without catching.
     */
    public List<String> problems() {
      List<String> problems = new ArrayList<>();
      if (nodes.isEmpty()) {
        problems.add(NO_NODE);
      }
      Map<String, Integer> firstIndex = new LinkedHashMap<>();
      for (int i = 0; i < nodes.size(); i++) {
        Node n = nodes.get(i);
        Integer first = firstIndex.putIfAbsent(n.name(), i);
        if (first != null) {
          if (first >= 0) {
            problems.add(Node.redeclared(n.name(), "as node " + (first + 1)));
            firstIndex.put(n.name(), -1); // reported once per name, as check-config does
          }
          continue;
        }
        Node.nameProblem(n.name()).ifPresent(problems::add);
        settingProblem(n.name(), "http", () -> Node.parseHttp(n.http().toString()))
            .ifPresent(problems::add);
        settingProblem(n.name(), "ssh", () -> Node.parseSsh(n.ssh().toString()))
            .ifPresent(problems::add);
      }
      if (election.mode() == ElectionMode.STATIC) {
        List<String> names = List.copyOf(firstIndex.keySet());
        Optional<String> master = election.staticMaster().filter(m -> !m.isBlank());
        if (master.isEmpty()) {
          problems.add(missingStaticMaster(names));
        } else {
          staticMasterProblem(master.get(), names, nodes).ifPresent(problems::add);
        }
      }
      return List.copyOf(problems);
    }

    /** A node's setting read back as the configuration reader reads it, and its problem. */
    private static Optional<String> settingProblem(String node, String key, Runnable read) {
      try {
        read.run();
        return Optional.empty();
      } catch (IllegalArgumentException e) {
        return Optional.of(Node.header(node) + " " + key + ": " + e.getMessage());
      }
    }

    /**
     * @throws IllegalArgumentException listing every problem, one sentence per line
     */
    public RoutingTable build() {
      List<String> problems = problems();
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException(String.join("\n", problems));
      }
      return new RoutingTable(nodes, routing, election, cluster);
    }
  }
}
