package org.gerritproxy.routing.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Who fetches next: limits per node and per account, interactive before batch, round-robin
 * between accounts, a bounded queue, and the "N ahead" count a waiting client is shown.
 */
class AdmissionQueueTest {

  static FetchLimits limits(int perNode, int perAccount, int maxQueued) {
    return new FetchLimits(perNode, perAccount, maxQueued, Duration.ofMinutes(1), Set.of(),
        Optional.empty(), Set.of(), 0);
  }

  /**
   * Runs a script and returns the ids admitted, in order. Words: {@code +ACCOUNT[:b][@NODE]}
   * offers the next ticket (ids count from 1; {@code :b} makes it batch; the node defaults to n1),
   * {@code -ID} releases a running ticket, {@code xID} withdraws a waiting one. An offer refused
   * because the queue is full shows as {@code !ID}.
   */
  static List<String> run(FetchLimits l, String script) {
    AdmissionQueue q = AdmissionQueue.empty();
    List<String> admitted = new ArrayList<>();
    long next = 1;
    for (String w : script.strip().split("\\s+")) {
      AdmissionQueue.Step step;
      switch (w.charAt(0)) {
        case '+' -> {
          String spec = w.substring(1);
          String node = "n1";
          if (spec.contains("@")) {
            node = spec.substring(spec.indexOf('@') + 1);
            spec = spec.substring(0, spec.indexOf('@'));
          }
          FetchClass c = spec.endsWith(":b") ? FetchClass.BATCH : FetchClass.INTERACTIVE;
          String account = spec.replace(":b", "");
          long id = next++;
          step = q.offer(new Ticket(id, account, c, node), l);
          if (step.refused()) {
            admitted.add("!" + id);
          }
        }
        case '-' -> step = q.release(Long.parseLong(w.substring(1)), l);
        case 'x' -> step = new AdmissionQueue.Step(
            q.withdraw(Long.parseLong(w.substring(1))).orElseThrow(), List.of(), false);
        default -> throw new IllegalArgumentException(w);
      }
      q = step.queue();
      step.admitted().forEach(t -> admitted.add(String.valueOf(t.id())));
    }
    return admitted;
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      no limits: everything runs at once        | 0 | 0 | 9 | +a +a +b                    | 1 2 3
      node limit: the second waits for the first | 1 | 0 | 9 | +a +a -1                    | 1 2
      account limit holds one account only       | 0 | 1 | 9 | +a +a +b -1                 | 1 3 2
      round-robin: one fetch of b between a's    | 1 | 0 | 9 | +a +a +a +a +b -1 -2 -5 -3   | 1 2 5 3 4
      round-robin over three accounts            | 1 | 0 | 9 | +a +a +a +b +b +c -1 -2 -4 -6 -3 | 1 2 4 6 3 5
      interactive overtakes waiting batch        | 1 | 0 | 9 | +r:b +r:b +r:b +p -1 -4      | 1 4 2
      batch runs when no interactive waits       | 1 | 0 | 9 | +p +r:b -1                  | 1 2
      account-blocked interactive leaves the slot to batch | 2 | 1 | 9 | +p +p +r:b         | 1 3
      nodes are limited separately               | 1 | 0 | 9 | +a@n1 +a@n2 +a@n1 -2 -1      | 1 2 3
      a full node does not block another node    | 1 | 0 | 9 | +a@n1 +a@n1 +a@n2            | 1 3
      a full queue refuses                       | 1 | 0 | 2 | +a +a +a +a -1              | 1 !4 2
      a withdrawn ticket is skipped              | 1 | 0 | 9 | +a +b +c x2 -1                | 1 3
      released unknown ids change nothing        | 1 | 0 | 9 | +a -7 -7                    | 1
      """)
  void admissionOrder(String name, int perNode, int perAccount, int maxQueued, String script,
      String expected) {
    assertThat(String.join(" ", run(limits(perNode, perAccount, maxQueued), script)))
        .isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      batch stops at its own limit                 | 3 | 1 | +r:b +r:b +s:b                   | 1
      the slots batch may not take go to people    | 3 | 1 | +r:b +r:b +p +q                  | 1 3 4
      a person never waits while batch waits       | 2 | 1 | +r:b +r:b +p                     | 1 3
      the next batch waits for the person's end    | 2 | 1 | +r:b +r:b +p -1                  | 1 3
      a freed batch slot goes to the next batch    | 3 | 2 | +r:b +r:b +r:b +s:b -1            | 1 2 3
      people may still fill the node               | 2 | 1 | +p +q +r:b -1 -2                 | 1 2 3
      people count against the batch limit         | 4 | 2 | +p +r:b +s:b +q -2               | 1 2 4
      batch resumes below it, whoever ended        | 4 | 2 | +p +r:b +s:b +q -2 -1            | 1 2 4 3
      on another node batch goes on                | 4 | 1 | +r:b@n1 +r:b@n2 +p@n1 +s:b@n2 -1 -2 | 1 2 3 4
      a freed people's slot stays closed to batch  | 3 | 1 | +r:b +p +r:b -2                  | 1 2
      each node has its own batch limit            | 4 | 1 | +r:b@n1 +r:b@n1 +r:b@n2          | 1 3
      no batch limit: batch may take every slot    | 2 | 0 | +r:b +r:b +p -1                  | 1 2 3
      """)
  void batchLimitLeavesRoomForPeople(String name, int perNode, int perNodeBatch, String script,
      String expected) {
    FetchLimits l = limits(perNode, 0, 9).withMaxBatchPerNode(perNodeBatch);
    assertThat(String.join(" ", run(l, script))).isEqualTo(expected);
  }

  @Test
  void raisedLimitsAdmitWhoeverFitsNow() {
    FetchLimits tight = limits(1, 0, 9);
    AdmissionQueue q = AdmissionQueue.empty();
    for (long id = 1; id <= 3; id++) {
      q = q.offer(new Ticket(id, "a", FetchClass.INTERACTIVE, "n1"), tight).queue();
    }
    AdmissionQueue.Step step = q.admit(limits(3, 0, 9));
    assertThat(step.admitted()).extracting(Ticket::id).containsExactly(2L, 3L);
    assertThat(step.queue().waitingCount()).isZero();
  }

  @Test
  void loweredLimitsLetRunningFetchesFinish() {
    AdmissionQueue q = AdmissionQueue.empty();
    for (long id = 1; id <= 3; id++) {
      q = q.offer(new Ticket(id, "a", FetchClass.INTERACTIVE, "n1"), limits(0, 0, 9)).queue();
    }
    FetchLimits tight = limits(1, 0, 9);
    q = q.offer(new Ticket(4, "b", FetchClass.INTERACTIVE, "n1"), tight).queue();
    assertThat(q.runningCount()).isEqualTo(3);
    assertThat(q.release(1, tight).admitted()).isEmpty();
    assertThat(q.release(1, tight).queue().release(2, tight).queue().release(3, tight).admitted())
        .extracting(Ticket::id).containsExactly(4L);
  }

  @Test
  void aTicketIsOfferedOnce() {
    AdmissionQueue q = AdmissionQueue.empty()
        .offer(new Ticket(1, "a", FetchClass.INTERACTIVE, "n1"), limits(1, 0, 9)).queue();
    assertThatThrownBy(() -> q.offer(new Ticket(1, "a", FetchClass.INTERACTIVE, "n1"),
        limits(1, 0, 9))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aheadCountsInteractiveAndOtherAccountsTurns() {
    FetchLimits l = limits(1, 0, 99);
    AdmissionQueue q = AdmissionQueue.empty();
    long id = 1;
    q = q.offer(new Ticket(id++, "blocker", FetchClass.INTERACTIVE, "n1"), l).queue();
    for (int i = 0; i < 12; i++) {
      q = q.offer(new Ticket(id++, "robot", FetchClass.BATCH, "n1"), l).queue();
    }
    q = q.offer(new Ticket(id++, "person", FetchClass.INTERACTIVE, "n1"), l).queue();
    q = q.offer(new Ticket(id, "robot2", FetchClass.BATCH, "n1"), l).queue();
    assertThat(q.ahead(14)).contains(0); // the person, before every batch fetch
    assertThat(q.ahead(15)).contains(2); // the person, then robot's first turn
    assertThat(q.ahead(13)).contains(13); // the person, robot's 11 before it, robot2's one
    assertThat(q.ahead(1)).isEmpty(); // running
  }

  // ---------------------------------------------------------------- properties

  /** One operation of a random schedule. */
  record Op(int kind, int account, boolean batch, int node, int pick) {}

  @Provide
  Arbitrary<List<Op>> schedules() {
    Arbitrary<Op> op = Combinators.combine(Arbitraries.integers().between(0, 9),
        Arbitraries.integers().between(0, 4), Arbitraries.of(true, false),
        Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 1000))
        .as(Op::new);
    return op.list().ofMaxSize(120);
  }

  /** Replays a schedule: mostly offers, some releases and withdrawals; checks after each step. */
  private static void replay(List<Op> ops, FetchLimits l, java.util.function.BiConsumer<
      AdmissionQueue, AdmissionQueue.Step> check) {
    AdmissionQueue q = AdmissionQueue.empty();
    List<Long> running = new ArrayList<>();
    Map<Long, Ticket> offered = new HashMap<>();
    long next = 1;
    for (Op op : ops) {
      AdmissionQueue.Step step;
      if (op.kind() < 5 || offered.isEmpty()) {
        Ticket t = new Ticket(next++, "acct" + op.account(),
            op.batch() ? FetchClass.BATCH : FetchClass.INTERACTIVE, "n" + op.node());
        offered.put(t.id(), t);
        step = q.offer(t, l);
      } else if (op.kind() < 9 && !running.isEmpty()) {
        step = q.release(running.remove(op.pick() % running.size()), l);
      } else {
        List<Long> waiting = offered.keySet().stream().filter(q::isWaiting).sorted().toList();
        if (waiting.isEmpty()) {
          continue;
        }
        long id = waiting.get(op.pick() % waiting.size());
        step = new AdmissionQueue.Step(q.withdraw(id).orElseThrow(), List.of(), false);
      }
      step.admitted().forEach(t -> running.add(t.id()));
      check.accept(q, step);
      q = step.queue();
    }
  }

  @Property
  void limitsAndQueueBoundHoldAfterEveryStep(@ForAll("schedules") List<Op> ops,
      @ForAll @IntRange(min = 1, max = 3) int perNode, @ForAll @IntRange(min = 0, max = 2) int perAccount,
      @ForAll @IntRange(min = 0, max = 10) int maxQueued,
      @ForAll @IntRange(min = 0, max = 2) int perNodeBatch) {
    FetchLimits l = limits(perNode, perAccount, maxQueued).withMaxBatchPerNode(perNodeBatch);
    replay(ops, l, (before, step) -> {
      AdmissionQueue q = step.queue();
      assertThat(q.waitingCount()).isLessThanOrEqualTo(maxQueued);
      for (int n = 0; n < 3; n++) {
        assertThat(q.runningOnNode("n" + n)).isLessThanOrEqualTo(perNode);
        if (perNodeBatch > 0) {
          assertThat(q.runningBatchOnNode("n" + n)).isLessThanOrEqualTo(perNodeBatch);
        }
      }
      if (perAccount > 0) {
        for (int a = 0; a < 5; a++) {
          assertThat(q.runningOfAccount("acct" + a)).isLessThanOrEqualTo(perAccount);
        }
      }
    });
  }

  @Property
  void noWaitingTicketCouldRunAfterAnyStep(@ForAll("schedules") List<Op> ops,
      @ForAll @IntRange(min = 1, max = 3) int perNode, @ForAll @IntRange(min = 0, max = 2) int perAccount,
      @ForAll @IntRange(min = 0, max = 2) int perNodeBatch) {
    FetchLimits l = limits(perNode, perAccount, 50).withMaxBatchPerNode(perNodeBatch);
    replay(ops, l, (before, step) -> {
      for (FetchClass c : FetchClass.values()) {
        for (Ticket t : step.queue().waitingTickets(c)) {
          assertThat(step.queue().fits(t, l)).as("waiting %s fits", t).isFalse();
        }
      }
    });
  }

  @Property
  void batchNeverRunsWhileInteractiveWaitsForTheSameNode(@ForAll("schedules") List<Op> ops,
      @ForAll @IntRange(min = 1, max = 3) int perNode) {
    FetchLimits l = limits(perNode, 0, 50);
    replay(ops, l, (before, step) -> {
      // Within a step, admissions go interactive first; so a batch admission means that no
      // interactive ticket for that node was left waiting.
      for (Ticket t : step.admitted()) {
        if (t.fetchClass() == FetchClass.BATCH) {
          assertThat(step.queue().waitingTickets(FetchClass.INTERACTIVE))
              .noneMatch(i -> i.node().equals(t.node()));
        }
      }
    });
  }

  @Property
  void batchNeverTakesTheSlotsLeftForPeople(@ForAll("schedules") List<Op> ops,
      @ForAll @IntRange(min = 2, max = 4) int perNode, @ForAll @IntRange(min = 1, max = 3) int perNodeBatch) {
    // Below maxPerNode, the batch limit keeps perNode - perNodeBatch slots of every node for
    // interactive work: a person whose node runs fewer interactive fetches than that runs at once.
    FetchLimits l = limits(perNode, 0, 50).withMaxBatchPerNode(Math.min(perNodeBatch, perNode - 1));
    int kept = perNode - l.maxBatchPerNode();
    replay(ops, l, (before, step) -> {
      for (Ticket t : step.queue().waitingTickets(FetchClass.INTERACTIVE)) {
        int interactive = step.queue().runningOnNode(t.node())
            - step.queue().runningBatchOnNode(t.node());
        assertThat(interactive).as("a person waits for %s", t).isGreaterThanOrEqualTo(kept);
      }
    });
  }

  @Property
  void batchStartsOnlyOnANodeRunningFewerThanTheBatchLimit(@ForAll("schedules") List<Op> ops,
      @ForAll @IntRange(min = 2, max = 4) int perNode, @ForAll @IntRange(min = 1, max = 3) int perNodeBatch) {
    // People's fetches count against the batch limit: a batch fetch starts only below it, so the
    // node runs at most maxBatchPerNode fetches right after a batch start, whoever they are.
    FetchLimits l = limits(perNode, 0, 50).withMaxBatchPerNode(Math.min(perNodeBatch, perNode - 1));
    replay(ops, l, (before, step) -> {
      for (Ticket t : step.admitted()) {
        if (t.fetchClass() == FetchClass.BATCH) {
          assertThat(step.queue().runningOnNode(t.node())).as("after %s started", t)
              .isLessThanOrEqualTo(l.maxBatchPerNode());
        }
      }
    });
  }

  @Property
  void roundRobinServesInTheOrderAheadPromised(
      @ForAll("accountLists") List<Integer> accounts, @ForAll("classes") List<Boolean> batch) {
    // One node, one slot held by a blocker; the offers all wait. Then slots free one at a time.
    FetchLimits l = limits(1, 0, 500);
    AdmissionQueue q = AdmissionQueue.empty()
        .offer(new Ticket(0, "blocker", FetchClass.INTERACTIVE, "n1"), l).queue();
    for (int i = 0; i < accounts.size(); i++) {
      boolean b = batch.get(i % batch.size());
      q = q.offer(new Ticket(i + 1, "acct" + accounts.get(i),
          b ? FetchClass.BATCH : FetchClass.INTERACTIVE, "n1"), l).queue();
    }
    Map<Long, Integer> promised = new LinkedHashMap<>();
    for (long id = 1; id <= accounts.size(); id++) {
      promised.put(id, q.ahead(id).orElseThrow());
    }
    long runningId = 0;
    List<Long> order = new ArrayList<>();
    // Bounded: every release admits exactly one, so every ticket runs within accounts.size() steps.
    for (int i = 0; i < accounts.size(); i++) {
      AdmissionQueue.Step step = q.release(runningId, l);
      assertThat(step.admitted()).hasSize(1);
      runningId = step.admitted().get(0).id();
      order.add(runningId);
      q = step.queue();
    }
    assertThat(q.waitingCount()).isZero();
    for (int pos = 0; pos < order.size(); pos++) {
      assertThat(promised.get(order.get(pos))).as("ticket %s", order.get(pos)).isEqualTo(pos);
    }
  }

  @Property
  void aLoneFetchWaitsAtMostOneTurnPerOtherAccount(
      @ForAll("accountLists") List<Integer> robots) {
    // However many fetches the robots queued, a newcomer of the same class goes after at most
    // one fetch of each account already waiting: fairness does not depend on queue length.
    FetchLimits l = limits(1, 0, 500);
    AdmissionQueue q = AdmissionQueue.empty()
        .offer(new Ticket(0, "blocker", FetchClass.BATCH, "n1"), l).queue();
    for (int i = 0; i < robots.size(); i++) {
      q = q.offer(new Ticket(i + 1, "robot" + robots.get(i), FetchClass.BATCH, "n1"), l).queue();
    }
    long person = robots.size() + 1;
    q = q.offer(new Ticket(person, "person", FetchClass.BATCH, "n1"), l).queue();
    long distinct = robots.stream().distinct().count();
    assertThat(q.ahead(person).orElseThrow()).isLessThanOrEqualTo((int) distinct);
  }

  @Provide
  Arbitrary<List<Integer>> accountLists() {
    return Arbitraries.integers().between(0, 5).list().ofMinSize(1).ofMaxSize(60);
  }

  @Provide
  Arbitrary<List<Boolean>> classes() {
    return Arbitraries.of(true, false).list().ofMinSize(1).ofMaxSize(7);
  }

  @Test
  void classifiesByAccountAndUserAgent() {
    FetchLimits l = new FetchLimits(1, 1, 9, Duration.ofSeconds(1), Set.of("CI-Bot"),
        Optional.of(java.util.regex.Pattern.compile("^(JGit|git/.*jenkins)")), Set.of(), 0);
    assertThat(l.classify(Optional.of("ci-bot"), Optional.empty())).isEqualTo(FetchClass.BATCH);
    assertThat(l.classify(Optional.of("alice"), Optional.of("JGit/6.9"))).isEqualTo(FetchClass.BATCH);
    assertThat(l.classify(Optional.of("alice"), Optional.of("git/2.43.0")))
        .isEqualTo(FetchClass.INTERACTIVE);
    assertThat(l.classify(Optional.empty(), Optional.empty())).isEqualTo(FetchClass.INTERACTIVE);
    // A member of a batch group, as last read from Gerrit, is batch; others are not.
    FetchLimits groups = new FetchLimits(1, 1, 9, Duration.ofSeconds(1), Set.of(),
        Optional.empty(), Set.of("Non-Interactive Users"), 0);
    assertThat(groups.classify(Optional.of("Jenkins"), Optional.empty(), Set.of("jenkins")))
        .isEqualTo(FetchClass.BATCH);
    assertThat(groups.classify(Optional.of("alice"), Optional.empty(), Set.of("jenkins")))
        .isEqualTo(FetchClass.INTERACTIVE);
    assertThat(groups.classify(Optional.empty(), Optional.empty(), Set.of("jenkins")))
        .isEqualTo(FetchClass.INTERACTIVE);
    assertThat(l.batchAccounts().stream().collect(Collectors.toSet())).containsExactly("ci-bot");
  }
}
