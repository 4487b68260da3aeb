package org.gerritproxy.routing.admission;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Who fetches now and who waits, as an immutable value: each transition returns a new queue and
 * the tickets it admitted. The rules:
 *
 * <ul>
 *   <li>a ticket runs when its node and its account are both below their limits, and a batch
 *       ticket also when its node runs fewer fetches (of both classes) than
 *       {@code maxBatchPerNode};
 *   <li>work-conserving: after every transition no waiting ticket could run;
 *   <li>interactive before batch: when a slot frees, a waiting interactive ticket that fits takes
 *       it before any batch ticket;
 *   <li>round-robin between accounts within a class: the account served last goes to the back of
 *       the line, so an account with 200 waiting fetches gets one slot per turn like everyone else;
 *       within an account, first come, first served (skipping a ticket whose node is full);
 *   <li>bounded: at most {@code maxQueued} tickets wait; beyond that a ticket is refused.
 * </ul>
 *
 * <p>A transition copies the queue: O(running + waiting), which {@code maxQueued} bounds.
 */
public final class AdmissionQueue {

  /** The result of a transition: the new queue and what it let run, in the order it did. */
  public record Step(AdmissionQueue queue, List<Ticket> admitted, boolean refused) {
    public Step {
      admitted = List.copyOf(admitted);
    }
  }

  private static final AdmissionQueue EMPTY = new AdmissionQueue(
      Map.of(), Map.of(), Map.of(), Map.of(), new EnumMap<>(FetchClass.class));

  private final Map<Long, Ticket> running;
  private final Map<String, Integer> runningByNode;
  /** Batch fetches running per node: what {@code maxBatchPerNode} limits. */
  private final Map<String, Integer> runningBatchByNode;
  private final Map<String, Integer> runningByAccount;
  /** Per class, account to its waiting tickets; iteration order is the round-robin order. */
  private final Map<FetchClass, Map<String, List<Ticket>>> waiting;

  private AdmissionQueue(Map<Long, Ticket> running, Map<String, Integer> runningByNode,
      Map<String, Integer> runningBatchByNode, Map<String, Integer> runningByAccount,
      Map<FetchClass, Map<String, List<Ticket>>> waiting) {
    this.running = running;
    this.runningByNode = runningByNode;
    this.runningBatchByNode = runningBatchByNode;
    this.runningByAccount = runningByAccount;
    this.waiting = waiting;
  }

  public static AdmissionQueue empty() {
    return EMPTY;
  }

  /**
   * A new fetch asks for a slot: it runs at once when it fits, else waits at the end of its
   * account's line, else (the queue is full) is refused.
   */
  public Step offer(Ticket t, FetchLimits limits) {
    Objects.requireNonNull(t, "ticket");
    if (running.containsKey(t.id()) || find(t.id()).isPresent()) {
      throw new IllegalArgumentException("ticket " + t.id() + " is already known");
    }
    Builder b = toBuilder();
    if (b.fits(t, limits)) {
      b.run(t);
      return new Step(b.build(), List.of(t), false);
    }
    if (waitingCount() >= limits.maxQueued()) {
      return new Step(this, List.of(), true);
    }
    b.waiting.get(t.fetchClass()).computeIfAbsent(t.account(), a -> new ArrayList<>()).add(t);
    return new Step(b.build(), List.of(), false);
  }

  /** A running fetch ended: its slot goes to whoever is next. An unknown id changes nothing. */
  public Step release(long id, FetchLimits limits) {
    if (!running.containsKey(id)) {
      return new Step(this, List.of(), false);
    }
    Builder b = toBuilder();
    b.stop(running.get(id));
    return b.admitAll(limits);
  }

  /**
   * A waiting fetch gave up (timed out, or its client left).
   *
   * @return the queue without it, or empty when it was not waiting (it runs already, or never was)
   */
  public Optional<AdmissionQueue> withdraw(long id) {
    Optional<Ticket> t = find(id);
    if (t.isEmpty()) {
      return Optional.empty();
    }
    Builder b = toBuilder();
    Map<String, List<Ticket>> line = b.waiting.get(t.get().fetchClass());
    List<Ticket> own = line.get(t.get().account());
    own.removeIf(x -> x.id() == id);
    if (own.isEmpty()) {
      line.remove(t.get().account());
    }
    return Optional.of(b.build());
  }

  /** New limits (a reload): whoever fits now runs. Running fetches above a lowered limit finish. */
  public Step admit(FetchLimits limits) {
    return toBuilder().admitAll(limits);
  }

  /**
   * How many waiting tickets for the same node go before {@code id} if nothing else changes: every
   * interactive one for a batch ticket, and round-robin turns of the other accounts in its class.
   * Exact for one node without an account limit; an estimate otherwise.
   *
   * @return empty when {@code id} is not waiting
   */
  public Optional<Integer> ahead(long id) {
    Optional<Ticket> found = find(id);
    if (found.isEmpty()) {
      return Optional.empty();
    }
    Ticket t = found.get();
    int count = 0;
    if (t.fetchClass() == FetchClass.BATCH) {
      for (List<Ticket> own : waiting(FetchClass.INTERACTIVE).values()) {
        count += (int) own.stream().filter(x -> x.node().equals(t.node())).count();
      }
    }
    // Its turn within its own account: tickets of that account for the same node before it.
    int turn = 0;
    for (Ticket x : waiting(t.fetchClass()).get(t.account())) {
      if (x.id() == id) {
        break;
      }
      if (x.node().equals(t.node())) {
        turn++;
      }
    }
    boolean before = true;
    for (Map.Entry<String, List<Ticket>> line : waiting(t.fetchClass()).entrySet()) {
      if (line.getKey().equals(t.account())) {
        before = false;
        continue;
      }
      long sameNode = line.getValue().stream().filter(x -> x.node().equals(t.node())).count();
      // Accounts before this one in the rotation get turn + 1 turns first, those after it turn.
      count += (int) Math.min(sameNode, before ? turn + 1 : turn);
    }
    return Optional.of(count + turn);
  }

  public int runningCount() {
    return running.size();
  }

  public int runningOnNode(String node) {
    return runningByNode.getOrDefault(node, 0);
  }

  /** Batch fetches running on {@code node}. */
  public int runningBatchOnNode(String node) {
    return runningBatchByNode.getOrDefault(node, 0);
  }

  public int runningOfAccount(String account) {
    return runningByAccount.getOrDefault(account, 0);
  }

  public boolean isRunning(long id) {
    return running.containsKey(id);
  }

  public boolean isWaiting(long id) {
    return find(id).isPresent();
  }

  public int waitingCount() {
    int n = 0;
    for (Map<String, List<Ticket>> line : waiting.values()) {
      for (List<Ticket> own : line.values()) {
        n += own.size();
      }
    }
    return n;
  }

  public int waitingCount(FetchClass c) {
    return waiting(c).values().stream().mapToInt(List::size).sum();
  }

  public int runningCount(FetchClass c) {
    return (int) running.values().stream().filter(t -> t.fetchClass() == c).count();
  }

  /** Every waiting ticket of class {@code c}, account by account in round-robin order. */
  public List<Ticket> waitingTickets(FetchClass c) {
    List<Ticket> all = new ArrayList<>();
    waiting(c).values().forEach(all::addAll);
    return all;
  }

  /** Whether {@code t} would run now if it were offered (its node and account have room). */
  public boolean fits(Ticket t, FetchLimits limits) {
    return limits.nodeHasRoomFor(t.fetchClass(), runningOnNode(t.node()))
        && limits.accountHasRoom(runningOfAccount(t.account()));
  }

  private Map<String, List<Ticket>> waiting(FetchClass c) {
    return waiting.getOrDefault(c, Map.of());
  }

  private Optional<Ticket> find(long id) {
    for (Map<String, List<Ticket>> line : waiting.values()) {
      for (List<Ticket> own : line.values()) {
        for (Ticket t : own) {
          if (t.id() == id) {
            return Optional.of(t);
          }
        }
      }
    }
    return Optional.empty();
  }

  private Builder toBuilder() {
    return new Builder(this);
  }

  /** A mutable copy for one transition; never escapes it. */
  private static final class Builder {
    final Map<Long, Ticket> running;
    final Map<String, Integer> byNode;
    final Map<String, Integer> batchByNode;
    final Map<String, Integer> byAccount;
    final Map<FetchClass, Map<String, List<Ticket>>> waiting = new EnumMap<>(FetchClass.class);

    Builder(AdmissionQueue q) {
      running = new LinkedHashMap<>(q.running);
      byNode = new LinkedHashMap<>(q.runningByNode);
      batchByNode = new LinkedHashMap<>(q.runningBatchByNode);
      byAccount = new LinkedHashMap<>(q.runningByAccount);
      for (FetchClass c : FetchClass.values()) {
        Map<String, List<Ticket>> line = new LinkedHashMap<>();
        q.waiting(c).forEach((a, own) -> line.put(a, new ArrayList<>(own)));
        waiting.put(c, line);
      }
    }

    boolean fits(Ticket t, FetchLimits limits) {
      return nodeHasRoom(t, limits)
          && limits.accountHasRoom(byAccount.getOrDefault(t.account(), 0));
    }

    boolean nodeHasRoom(Ticket t, FetchLimits limits) {
      return limits.nodeHasRoomFor(t.fetchClass(), byNode.getOrDefault(t.node(), 0));
    }

    void run(Ticket t) {
      running.put(t.id(), t);
      byNode.merge(t.node(), 1, Integer::sum);
      if (t.fetchClass() == FetchClass.BATCH) {
        batchByNode.merge(t.node(), 1, Integer::sum);
      }
      byAccount.merge(t.account(), 1, Integer::sum);
    }

    void stop(Ticket t) {
      running.remove(t.id());
      byNode.computeIfPresent(t.node(), (k, n) -> n > 1 ? n - 1 : null);
      if (t.fetchClass() == FetchClass.BATCH) {
        batchByNode.computeIfPresent(t.node(), (k, n) -> n > 1 ? n - 1 : null);
      }
      byAccount.computeIfPresent(t.account(), (k, n) -> n > 1 ? n - 1 : null);
    }

    Step admitAll(FetchLimits limits) {
      List<Ticket> admitted = new ArrayList<>();
      for (Ticket next; (next = next(limits)) != null; ) {
        Map<String, List<Ticket>> line = waiting.get(next.fetchClass());
        List<Ticket> own = line.remove(next.account());
        own.remove(next);
        if (!own.isEmpty()) {
          line.put(next.account(), own); // served: to the back of the line
        }
        run(next);
        admitted.add(next);
      }
      return new Step(build(), admitted, false);
    }

    /** The ticket that runs next, or null when none fits. */
    private Ticket next(FetchLimits limits) {
      for (FetchClass c : FetchClass.values()) {
        for (Map.Entry<String, List<Ticket>> line : waiting.get(c).entrySet()) {
          if (!limits.accountHasRoom(byAccount.getOrDefault(line.getKey(), 0))) {
            continue;
          }
          for (Ticket t : line.getValue()) {
            if (nodeHasRoom(t, limits)) {
              return t;
            }
          }
        }
      }
      return null;
    }

    AdmissionQueue build() {
      Map<FetchClass, Map<String, List<Ticket>>> w = new EnumMap<>(FetchClass.class);
      waiting.forEach((c, line) -> {
        if (!line.isEmpty()) {
          Map<String, List<Ticket>> copy = new LinkedHashMap<>();
          line.forEach((a, own) -> copy.put(a, List.copyOf(own)));
          w.put(c, Collections.unmodifiableMap(copy));
        }
      });
      return new AdmissionQueue(Collections.unmodifiableMap(running),
          Collections.unmodifiableMap(byNode), Collections.unmodifiableMap(batchByNode),
          Collections.unmodifiableMap(byAccount), Collections.unmodifiableMap(w));
    }
  }
}
