package org.gerritproxy.routing;

import java.util.ArrayList;
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

  private RoutingTable(List<Node> nodes, RoutingSettings routing, ElectionSettings election) {
    this.nodes = List.copyOf(nodes);
    Map<String, Node> map = new LinkedHashMap<>();
    for (Node n : this.nodes) {
      map.put(n.name(), n);
    }
    this.byName = Collections.unmodifiableMap(map);
    this.routing = routing;
    this.election = election;
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
        && election.equals(t.election);
  }

  @Override
  public int hashCode() {
    return Objects.hash(nodes, routing, election);
  }

  @Override
  public String toString() {
    return "RoutingTable{nodes=" + nodes + ", routing=" + routing + ", election=" + election + "}";
  }

  /**
   * Collects nodes and settings, then validates them all at once in {@link #build()}. Settings
   * not given default to {@link RoutingSettings#defaults()} and {@link ElectionSettings#local()}.
   */
  public static final class Builder {
    private final List<Node> nodes = new ArrayList<>();
    private RoutingSettings routing = RoutingSettings.defaults();
    private ElectionSettings election = ElectionSettings.local();

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

    /**
     * Every problem that {@link #build()} would report, one sentence each, in a stable order;
     * empty when the table is valid. Lets {@code check-config} show them without catching.
     */
    public List<String> problems() {
      List<String> problems = new ArrayList<>();
      if (nodes.isEmpty()) {
        problems.add("No node is configured: add at least one [node \"NAME\"] section.");
      }
      Map<String, Integer> counts = new LinkedHashMap<>();
      for (Node n : nodes) {
        counts.merge(n.name(), 1, Integer::sum);
      }
      counts.forEach(
          (name, count) -> {
            if (count > 1) {
              problems.add(
                  "Node " + name + " is configured " + count + " times: give each node a unique name.");
            }
          });
      for (Node n : nodes) {
        String scheme = n.http().getScheme();
        if (scheme == null
            || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
            || n.http().getHost() == null) {
          problems.add(
              "Node "
                  + n.name()
                  + ": http = "
                  + n.http()
                  + " is not an http:// or https:// URL with a host.");
        }
      }
      if (election.mode() == ElectionMode.STATIC) {
        Optional<String> master = election.staticMaster();
        if (master.isEmpty() || master.get().isBlank()) {
          problems.add(
              "election.mode = static needs election.master to name the node that takes writes.");
        } else {
          Optional<Node> node = nodes.stream().filter(n -> n.name().equals(master.get())).findFirst();
          if (node.isEmpty()) {
            problems.add(
                "election.master = "
                    + master.get()
                    + " names no configured node: use one of "
                    + nodes.stream().map(Node::name).distinct().toList()
                    + ".");
          } else if (node.get().adminState() == AdminState.DISABLED) {
            problems.add(
                "election.master = "
                    + master.get()
                    + " names a disabled node: enable it or name another master.");
          }
        }
      }
      return List.copyOf(problems);
    }

    /**
     * @throws IllegalArgumentException listing every problem, one sentence per line
     */
    public RoutingTable build() {
      List<String> problems = problems();
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException(String.join("\n", problems));
      }
      return new RoutingTable(nodes, routing, election);
    }
  }
}
