package org.gerritproxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Where reads go when live traffic has cast doubt on nodes, and when no node passes its health
 * check (panic reads); and that neither ever moves a write off the master.
 */
class ReadPoolTest {

  private static final List<Node> NODES = Fixtures.threeNodes();
  private static final RoutingTable TABLE = Fixtures.table(NODES);
  private static final Classification READ = Classification.read("rest", Optional.empty());
  private static final Classification WRITE =
      Classification.write("git-receive-pack", Optional.of("p"));

  /**
   * Each node as {@code STATE}, {@code STATE/out} (out of the read pool after traffic failures)
   * or {@code STATE/answers} (fails its health check but answers HTTP); the master is gerrit-1.
   */
  @ParameterizedTest(name = "{0} {1} {2}: reads may go to [{3}], panic {4}")
  @CsvSource(delimiter = '|', textBlock = """
      # gerrit-1      | gerrit-2      | gerrit-3      | read candidates           | panic
      UP              | UP            | UP            | gerrit-1 gerrit-2 gerrit-3 | false
      UP/out          | UP            | UP            | gerrit-2 gerrit-3          | false
      UP/out          | UP/out        | UP            | gerrit-3                   | false
      UP/out          | UP/out        | UP/out        | gerrit-1 gerrit-2 gerrit-3 | false
      UP/out          | DOWN          | DOWN/answers  | gerrit-1                   | false
      DOWN            | DOWN          | DOWN          | -                          | false
      DOWN/answers    | DOWN          | DOWN          | gerrit-1                   | true
      DOWN/answers    | DOWN/answers  | PARTITIONED   | gerrit-1 gerrit-2          | true
      PARTITIONED/answers | DOWN      | DOWN          | gerrit-1                   | true
      DOWN/answers    | UNKNOWN       | DOWN          | gerrit-2                   | false
      DOWN/answers    | UP            | DOWN          | gerrit-2                   | false
      """)
  void readPool(String n1, String n2, String n3, String expected, boolean panic) {
    RoutingSnapshot s = snapshot(n1, n2, n3);
    Set<String> want = expected.equals("-") ? Set.of() : Set.of(expected.split(" "));

    Set<String> chosen = new HashSet<>();
    for (int i = 0; i < 300; i++) {
      RouteDecision d = Router.decide(READ, "user:u" + i, false, s);
      if (d instanceof RouteDecision.Forward f) {
        chosen.add(f.node().name());
        assertThat(f.why().startsWith("panic read")).as("why: " + f.why()).isEqualTo(panic);
      } else {
        assertThat(((RouteDecision.Refuse) d).reason())
            .isEqualTo(RouteDecision.Refusal.NO_HEALTHY_NODE);
      }
    }

    assertThat(chosen).isEqualTo(want);
    assertThat(Router.panic(s)).isEqualTo(panic);
  }

  @ParameterizedTest(name = "master {0}: the write {1}")
  @CsvSource(delimiter = '|', textBlock = """
      UP/out        | goes to gerrit-1
      UP            | goes to gerrit-1
      DOWN/answers  | is refused
      """)
  void writesKeepTheMasterRules(String master, String expected) {
    RoutingSnapshot s = snapshot(master, "UP", "UP");

    RouteDecision d = Router.decide(WRITE, "user:jdoe", false, s);

    if (expected.startsWith("goes")) {
      assertThat(((RouteDecision.Forward) d).node().name()).isEqualTo("gerrit-1");
    } else {
      assertThat(((RouteDecision.Refuse) d).reason()).isEqualTo(RouteDecision.Refusal.NO_MASTER);
    }
  }

  /** Whatever the traffic evidence, a write goes to the master or nowhere, never elsewhere. */
  @Property
  void writesNeverLeaveTheMaster(@ForAll("nodeHealth") List<String> health) {
    RoutingSnapshot s = snapshot(health.get(0), health.get(1), health.get(2));

    RouteDecision d = Router.decide(WRITE, "user:jdoe", false, s);

    if (d instanceof RouteDecision.Forward f) {
      assertThat(f.node().name()).isEqualTo("gerrit-1");
    }
  }

  /** A node out of the read pool, or failing its check, never gets a read a pool node could take. */
  @Property
  void readsPreferThePool(@ForAll("nodeHealth") List<String> health, @ForAll int user) {
    RoutingSnapshot s = snapshot(health.get(0), health.get(1), health.get(2));
    boolean poolNonEmpty = health.stream().anyMatch(h -> h.equals("UP"));

    RouteDecision d = Router.decide(READ, "user:" + user, false, s);

    if (poolNonEmpty) {
      String chosen = ((RouteDecision.Forward) d).node().name();
      assertThat(health.get(Integer.parseInt(chosen.substring(7)) - 1)).isEqualTo("UP");
    }
  }

  @Provide
  Arbitrary<List<String>> nodeHealth() {
    Arbitrary<String> one = Arbitraries.of("UP", "UP/out", "DOWN", "DOWN/answers", "PARTITIONED",
        "PARTITIONED/answers", "UNKNOWN", "DRAINING", "DISABLED");
    return Combinators.combine(one, one, one).as(List::of);
  }

  private static RoutingSnapshot snapshot(String... perNode) {
    Map<String, NodeState> states = new HashMap<>();
    Set<String> out = new HashSet<>();
    Set<String> answering = new HashSet<>();
    List<Node> nodes = new java.util.ArrayList<>();
    for (int i = 0; i < perNode.length; i++) {
      String[] parts = perNode[i].trim().split("/");
      Node n = NODES.get(i);
      NodeState state = NodeState.valueOf(parts[0]);
      AdminState admin = switch (state) {
        case DRAINING -> AdminState.DRAIN;
        case DISABLED -> AdminState.DISABLED;
        default -> AdminState.ACTIVE;
      };
      nodes.add(Fixtures.node(n.name(), n.priority(), n.weight(), admin));
      states.put(n.name(), state);
      if (Arrays.asList(parts).contains("out")) {
        out.add(n.name());
      }
      if (Arrays.asList(parts).contains("answers")) {
        answering.add(n.name());
      }
    }
    return new RoutingSnapshot(Fixtures.table(nodes), new HealthView(states, out, answering),
        Fixtures.master("gerrit-1", 3));
  }
}
