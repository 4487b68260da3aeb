package org.gerritproxy.routing.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.gerritproxy.routing.admission.FetchGate.Admission;
import org.junit.jupiter.api.Test;

/** The gate the frontends share: futures completed in the queue's order, timeouts, reloads. */
class FetchGateTest {

  private static FetchLimits limits(int perNode, int perAccount) {
    return new FetchLimits(perNode, perAccount, 100, Duration.ofMinutes(1), Set.of("robot"),
        Optional.of(Pattern.compile("JGit")), Set.of(), 0);
  }

  private final FetchGate gate = new FetchGate(limits(1, 0), System::nanoTime);

  @Test
  void aWaiterIsGrantedWhenTheRunningFetchEnds() {
    Admission first = gate.request("alice", Optional.of("alice"), Optional.empty(), "n1");
    Admission second = gate.request("bob", Optional.of("bob"), Optional.empty(), "n1");
    assertThat(first.isGranted()).isTrue();
    assertThat(second.isGranted()).isFalse();
    assertThat(second.ahead()).contains(0);
    first.release();
    assertThat(second.isGranted()).isTrue();
    assertThat(second.ahead()).isEmpty();
    first.release(); // idempotent: frees no second slot
    Admission third = gate.request("carol", Optional.of("carol"), Optional.empty(), "n1");
    assertThat(third.isGranted()).isFalse();
  }

  @Test
  void aTimedOutWaiterLeavesAndIsCounted() {
    Admission running = gate.request("alice", Optional.of("alice"), Optional.empty(), "n1");
    Admission waiting = gate.request("bob", Optional.of("bob"), Optional.empty(), "n1");
    assertThat(waiting.withdraw(true)).isTrue();
    running.release();
    assertThat(waiting.isGranted()).isFalse();
    assertThat(running.withdraw(true)).isFalse(); // it ran: nothing to withdraw
    FetchGate.Stats s = gate.stats();
    assertThat(s.timedOut()).isEqualTo(1);
    assertThat(s.runningInteractive() + s.runningBatch() + s.waitingInteractive()).isZero();
  }

  @Test
  void robotsAndJGitAreBatchAndWaitBehindPeople() {
    Admission blocker = gate.request("alice", Optional.of("alice"), Optional.empty(), "n1");
    Admission robot = gate.request("robot", Optional.of("robot"), Optional.empty(), "n1");
    Admission jgit = gate.request("carol", Optional.of("carol"), Optional.of("JGit/6.9"), "n1");
    Admission person = gate.request("dave", Optional.of("dave"), Optional.of("git/2.43"), "n1");
    assertThat(robot.fetchClass()).isEqualTo(FetchClass.BATCH);
    assertThat(jgit.fetchClass()).isEqualTo(FetchClass.BATCH);
    assertThat(person.fetchClass()).isEqualTo(FetchClass.INTERACTIVE);
    blocker.release();
    assertThat(person.isGranted()).isTrue();
    assertThat(robot.isGranted()).isFalse();
  }

  @Test
  void aReloadThatRaisesTheLimitAdmitsWaiters() {
    gate.request("alice", Optional.of("alice"), Optional.empty(), "n1");
    Admission waiting = gate.request("bob", Optional.of("bob"), Optional.empty(), "n1");
    gate.configure(limits(2, 0));
    assertThat(waiting.isGranted()).isTrue();
    assertThat(gate.stats().admittedAfterWait()).isEqualTo(1);
  }

  @Test
  void aFullQueueRefusesAtOnce() {
    FetchGate small = new FetchGate(new FetchLimits(1, 0, 1, Duration.ofMinutes(1), Set.of(),
        Optional.empty(), Set.of(), 0), System::nanoTime);
    small.request("a", Optional.of("a"), Optional.empty(), "n1");
    assertThat(small.request("b", Optional.of("b"), Optional.empty(), "n1").refused()).isFalse();
    Admission third = small.request("c", Optional.of("c"), Optional.empty(), "n1");
    assertThat(third.refused()).isTrue();
    assertThat(third.isGranted()).isFalse();
    assertThat(small.stats().refusedQueueFull()).isEqualTo(1);
  }

  @Test
  void manyThreadsNeverExceedTheLimitAndAllFinish() throws Exception {
    // Many rounds: a grant racing a request's own bookkeeping shows only now and then (a fetch
    // granted by another thread's release just as it began to wait was once counted twice).
    for (int round = 0; round < 30; round++) {
      manyThreadsOnce();
    }
  }

  private void manyThreadsOnce() throws Exception {
    int fetches = 400;
    FetchGate g = new FetchGate(new FetchLimits(3, 2, fetches, Duration.ofMinutes(1), Set.of(),
        Optional.empty(), Set.of(), 0), System::nanoTime);
    AtomicInteger runningNow = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    CountDownLatch finished = new CountDownLatch(fetches);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Admission> all = Collections.synchronizedList(new ArrayList<>());
    try {
      for (int i = 0; i < fetches; i++) {
        String account = "acct" + (i % 7);
        pool.execute(() -> {
          Admission a = g.request(account, Optional.of(account), Optional.empty(), "n1");
          all.add(a);
          // The fetch runs on the pool, as a frontend runs it; the granting thread is not kept.
          a.granted().thenRunAsync(() -> {
            most.accumulateAndGet(runningNow.incrementAndGet(), Math::max);
            runningNow.decrementAndGet();
            a.release();
            finished.countDown();
          }, pool);
        });
      }
      assertThat(finished.await(60, TimeUnit.SECONDS)).isTrue();
    } finally {
      pool.shutdownNow();
    }
    assertThat(most.get()).isBetween(1, 3);
    FetchGate.Stats s = g.stats();
    assertThat(s.admittedAtOnce() + s.admittedAfterWait()).isEqualTo(fetches);
    assertThat(s.waitingInteractive() + s.runningInteractive()).isZero();
    assertThat(s.topAccounts()).hasSize(7).allMatch(t -> t.count() > 50);
  }
}
