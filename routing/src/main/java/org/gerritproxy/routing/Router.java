package org.gerritproxy.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.gerritproxy.routing.replication.ReplicaFreshness;

/**
 * Decides where one classified request goes, as a pure function of the classification, the
 * session key and one {@link RoutingSnapshot}: to the write master, to the session's sticky node
 * (with fallbacks), or nowhere, with a sentence saying why.
 */
public final class Router {

  private Router() {}

  /**
   * @param c the request's classification
   * @param sessionKey from {@link SessionKey}; null counts as the empty key
   * @param readFromMaster true while read-your-writes is active for this session: its reads go to
   *     the master when the master can serve them, else to the sticky node as usual
   * @param s the snapshot to decide on
   */
  public static RouteDecision decide(
      Classification c, String sessionKey, boolean readFromMaster, RoutingSnapshot s) {
    return decide(c, sessionKey, readFromMaster, s, ReplicaFreshness.NONE);
  }

  /**
   * The same, in a cluster of replicated storage: a node that lags more than {@code
   * maxReplicationLag} takes no reads, and a read of a project goes to a node only once that node
   * has the project's latest update known; until then it goes to the master, which has it.
   *
   * @param f what is known of the replicas for this request; ignored with shared storage
   */
  public static RouteDecision decide(Classification c, String sessionKey, boolean readFromMaster,
      RoutingSnapshot s, ReplicaFreshness f) {
    Objects.requireNonNull(c, "c");
    Objects.requireNonNull(f, "f");
    if (!s.table().cluster().replicated()) {
      f = ReplicaFreshness.NONE;
    }
    Objects.requireNonNull(s, "s");
    String key = sessionKey == null ? "" : sessionKey;
    if (c.requestClass() == RequestClass.REFUSED) {
      return new RouteDecision.Refuse(RouteDecision.Refusal.FORBIDDEN, c.refusal().orElseThrow());
    }
    boolean needsMaster =
        c.masterOnly()
            || c.requestClass() == RequestClass.SUBMIT
            || (c.requestClass() == RequestClass.WRITE
                && s.table().routing().writes() == WritesMode.MASTER);
    if (needsMaster) {
      return toMaster(s, "");
    }
    if (c.requestClass() == RequestClass.READ && readFromMaster) {
      RouteDecision d = toMaster(s, "read-your-writes: ");
      if (d instanceof RouteDecision.Forward) {
        return d;
      }
      // The write may not be visible elsewhere yet, but a possibly stale read beats a refusal.
    }
    RouteDecision d = sticky(key, s, c.requestClass() == RequestClass.READ, f.lagging());
    if (c.requestClass() == RequestClass.READ && !f.behind().isEmpty()
        && d instanceof RouteDecision.Forward read) {
      return upToDate(read, s, f);
    }
    return d;
  }

  /**
   * A read of a project with an update pending: the sticky node serves it if it has the update
   * (or is the master); else the master does, and the decision names the node held back. The
   * fallbacks keep only nodes that have it.
   */
  private static RouteDecision upToDate(RouteDecision.Forward read, RoutingSnapshot s,
      ReplicaFreshness f) {
    String master = s.master().node().orElse("");
    List<Node> fallbacks = new ArrayList<>();
    for (Node n : read.fallbacks()) {
      if (n.name().equals(master) || !f.isBehind(n.name())) {
        fallbacks.add(n);
      }
    }
    String chosen = read.node().name();
    if (chosen.equals(master) || !f.isBehind(chosen)) {
      return new RouteDecision.Forward(read.node(), fallbacks, read.why());
    }
    RouteDecision toMaster = toMaster(s, "replication: " + chosen
        + " lacks the project's latest update; ");
    if (toMaster instanceof RouteDecision.Forward m) {
      return new RouteDecision.Forward(m.node(), m.fallbacks(), m.why(), Optional.of(chosen));
    }
    // The master cannot serve it: a possibly stale read beats a refusal, as for read-your-writes.
    return new RouteDecision.Forward(read.node(), read.fallbacks(),
        read.why() + ", possibly stale: the master is unreachable");
  }

  private static RouteDecision toMaster(RoutingSnapshot s, String whyPrefix) {
    WriteMaster master = s.master();
    if (master.node().isEmpty()) {
      return noMaster(master.reason().isBlank() ? "" : " (" + master.reason() + ")");
    }
    String name = master.node().get();
    Optional<Node> node = s.table().node(name);
    if (node.isEmpty()) {
      return noMaster(": " + name + " is no longer configured");
    }
    NodeState state =
        node.get().adminState() == AdminState.DISABLED ? NodeState.DISABLED : s.health().stateOf(name);
    switch (state) {
      case PARTITIONED:
        return new RouteDecision.Refuse(
            RouteDecision.Refusal.MASTER_UNREACHABLE,
            "The write master "
                + name
                + " is alive but this proxy cannot reach it (a network split);"
                + " writes through this proxy resume when the partition heals. Retry later.");
      case DOWN:
        // Locally DOWN while the decision still names it: in zookeeper mode the other proxies
        // may still reach it, so it is not necessarily replaced; say what this proxy sees.
        return new RouteDecision.Refuse(
            RouteDecision.Refusal.NO_MASTER,
            "There is no write master this proxy can reach right now: the master "
                + name
                + " does not answer this proxy (down, or cut off from it). Writes are refused"
                + " until it answers again or another master is elected; retry in a little while.");
      case DISABLED:
        return noMaster(": the master " + name + " is disabled");
      case UP:
      case UNKNOWN:
      case DRAINING:
      default:
        return new RouteDecision.Forward(
            node.get(), List.of(), whyPrefix + "write master " + name + " (epoch " + master.epoch() + ")");
    }
  }

  private static RouteDecision noMaster(String detail) {
    return new RouteDecision.Refuse(
        RouteDecision.Refusal.NO_MASTER,
        "There is no write master right now"
            + detail
            + ". Writes are refused until one is elected; retry in a little while.");
  }

  /**
   * The read pool, best first: UP nodes that live traffic has not taken out; else every UP node
   * (evidence against all of them is no reason to refuse everyone); else, before the first
   * probes, the unprobed nodes; else, in panic, the nodes that fail their health check but still
   * answer (Envoy's panic threshold: a health check failing everywhere at once, as Gerrit's
   * healthcheck plugin once did, must not take the whole site down for readers).
   */
  private static RouteDecision sticky(String key, RoutingSnapshot s, boolean read,
      Set<String> lagging) {
    String why = read ? "sticky read" : "sticky write (routing.writes = any)";
    List<Node> candidates = readPool(s);
    List<Node> fresh = new ArrayList<>();
    for (Node n : candidates) {
      if (!lagging.contains(n.name())) {
        fresh.add(n);
      }
    }
    if (fresh.isEmpty() && !candidates.isEmpty()) {
      why += ", every node in the read pool lags behind the master";
    } else {
      candidates = fresh;
    }
    if (candidates.isEmpty()) {
      candidates = candidates(s, NodeState.UP);
      why += ", every up node failed on live traffic lately";
    }
    if (candidates.isEmpty()) {
      // Start-up, before the first probe: better to try than to refuse everyone.
      candidates = candidates(s, NodeState.UNKNOWN);
      why = (read ? "sticky read" : "sticky write (routing.writes = any)") + ", no node probed yet";
    }
    if (candidates.isEmpty() && read) {
      candidates = panicCandidates(s);
      why = "panic read: no node passes its health check, but this one answers";
    }
    if (candidates.isEmpty()) {
      return new RouteDecision.Refuse(
          RouteDecision.Refusal.NO_HEALTHY_NODE,
          "No Gerrit node can serve this request right now: none is up and active."
              + " Retry in a little while.");
    }
    List<Node> ranked = Rendezvous.rank(key, candidates);
    List<Node> fallbacks = read ? ranked.subList(1, ranked.size()) : List.of();
    return new RouteDecision.Forward(ranked.get(0), fallbacks, why);
  }

  /**
   * True when reads are served in panic: no active node is UP or yet unprobed, and some fail
   * their health check but answer. Writes are not affected: they keep the master rules.
   */
  public static boolean panic(RoutingSnapshot s) {
    return candidates(s, NodeState.UP).isEmpty()
        && candidates(s, NodeState.UNKNOWN).isEmpty()
        && !panicCandidates(s).isEmpty();
  }

  private static List<Node> readPool(RoutingSnapshot s) {
    List<Node> out = new ArrayList<>();
    for (Node n : candidates(s, NodeState.UP)) {
      if (!s.health().outOfReadPool(n.name())) {
        out.add(n);
      }
    }
    return out;
  }

  private static List<Node> panicCandidates(RoutingSnapshot s) {
    List<Node> out = new ArrayList<>();
    for (Node n : s.table().nodes()) {
      if (n.adminState() == AdminState.ACTIVE && s.health().answering(n.name())) {
        out.add(n);
      }
    }
    return out;
  }

  private static List<Node> candidates(RoutingSnapshot s, NodeState wanted) {
    List<Node> out = new ArrayList<>();
    for (Node n : s.table().nodes()) {
      if (n.adminState() == AdminState.ACTIVE && s.health().stateOf(n.name()) == wanted) {
        out.add(n);
      }
    }
    return out;
  }
}
