package org.gerritproxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MasterElectionTest {

  private static final List<Node> NODES = Fixtures.threeNodes(); // priorities 100, 50, 10
  private static final RoutingTable TABLE = Fixtures.table(NODES);
  private static final RoutingTable FAILBACK =
      Fixtures.table(
          NODES,
          RoutingSettings.defaults(),
          new ElectionSettings(ElectionMode.LOCAL, Optional.empty(), true));
  private static final HealthView ALL_UP = Fixtures.allIn(NODES, NodeState.UP);
  private static final WriteMaster NONE = WriteMaster.none("not elected yet");

  private static WriteMaster master(String name, long epoch) {
    return Fixtures.master(name, epoch);
  }

  @Test
  void startElectsTheHighestPriorityUpNode() {
    WriteMaster m = MasterElection.next(NONE, TABLE, ALL_UP);

    assertThat(m.node()).contains("gerrit-1");
    assertThat(m.epoch()).isEqualTo(1);
    assertThat(m.reason()).isEqualTo("gerrit-1 has the highest priority among UP nodes");
  }

  @Test
  void priorityComesBeforeConfigurationOrder() {
    List<Node> nodes = List.of(Fixtures.node("low", 1), Fixtures.node("high", 9), Fixtures.node("mid", 5));
    WriteMaster m = MasterElection.next(NONE, Fixtures.table(nodes), Fixtures.allIn(nodes, NodeState.UP));

    assertThat(m.node()).contains("high");
  }

  @Test
  void equalPrioritiesGoToConfigurationOrderNotName() {
    List<Node> nodes = List.of(Fixtures.node("zeta", 5), Fixtures.node("alpha", 5));
    WriteMaster m = MasterElection.next(NONE, Fixtures.table(nodes), Fixtures.allIn(nodes, NodeState.UP));

    assertThat(m.node()).contains("zeta");
  }

  @ParameterizedTest
  @EnumSource(value = NodeState.class, names = {"DOWN", "PARTITIONED", "UNKNOWN", "DRAINING", "DISABLED"})
  void onlyUpNodesAreElected(NodeState state) {
    WriteMaster m = MasterElection.next(NONE, TABLE, ALL_UP.with("gerrit-1", state));

    assertThat(m.node()).contains("gerrit-2");
  }

  @Test
  void onlyActiveNodesAreElectedEvenIfUp() {
    List<Node> nodes =
        List.of(Fixtures.node("gerrit-1", 100, 1, AdminState.DRAIN), Fixtures.node("gerrit-2", 50));
    WriteMaster m = MasterElection.next(NONE, Fixtures.table(nodes), Fixtures.allIn(nodes, NodeState.UP));

    assertThat(m.node()).contains("gerrit-2");
  }

  @Test
  void noEligibleNodeAtStartLeavesNoMasterUnchanged() {
    WriteMaster m = MasterElection.next(NONE, TABLE, Fixtures.allIn(NODES, NodeState.DOWN));

    assertThat(m).isSameAs(NONE);
  }

  @Test
  void anUpMasterStaysAndNothingChanges() {
    WriteMaster current = master("gerrit-2", 7);

    assertThat(MasterElection.next(current, TABLE, ALL_UP)).isSameAs(current);
  }

  @Test
  void noFailbackUnlessConfigured() {
    WriteMaster current = master("gerrit-2", 7);

    assertThat(MasterElection.next(current, TABLE, ALL_UP)).isSameAs(current);
  }

  @Test
  void failbackWhenConfiguredHandsTheMasterToTheHigherPriorityNode() {
    WriteMaster m = MasterElection.next(master("gerrit-2", 7), FAILBACK, ALL_UP);

    assertThat(m.node()).contains("gerrit-1");
    assertThat(m.epoch()).isEqualTo(8);
    assertThat(m.reason()).contains("failback").contains("gerrit-1").contains("gerrit-2");
  }

  @Test
  void failbackNeedsStrictlyHigherPriority() {
    List<Node> nodes = List.of(Fixtures.node("a", 5), Fixtures.node("b", 5));
    RoutingTable t =
        Fixtures.table(nodes, RoutingSettings.defaults(), new ElectionSettings(ElectionMode.LOCAL, Optional.empty(), true));
    WriteMaster current = master("b", 2);

    assertThat(MasterElection.next(current, t, Fixtures.allIn(nodes, NodeState.UP))).isSameAs(current);
  }

  @Test
  void failbackIgnoresHigherPriorityNodesThatAreNotUp() {
    WriteMaster current = master("gerrit-2", 7);

    assertThat(MasterElection.next(current, FAILBACK, ALL_UP.with("gerrit-1", NodeState.UNKNOWN)))
        .isSameAs(current);
  }

  @ParameterizedTest
  @EnumSource(value = NodeState.class, names = {"PARTITIONED", "UNKNOWN"})
  void failbackNeverMovesAMasterWhoseStateIsInDoubt(NodeState state) {
    WriteMaster current = master("gerrit-2", 7);

    assertThat(MasterElection.next(current, FAILBACK, ALL_UP.with("gerrit-2", state))).isSameAs(current);
  }

  @ParameterizedTest
  @EnumSource(value = NodeState.class, names = {"PARTITIONED", "UNKNOWN"})
  void aMasterThatMayStillLiveIsKept(NodeState state) {
    WriteMaster current = master("gerrit-1", 3);

    assertThat(MasterElection.next(current, TABLE, ALL_UP.with("gerrit-1", state))).isSameAs(current);
  }

  @Test
  void aDownMasterIsReplacedByTheHighestPriorityUpNode() {
    WriteMaster m = MasterElection.next(master("gerrit-1", 3), TABLE, ALL_UP.with("gerrit-1", NodeState.DOWN));

    assertThat(m.node()).contains("gerrit-2");
    assertThat(m.epoch()).isEqualTo(4);
    assertThat(m.reason()).isEqualTo("gerrit-1 is DOWN; gerrit-2 has the highest priority among UP nodes");
  }

  @Test
  void aDisabledMasterIsReplaced() {
    WriteMaster byHealth =
        MasterElection.next(master("gerrit-1", 3), TABLE, ALL_UP.with("gerrit-1", NodeState.DISABLED));
    List<Node> nodes =
        List.of(Fixtures.node("gerrit-1", 100, 1, AdminState.DISABLED), Fixtures.node("gerrit-2", 50));
    WriteMaster byConfig =
        MasterElection.next(master("gerrit-1", 3), Fixtures.table(nodes), Fixtures.allIn(nodes, NodeState.UP));

    assertThat(byHealth.node()).contains("gerrit-2");
    assertThat(byConfig.node()).contains("gerrit-2");
    assertThat(byConfig.reason()).startsWith("gerrit-1 is DISABLED");
  }

  @Test
  void aDrainingMasterHandsOverWhenAnotherNodeCanTakeIt() {
    WriteMaster m =
        MasterElection.next(master("gerrit-1", 3), TABLE, ALL_UP.with("gerrit-1", NodeState.DRAINING));

    assertThat(m.node()).contains("gerrit-2");
    assertThat(m.reason()).startsWith("gerrit-1 is DRAINING");
  }

  @Test
  void aDrainingMasterStaysWhenNoOtherNodeCanTakeIt() {
    HealthView h =
        Fixtures.allIn(NODES, NodeState.DOWN).with("gerrit-1", NodeState.DRAINING);
    WriteMaster current = master("gerrit-1", 3);

    assertThat(MasterElection.next(current, TABLE, h)).isSameAs(current);
  }

  @Test
  void aMasterDrainedInConfigurationHandsOverEvenWhileHealthSaysUp() {
    List<Node> nodes =
        List.of(Fixtures.node("gerrit-1", 100, 1, AdminState.DRAIN), Fixtures.node("gerrit-2", 50));
    WriteMaster m =
        MasterElection.next(master("gerrit-1", 3), Fixtures.table(nodes), Fixtures.allIn(nodes, NodeState.UP));

    assertThat(m.node()).contains("gerrit-2");
  }

  @Test
  void aMasterRemovedFromTheConfigurationIsReplaced() {
    WriteMaster m = MasterElection.next(master("gerrit-9", 3), TABLE, ALL_UP);

    assertThat(m.node()).contains("gerrit-1");
    assertThat(m.epoch()).isEqualTo(4);
    assertThat(m.reason()).startsWith("gerrit-9 is no longer configured");
  }

  @Test
  void aDownMasterWithNobodyToTakeOverLeavesNoMasterAndTheEpochMoves() {
    WriteMaster m = MasterElection.next(master("gerrit-1", 3), TABLE, Fixtures.allIn(NODES, NodeState.DOWN));

    assertThat(m.node()).isEmpty();
    assertThat(m.epoch()).isEqualTo(4);
    assertThat(m.reason()).contains("gerrit-1 is DOWN").contains("no other node is UP");
  }

  @Test
  void fromNoMasterToAMasterTheEpochMovesAgain() {
    WriteMaster none = new WriteMaster(Optional.empty(), 4, "gerrit-1 is DOWN");

    WriteMaster m = MasterElection.next(none, TABLE, ALL_UP.with("gerrit-1", NodeState.DOWN));

    assertThat(m.node()).contains("gerrit-2");
    assertThat(m.epoch()).isEqualTo(5);
  }

  @Test
  void aMasterReturningFromDeathDoesNotTakeBackWithoutFailback() {
    WriteMaster m1 = MasterElection.next(NONE, TABLE, ALL_UP);
    WriteMaster m2 = MasterElection.next(m1, TABLE, ALL_UP.with("gerrit-1", NodeState.DOWN));
    WriteMaster m3 = MasterElection.next(m2, TABLE, ALL_UP);

    assertThat(m2.node()).contains("gerrit-2");
    assertThat(m3).isSameAs(m2);
    assertThat(m3.epoch()).isEqualTo(2);
  }

  @Test
  void zookeeperModeUsesTheSamePolicy() {
    RoutingTable zk =
        Fixtures.table(NODES, RoutingSettings.defaults(), new ElectionSettings(ElectionMode.ZOOKEEPER, Optional.empty(), false));
    HealthView h = ALL_UP.with("gerrit-1", NodeState.PARTITIONED);
    WriteMaster current = master("gerrit-1", 3);

    assertThat(MasterElection.next(current, zk, h)).isSameAs(current);
    assertThat(MasterElection.next(current, zk, ALL_UP.with("gerrit-1", NodeState.DOWN)).node()).contains("gerrit-2");
  }

  private static RoutingTable staticTable(String master) {
    return Fixtures.table(
        NODES, RoutingSettings.defaults(), new ElectionSettings(ElectionMode.STATIC, Optional.of(master), false));
  }

  @ParameterizedTest
  @EnumSource(NodeState.class)
  void staticModeNamesTheConfiguredMasterWhateverItsHealth(NodeState state) {
    WriteMaster m = MasterElection.next(NONE, staticTable("gerrit-3"), ALL_UP.with("gerrit-3", state));

    assertThat(m.node()).contains("gerrit-3");
    assertThat(m.epoch()).isEqualTo(1);
    assertThat(m.reason()).contains("static").contains("gerrit-3");
  }

  @Test
  void staticModeKeepsTheMasterAndEpochUntilTheConfigurationChanges() {
    WriteMaster m1 = MasterElection.next(NONE, staticTable("gerrit-3"), ALL_UP);
    WriteMaster m2 = MasterElection.next(m1, staticTable("gerrit-3"), Fixtures.allIn(NODES, NodeState.DOWN));
    WriteMaster m3 = MasterElection.next(m2, staticTable("gerrit-2"), ALL_UP);

    assertThat(m2).isSameAs(m1);
    assertThat(m3.node()).contains("gerrit-2");
    assertThat(m3.epoch()).isEqualTo(2);
  }

  @Test
  void staticModeIgnoresFailback() {
    RoutingTable t =
        Fixtures.table(NODES, RoutingSettings.defaults(), new ElectionSettings(ElectionMode.STATIC, Optional.of("gerrit-3"), true));
    WriteMaster m = MasterElection.next(master("gerrit-3", 5), t, ALL_UP);

    assertThat(m.node()).contains("gerrit-3");
    assertThat(m.epoch()).isEqualTo(5);
  }

  /**
   * A seeded random walk through health views and configuration changes, checking the guarantees
   * at every step rather than a few hand-picked ones.
   */
  @Test
  void electionGuaranteesHoldOverARandomWalk() {
    NodeState[] states = NodeState.values();
    AdminState[] admins = AdminState.values();
    for (long seed = 1; seed <= 50; seed++) {
      Random random = new Random(seed);
      boolean failback = random.nextBoolean();
      WriteMaster current = NONE;
      for (int step = 0; step < 400; step++) {
        List<Node> nodes = new java.util.ArrayList<>();
        Map<String, NodeState> health = new HashMap<>();
        int count = 1 + random.nextInt(4);
        for (int i = 0; i < count; i++) {
          AdminState admin = random.nextInt(5) == 0 ? admins[random.nextInt(admins.length)] : AdminState.ACTIVE;
          Node n = Fixtures.node("n" + i, random.nextInt(3), 1, admin);
          nodes.add(n);
          health.put(n.name(), random.nextInt(3) == 0 ? states[random.nextInt(states.length)] : NodeState.UP);
        }
        RoutingTable t =
            Fixtures.table(nodes, RoutingSettings.defaults(), new ElectionSettings(ElectionMode.LOCAL, Optional.empty(), failback));
        HealthView h = new HealthView(health);

        WriteMaster next = MasterElection.next(current, t, h);

        boolean changed = !next.node().equals(current.node());
        assertThat(next.epoch()).as("seed %d step %d", seed, step).isEqualTo(current.epoch() + (changed ? 1 : 0));
        if (!changed) {
          assertThat(next).isEqualTo(current);
        }
        if (changed && next.node().isPresent()) {
          Node chosen = t.node(next.node().get()).orElseThrow();
          assertThat(MasterElection.isEligible(chosen, h)).isTrue();
          assertThat(chosen.priority())
              .isEqualTo(nodes.stream().filter(n -> MasterElection.isEligible(n, h)).mapToInt(Node::priority).max().orElseThrow());
        }
        if (current.node().isPresent() && t.node(current.node().get()).isPresent()) {
          Node old = t.node(current.node().get()).get();
          NodeState s = h.stateOf(old.name());
          if (old.adminState() == AdminState.ACTIVE && (s == NodeState.PARTITIONED || s == NodeState.UNKNOWN)) {
            assertThat(next).as("seed %d step %d: master in doubt is kept", seed, step).isSameAs(current);
          }
          if (!failback && MasterElection.isEligible(old, h)) {
            assertThat(next).as("seed %d step %d: eligible master is kept", seed, step).isSameAs(current);
          }
        }
        if (next.node().isEmpty()) {
          assertThat(nodes.stream().anyMatch(n -> MasterElection.isEligible(n, h)))
              .as("seed %d step %d: no master only when nobody is eligible", seed, step)
              .isFalse();
        }
        current = next;
      }
    }
  }
}
