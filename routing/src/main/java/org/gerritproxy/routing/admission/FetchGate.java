package org.gerritproxy.routing.admission;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The one {@link AdmissionQueue} of a proxy, shared by the HTTP and SSH frontends: hands out
 * {@link Admission}s and completes a waiting one's future when the queue admits it. Waiting costs
 * no thread: a frontend continues the fetch from the future's callback. The decisions are the
 * queue's; this class only holds the current one under a lock and completes futures outside it.
 */
public final class FetchGate {

  /** How many accounts and User-Agents the top-talker lists keep. */
  public static final int TOP_TALKERS = 50;

  /** What the admin pages show. */
  public record Stats(FetchLimits limits, int runningInteractive, int runningBatch,
      int waitingInteractive, int waitingBatch, long admittedAtOnce, long admittedAfterWait,
      long timedOut, long refusedQueueFull, double waitedSeconds,
      List<TopTalkers.Talker> topAccounts, List<TopTalkers.Talker> topUserAgents) {}

  private final Object lock = new Object();
  private final LongSupplier nanoClock;
  private AdmissionQueue queue = AdmissionQueue.empty(); // guarded by lock
  private FetchLimits limits; // guarded by lock
  private volatile Set<String> batchGroupMembers = Set.of();
  private final Map<Long, Admission> waiters = new HashMap<>(); // guarded by lock
  private final AtomicLong ids = new AtomicLong();
  private final TopTalkers accounts = new TopTalkers(TOP_TALKERS);
  private final TopTalkers userAgents = new TopTalkers(TOP_TALKERS);
  private final LongAdder admittedAtOnce = new LongAdder();
  private final LongAdder admittedAfterWait = new LongAdder();
  private final LongAdder timedOut = new LongAdder();
  private final LongAdder refusedQueueFull = new LongAdder();
  private final LongAdder waitedNanos = new LongAdder();

  public FetchGate(FetchLimits limits, LongSupplier nanoClock) {
    this.limits = Objects.requireNonNull(limits, "limits");
    this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
  }

  /** No limits: every fetch runs at once and is only counted. */
  public static FetchGate unlimited() {
    return new FetchGate(FetchLimits.unlimited(), System::nanoTime);
  }

  public FetchLimits limits() {
    synchronized (lock) {
      return limits;
    }
  }

  /**
   * Who the members of the batch groups are now, as user names in lower case: read from Gerrit
   * by the caller, swapped whole. Fetches asked for from now on are classified with it.
   */
  public void batchGroupMembers(Set<String> members) {
    batchGroupMembers = members.stream().map(m -> m.toLowerCase(java.util.Locale.ROOT))
        .collect(java.util.stream.Collectors.toUnmodifiableSet());
  }

  /** A reload: the new limits apply to the next decision, and whoever fits under them runs now. */
  public void configure(FetchLimits next) {
    Objects.requireNonNull(next, "limits");
    List<Admission> admitted;
    synchronized (lock) {
      limits = next;
      admitted = apply(queue.admit(next));
    }
    grant(admitted);
  }

  /**
   * A fetch asks for a slot.
   *
   * @param account the unit of fairness: the Gerrit user, or for an anonymous fetch its address
   * @param userName the Gerrit user, for the batch accounts; empty when anonymous
   * @param userAgent the HTTP User-Agent or SSH client version; empty when the client sent none
   * @param node the Gerrit node the fetch was routed to
   */
  public Admission request(String account, Optional<String> userName, Optional<String> userAgent,
      String node) {
    accounts.count(account);
    userAgent.ifPresent(userAgents::count);
    Admission a;
    // Decided under the lock: once it waits, another thread's release may grant it at any moment
    // (and count it as admitted after a wait), so whether it is done by now says nothing.
    boolean atOnce = false;
    synchronized (lock) {
      Ticket t = new Ticket(ids.incrementAndGet(), account,
          limits.classify(userName, userAgent, batchGroupMembers), node);
      a = new Admission(t, nanoClock.getAsLong());
      AdmissionQueue.Step step = queue.offer(t, limits);
      queue = step.queue();
      if (step.refused()) {
        a.refused = true;
      } else if (step.admitted().contains(t)) {
        atOnce = true;
        a.granted.complete(null);
      } else {
        waiters.put(t.id(), a);
      }
    }
    if (a.refused) {
      refusedQueueFull.increment();
      a.done.set(true);
    } else if (atOnce) {
      admittedAtOnce.increment();
    }
    return a;
  }

  public Stats stats() {
    synchronized (lock) {
      return new Stats(limits, queue.runningCount(FetchClass.INTERACTIVE),
          queue.runningCount(FetchClass.BATCH), queue.waitingCount(FetchClass.INTERACTIVE),
          queue.waitingCount(FetchClass.BATCH), admittedAtOnce.sum(), admittedAfterWait.sum(),
          timedOut.sum(), refusedQueueFull.sum(), waitedNanos.sum() / 1e9, accounts.top(),
          userAgents.top());
    }
  }

  /** Adopts a transition's queue; returns the waiters it admitted (to grant outside the lock). */
  private List<Admission> apply(AdmissionQueue.Step step) {
    queue = step.queue();
    List<Admission> admitted = new ArrayList<>(step.admitted().size());
    for (Ticket t : step.admitted()) {
      Admission a = waiters.remove(t.id());
      if (a != null) {
        admitted.add(a);
      }
    }
    return admitted;
  }

  /** Outside the lock: a future's callbacks may run right here, and may ask the gate again. */
  private void grant(List<Admission> admitted) {
    long now = nanoClock.getAsLong();
    for (Admission a : admitted) {
      admittedAfterWait.increment();
      waitedNanos.add(now - a.askedAt);
      a.granted.complete(null);
    }
  }

  /** One fetch's place in the gate, from its request to its end. */
  public final class Admission {
    private final Ticket ticket;
    private final long askedAt;
    private final CompletableFuture<Void> granted = new CompletableFuture<>();
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile boolean refused;

    private Admission(Ticket ticket, long askedAt) {
      this.ticket = ticket;
      this.askedAt = askedAt;
    }

    public FetchClass fetchClass() {
      return ticket.fetchClass();
    }

    /** True when the queue was full: the fetch neither runs nor waits. */
    public boolean refused() {
      return refused;
    }

    /** Completes when the fetch may run; at once when it did not have to wait. */
    public CompletionStage<Void> granted() {
      return granted;
    }

    public boolean isGranted() {
      return granted.isDone();
    }

    /** How many fetches go before this one; empty once it runs (or gave up). */
    public Optional<Integer> ahead() {
      synchronized (lock) {
        return queue.ahead(ticket.id());
      }
    }

    /**
     * Gives up waiting: the queue timeout passed ({@code timedOut}), or the client left.
     *
     * @return true when it was still waiting and now is not; false when it was granted meanwhile,
     *     so the fetch should run (or, when the client left, be released)
     */
    public boolean withdraw(boolean timedOut) {
      boolean withdrawn;
      synchronized (lock) {
        Optional<AdmissionQueue> without = queue.withdraw(ticket.id());
        withdrawn = without.isPresent();
        if (withdrawn) {
          queue = without.get();
          waiters.remove(ticket.id());
        }
      }
      if (withdrawn) {
        done.set(true);
        if (timedOut) {
          FetchGate.this.timedOut.increment();
        }
      }
      return withdrawn;
    }

    /** The fetch ended (or never ran): its slot goes to the next. Idempotent. */
    public void release() {
      if (!done.compareAndSet(false, true)) {
        return;
      }
      List<Admission> admitted;
      synchronized (lock) {
        Optional<AdmissionQueue> without = queue.withdraw(ticket.id());
        if (without.isPresent()) {
          queue = without.get();
          waiters.remove(ticket.id());
          return;
        }
        admitted = apply(queue.release(ticket.id(), limits));
      }
      grant(admitted);
    }
  }
}
