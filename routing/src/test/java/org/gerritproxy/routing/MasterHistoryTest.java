package org.gerritproxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongPredicate;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** When {@code [election] onFailover} runs: once per new epoch, on the proxy that decided it. */
class MasterHistoryTest {

  /** Feeds masters through a history as a proxy's view does, and returns where it would run. */
  private static List<String> runs(List<WriteMaster> seen, LongPredicate decidedHere) {
    MasterHistory history = MasterHistory.start();
    List<String> runs = new ArrayList<>();
    for (WriteMaster m : seen) {
      if (history.runsOnFailover(m, decidedHere.test(m.epoch()))) {
        runs.add(m.node().orElseThrow() + "@" + m.epoch());
      }
      history = history.seen(m);
    }
    return runs;
  }

  /** {@code B@3} is node B under epoch 3, {@code none@2} no master under epoch 2. */
  private static List<WriteMaster> masters(String text) {
    List<WriteMaster> out = new ArrayList<>();
    for (String m : text.trim().split("\\s+")) {
      String[] parts = m.split("@");
      out.add(new WriteMaster(parts[0].equals("none") ? Optional.empty() : Optional.of(parts[0]),
          Long.parseLong(parts[1]), ""));
    }
    return out;
  }

  /**
   * Masters as one proxy follows them; the epochs this proxy decided ({@code all}: local and
   * static mode, where each proxy decides alone; a list or {@code none} in zookeeper mode, where
   * only the proxy whose compare-and-set wrote an epoch decided it); where onFailover runs.
   */
  @ParameterizedTest(name = "{3}: {0}")
  @CsvSource(delimiter = '|', textBlock = """
      A@1 B@2                | all  | B@2     | a failover from one node to another
      A@1 none@2 B@3         | all  | B@3     | no master in between: once, for B's epoch
      A@1 B@2 B@2            | all  | B@2     | the same epoch seen twice runs once (the first time)
      A@1 B@2 none@2 B@2     | all  | B@2     | ZooKeeper lost and back under the same epoch
      A@1 A@1                | all  | -       | a reload without a new epoch
      A@1                    | all  | -       | the first election at start
      none@0 A@1             | all  | -       | no master at start, then the first
      B@7                    | all  | -       | a proxy joining a cluster follows the shared master
      A@1 none@2 A@3         | all  | -       | the master comes back: writes never moved
      A@1 B@2                | none | -       | a zookeeper follower: another proxy decided
      A@1 none@2 B@3         | 2    | -       | this proxy decided no master, another decided B
      A@1 B@2 C@3            | 3    | C@3     | a zookeeper leader runs only the epochs it wrote
      A@1 B@2 A@3            | all  | B@2 A@3 | failback is a failover too
      A@3 B@2                | all  | -       | an older epoch than one seen never runs
      """)
  void onFailoverRunsOncePerNewEpochOnTheProxyThatDecidedIt(String seen, String decided,
      String expected, String what) {
    LongPredicate decidedHere = switch (decided) {
      case "all" -> e -> true;
      case "none" -> e -> false;
      default -> e -> e == Long.parseLong(decided);
    };
    List<String> want = expected.equals("-") ? List.of() : List.of(expected.split(" "));
    assertThat(runs(masters(seen), decidedHere)).isEqualTo(want);
  }

  @Provide
  Arbitrary<List<WriteMaster>> sequences() {
    Arbitrary<WriteMaster> one = Arbitraries.of("A", "B", "C", "none").flatMap(n ->
        Arbitraries.longs().between(0, 6).map(e ->
            new WriteMaster(n.equals("none") ? Optional.empty() : Optional.of(n), e, "")));
    return one.list().ofMaxSize(12);
  }

  @Property
  void atMostOnceEachEpochNeverForTheFirstMasterAndAlwaysToAnotherNode(
      @ForAll("sequences") List<WriteMaster> seen) {
    MasterHistory history = MasterHistory.start();
    Set<Long> ranFor = new HashSet<>();
    Optional<String> followed = Optional.empty();
    for (WriteMaster m : seen) {
      if (history.runsOnFailover(m, true)) {
        assertThat(ranFor.add(m.epoch())).as("once for epoch " + m.epoch()).isTrue();
        assertThat(followed).as("a master was followed before").isPresent();
        assertThat(m.node()).as("another node than the last master").isNotEqualTo(followed);
      }
      if (m.isKnown()) {
        followed = m.node();
      }
      history = history.seen(m);
    }
  }
}
