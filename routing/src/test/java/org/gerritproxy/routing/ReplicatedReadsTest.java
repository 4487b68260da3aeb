package org.gerritproxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.gerritproxy.routing.RouteDecision.Forward;
import org.gerritproxy.routing.replication.ReplicaFreshness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Reads in a cluster of replicated storage: a read of a project with an update pending goes only
 * to a node that has that update, else to the master; a lagging node takes no reads; a project
 * with nothing pending spreads as with shared storage.
 */
class ReplicatedReadsTest {
  private static final List<Node> NODES = Fixtures.threeNodes();
  private static final RoutingTable REPLICATED = table(StorageMode.REPLICATED);
  private static final RoutingTable SHARED = table(StorageMode.SHARED);
  private static final Classification FETCH =
      Classification.read("git-upload-pack", Optional.of("p"));
  private static final Classification PUSH =
      Classification.write("git-receive-pack", Optional.of("p"));

  private static RoutingTable table(StorageMode storage) {
    RoutingTable.Builder b = RoutingTable.builder()
        .cluster(new ClusterSettings(storage, Duration.ofSeconds(30)));
    NODES.forEach(b::addNode);
    return b.build();
  }

  private static RoutingSnapshot snapshot(RoutingTable t, String states) {
    Map<String, NodeState> m = new HashMap<>();
    String[] s = states.split(" ");
    for (int i = 0; i < NODES.size(); i++) {
      m.put(NODES.get(i).name(), NodeState.valueOf(s[i]));
    }
    return new RoutingSnapshot(t, new HealthView(m), Fixtures.master("gerrit-1", 1));
  }

  /** A session key whose sticky node, all nodes UP and fresh, is {@code node}. */
  private static String keyStickyOn(String node) {
    RoutingSnapshot s = snapshot(REPLICATED, "UP UP UP");
    for (int i = 0; ; i++) {
      String key = "user:k" + i;
      if (((Forward) Router.decide(FETCH, key, false, s)).node().name().equals(node)) {
        return key;
      }
    }
  }

  private static Set<String> names(String list) {
    return list.equals("-") ? Set.of() : Arrays.stream(list.split(" ")).collect(Collectors.toSet());
  }

  @ParameterizedTest(name = "sticky {0}, behind [{1}], lagging [{2}], states {3}: {4}, held back {5}")
  @CsvSource(delimiter = '|', textBlock = """
      # sticky | behind            | lagging           | states           | goes to  | held back from
      gerrit-2 | -                 | -                 | UP UP UP         | gerrit-2 | -
      gerrit-2 | gerrit-3          | -                 | UP UP UP         | gerrit-2 | -
      gerrit-2 | gerrit-2          | -                 | UP UP UP         | gerrit-1 | gerrit-2
      gerrit-2 | gerrit-2 gerrit-3 | -                 | UP UP UP         | gerrit-1 | gerrit-2
      gerrit-1 | gerrit-2 gerrit-3 | -                 | UP UP UP         | gerrit-1 | -
      gerrit-2 | -                 | gerrit-2          | UP UP UP         | OTHER    | -
      gerrit-2 | gerrit-2          | gerrit-2          | UP UP UP         | OTHER    | -
      gerrit-3 | -                 | gerrit-2 gerrit-3 | UP UP UP         | gerrit-1 | -
      gerrit-2 | gerrit-2          | -                 | PARTITIONED UP UP| gerrit-2 | -
      gerrit-2 | gerrit-2          | -                 | DOWN UP UP       | gerrit-2 | -
      gerrit-2 | -                 | gerrit-2 gerrit-3 | DOWN UP UP       | gerrit-2 | -
      """)
  void readsGoOnlyWhereTheLatestUpdateIs(String sticky, String behind, String lagging,
      String states, String expected, String heldBack) {
    String key = keyStickyOn(sticky);
    RoutingSnapshot s = snapshot(REPLICATED, states.strip());
    ReplicaFreshness f = new ReplicaFreshness(names(lagging), names(behind));

    Forward d = (Forward) Router.decide(FETCH, key, false, s, f);

    if (expected.equals("OTHER")) {
      assertThat(d.node().name()).as(d.why()).isNotEqualTo(sticky);
      assertThat(names(lagging)).doesNotContain(d.node().name());
    } else {
      assertThat(d.node().name()).as(d.why()).isEqualTo(expected);
    }
    assertThat(d.heldBackFrom()).isEqualTo(
        heldBack.equals("-") ? Optional.empty() : Optional.of(heldBack));
    assertThat(d.fallbacks()).extracting(Node::name)
        .as("no fallback lacks the update").noneMatch(n -> names(behind).contains(n)
            && !n.equals("gerrit-1"));
  }

  @Property
  void aReadOfAPendingProjectNeverGoesToANodeBehindWhileTheMasterServes(
      @ForAll("keys") String key, @ForAll("subsets") Set<String> behind,
      @ForAll("subsets") Set<String> lagging) {
    RoutingSnapshot s = snapshot(REPLICATED, "UP UP UP");
    Forward d = (Forward) Router.decide(FETCH, key, false, s, new ReplicaFreshness(lagging, behind));
    String n = d.node().name();
    assertThat(n.equals("gerrit-1") || !behind.contains(n)).as(d.why()).isTrue();
    assertThat(d.heldBackFrom().isPresent()).isEqualTo(n.equals("gerrit-1")
        && d.why().startsWith("replication:"));
  }

  @Property
  void withNothingPendingOrLaggingReplicatedReadsSpreadAsSharedOnes(@ForAll("keys") String key,
      @ForAll boolean readFromMaster) {
    RoutingSnapshot replicated = snapshot(REPLICATED, "UP UP UP");
    RoutingSnapshot shared = snapshot(SHARED, "UP UP UP");
    assertThat(Router.decide(FETCH, key, readFromMaster, replicated, ReplicaFreshness.NONE))
        .isEqualTo(Router.decide(FETCH, key, readFromMaster, shared));
  }

  @Property
  void sharedStorageIgnoresWhatIsKnownOfReplicas(@ForAll("keys") String key,
      @ForAll("subsets") Set<String> behind, @ForAll("subsets") Set<String> lagging) {
    RoutingSnapshot shared = snapshot(SHARED, "UP UP UP");
    assertThat(Router.decide(FETCH, key, false, shared, new ReplicaFreshness(lagging, behind)))
        .isEqualTo(Router.decide(FETCH, key, false, shared));
  }

  @Property
  void writesStillGoToTheMasterWhateverLags(@ForAll("keys") String key,
      @ForAll("subsets") Set<String> behind, @ForAll("subsets") Set<String> lagging) {
    RoutingSnapshot s = snapshot(REPLICATED, "UP UP UP");
    Forward d = (Forward) Router.decide(PUSH, key, false, s, new ReplicaFreshness(lagging, behind));
    assertThat(d.node().name()).isEqualTo("gerrit-1");
    assertThat(d.heldBackFrom()).isEmpty();
  }

  @Provide
  Arbitrary<String> keys() {
    return Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(12).map(k -> "user:" + k);
  }

  @Provide
  Arbitrary<Set<String>> subsets() {
    return Arbitraries.of("gerrit-1", "gerrit-2", "gerrit-3").set().ofMaxSize(3)
        .map(s -> {
          s.remove("gerrit-1"); // the master is never behind: it is where updates happen
          return s;
        });
  }
}
