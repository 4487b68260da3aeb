package org.gerritproxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.gerritproxy.routing.RouteDecision.Forward;
import org.gerritproxy.routing.RouteDecision.Refusal;
import org.gerritproxy.routing.RouteDecision.Refuse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RouterTest {

  private static final List<Node> NODES = Fixtures.threeNodes();
  private static final RoutingTable TABLE = Fixtures.table(NODES);
  private static final RoutingTable WRITES_ANY =
      Fixtures.table(
          NODES, new RoutingSettings(WritesMode.ANY, Duration.ofSeconds(10)), ElectionSettings.local());

  private static final Classification READ = Classification.read("rest", Optional.empty());
  private static final Classification FETCH = Classification.read("git-upload-pack", Optional.of("p"));
  private static final Classification WRITE = Classification.write("git-receive-pack", Optional.of("p"));
  private static final Classification SUBMIT = Classification.submit("submit", Optional.empty());
  private static final Classification STREAM =
      Classification.masterRead("gerrit stream-events", Optional.empty());

  private static RoutingSnapshot allUp(RoutingTable table) {
    return new RoutingSnapshot(table, Fixtures.allIn(NODES, NodeState.UP), Fixtures.master("gerrit-1", 3));
  }

  private static Forward forward(RouteDecision d) {
    assertThat(d).isInstanceOf(Forward.class);
    return (Forward) d;
  }

  private static Refuse refuse(RouteDecision d, Refusal reason) {
    assertThat(d).isInstanceOf(Refuse.class);
    Refuse r = (Refuse) d;
    assertThat(r.reason()).isEqualTo(reason);
    return r;
  }

  /** A session key whose sticky node, with every node UP, is not {@code avoid}. */
  private static String keyStickyElsewhere(RoutingSnapshot s, String avoid) {
    for (int i = 0; ; i++) {
      String key = "user:u" + i;
      if (!forward(Router.decide(READ, key, false, s)).node().name().equals(avoid)) {
        return key;
      }
    }
  }

  @Test
  void writesGoToMasterEvenWhenStickyNodeDiffers() {
    RoutingSnapshot s = allUp(TABLE);
    String key = keyStickyElsewhere(s, "gerrit-1");

    Forward f = forward(Router.decide(WRITE, key, false, s));

    assertThat(f.node().name()).isEqualTo("gerrit-1");
    assertThat(f.fallbacks()).isEmpty();
    assertThat(f.why()).isEqualTo("write master gerrit-1 (epoch 3)");
  }

  @Test
  void submitsArePinnedToMasterEvenWithWritesAny() {
    RoutingSnapshot s = allUp(WRITES_ANY);
    String key = keyStickyElsewhere(s, "gerrit-1");

    Forward f = forward(Router.decide(SUBMIT, key, false, s));

    assertThat(f.node().name()).isEqualTo("gerrit-1");
    assertThat(f.fallbacks()).isEmpty();
  }

  @Test
  void withWritesAnyOtherWritesFollowTheSessionWithoutFallbacks() {
    RoutingSnapshot s = allUp(WRITES_ANY);
    String key = keyStickyElsewhere(s, "gerrit-1");

    Forward read = forward(Router.decide(READ, key, false, s));
    Forward write = forward(Router.decide(WRITE, key, false, s));

    assertThat(write.node()).isEqualTo(read.node());
    assertThat(write.fallbacks()).isEmpty();
    assertThat(write.why()).contains("sticky write");
  }

  @Test
  void streamEventsGoToTheMasterSinceEventsHappenWhereWritesHappen() {
    RoutingSnapshot s = allUp(WRITES_ANY);
    String key = keyStickyElsewhere(s, "gerrit-1");

    Forward f = forward(Router.decide(STREAM, key, false, s));

    assertThat(f.node().name()).isEqualTo("gerrit-1");
    assertThat(f.fallbacks()).isEmpty();
  }

  @Test
  void classifiedRequestsRouteEndToEnd() {
    RoutingSnapshot s = allUp(TABLE);
    String key = keyStickyElsewhere(s, "gerrit-1");

    assertThat(forward(Router.decide(SshCommandClassifier.classify("gerrit stream-events"), key, false, s)).node().name())
        .isEqualTo("gerrit-1");
    assertThat(forward(Router.decide(SshCommandClassifier.classify("git-receive-pack '/p'"), key, false, s)).node().name())
        .isEqualTo("gerrit-1");
    assertThat(forward(Router.decide(HttpRequestClassifier.classify("POST", "/a/changes/1/submit"), key, false, s)).node().name())
        .isEqualTo("gerrit-1");
    assertThat(forward(Router.decide(HttpRequestClassifier.classify("POST", "/p/git-upload-pack"), key, false, s)).node().name())
        .isNotEqualTo("gerrit-1");
  }

  @Test
  void readsAreStickyPerSession() {
    RoutingSnapshot s = allUp(TABLE);
    for (int i = 0; i < 200; i++) {
      String key = "cookie:" + i;
      Node first = forward(Router.decide(READ, key, false, s)).node();
      assertThat(forward(Router.decide(FETCH, key, false, s)).node()).isEqualTo(first);
      assertThat(forward(Router.decide(READ, key, false, s)).node()).isEqualTo(first);
    }
  }

  @Test
  void readsSpreadOverAllHealthyNodes() {
    RoutingSnapshot s = allUp(TABLE);
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 3000; i++) {
      counts.merge(forward(Router.decide(READ, "user:u" + i, false, s)).node().name(), 1, Integer::sum);
    }
    assertThat(counts).containsOnlyKeys("gerrit-1", "gerrit-2", "gerrit-3");
    assertThat(counts.values()).allSatisfy(c -> assertThat(c).isBetween(900, 1100));
  }

  @Test
  void readFromMasterSendsTheSessionsReadsToTheMaster() {
    RoutingSnapshot s = allUp(TABLE);
    String key = keyStickyElsewhere(s, "gerrit-1");

    Forward f = forward(Router.decide(READ, key, true, s));

    assertThat(f.node().name()).isEqualTo("gerrit-1");
    assertThat(f.fallbacks()).isEmpty();
    assertThat(f.why()).startsWith("read-your-writes").contains("gerrit-1");
  }

  @ParameterizedTest
  @EnumSource(value = NodeState.class, names = {"PARTITIONED", "DOWN", "DISABLED"})
  void readFromMasterFallsBackToAStickyReadWhenTheMasterCannotServe(NodeState masterState) {
    RoutingSnapshot s = allUp(TABLE);
    s = s.withHealth(s.health().with("gerrit-1", masterState));
    String key = keyStickyElsewhere(allUp(TABLE), "gerrit-1");

    Forward f = forward(Router.decide(READ, key, true, s));

    assertThat(f).isEqualTo(Router.decide(READ, key, false, s));
    assertThat(f.node().name()).isNotEqualTo("gerrit-1");
  }

  @Test
  void readFromMasterFallsBackToAStickyReadWhenThereIsNoMaster() {
    RoutingSnapshot s = allUp(TABLE).withMaster(WriteMaster.none("no node is UP yet"));

    assertThat(Router.decide(READ, "user:jdoe", true, s)).isInstanceOf(Forward.class);
  }

  @Test
  void readFromMasterDoesNotAffectWrites() {
    RoutingSnapshot s = allUp(WRITES_ANY);
    String key = keyStickyElsewhere(s, "gerrit-1");

    assertThat(Router.decide(WRITE, key, true, s)).isEqualTo(Router.decide(WRITE, key, false, s));
  }

  @Test
  void refusedRequestsAreForbiddenWithTheClassifiersSentence() {
    Classification c = SshCommandClassifier.classify("suexec --as x -- gerrit version");

    Refuse r = refuse(Router.decide(c, null, false, allUp(TABLE)), Refusal.FORBIDDEN);

    assertThat(r.message()).isEqualTo(c.refusal().orElseThrow());
  }

  @Test
  void withoutAMasterWritesAreRefusedWithAdvice() {
    RoutingSnapshot s = allUp(TABLE).withMaster(WriteMaster.none("every node is DOWN"));

    for (Classification c : List.of(WRITE, SUBMIT, STREAM)) {
      Refuse r = refuse(Router.decide(c, "user:jdoe", false, s), Refusal.NO_MASTER);
      assertThat(r.message())
          .contains("no write master")
          .contains("refused until one is elected")
          .contains("retry")
          .contains("every node is DOWN");
    }
  }

  @Test
  void aPartitionedMasterRefusesWritesNamingTheMasterAndTheSplit() {
    RoutingSnapshot s = allUp(TABLE);
    s = s.withHealth(s.health().with("gerrit-1", NodeState.PARTITIONED));

    Refuse r = refuse(Router.decide(WRITE, "user:jdoe", false, s), Refusal.MASTER_UNREACHABLE);

    assertThat(r.message())
        .contains("gerrit-1")
        .contains("alive")
        .contains("cannot reach it")
        .contains("resume when the partition heals");
  }

  @ParameterizedTest
  @EnumSource(value = NodeState.class, names = {"DOWN", "DISABLED"})
  void aDeadOrDisabledMasterRefusesWritesAsNoMaster(NodeState state) {
    RoutingSnapshot s = allUp(TABLE);
    s = s.withHealth(s.health().with("gerrit-1", state));

    Refuse r = refuse(Router.decide(WRITE, "user:jdoe", false, s), Refusal.NO_MASTER);

    assertThat(r.message()).contains("gerrit-1").contains("retry");
    if (state == NodeState.DOWN) {
      assertThat(r.message()).contains("does not answer this proxy")
          .contains("until it answers again or another master is elected");
    }
  }

  @Test
  void aMasterDisabledInConfigurationRefusesWritesEvenBeforeHealthCatchesUp() {
    List<Node> nodes =
        List.of(
            Fixtures.node("gerrit-1", 100, 1, AdminState.DISABLED),
            Fixtures.node("gerrit-2", 50),
            Fixtures.node("gerrit-3", 10));
    RoutingSnapshot s =
        new RoutingSnapshot(Fixtures.table(nodes), Fixtures.allIn(nodes, NodeState.UP), Fixtures.master("gerrit-1", 3));

    refuse(Router.decide(WRITE, "user:jdoe", false, s), Refusal.NO_MASTER);
  }

  @Test
  void aMasterNoLongerConfiguredRefusesWritesAsNoMaster() {
    RoutingSnapshot s = allUp(TABLE).withMaster(Fixtures.master("gerrit-9", 4));

    Refuse r = refuse(Router.decide(WRITE, "user:jdoe", false, s), Refusal.NO_MASTER);

    assertThat(r.message()).contains("gerrit-9");
  }

  @ParameterizedTest
  @EnumSource(value = NodeState.class, names = {"UP", "UNKNOWN", "DRAINING"})
  void aMasterThatMayServeGetsTheWrites(NodeState state) {
    RoutingSnapshot s = allUp(TABLE);
    s = s.withHealth(s.health().with("gerrit-1", state));

    Forward f = forward(Router.decide(WRITE, "user:jdoe", false, s));

    assertThat(f.node().name()).isEqualTo("gerrit-1");
    assertThat(f.fallbacks()).isEmpty();
  }

  @Test
  void noHealthyNodeRefusesReads() {
    RoutingSnapshot s =
        new RoutingSnapshot(TABLE, Fixtures.allIn(NODES, NodeState.DOWN), Fixtures.master("gerrit-1", 3));

    Refuse r = refuse(Router.decide(READ, "user:jdoe", false, s), Refusal.NO_HEALTHY_NODE);

    assertThat(r.message()).contains("No Gerrit node").contains("Retry");
  }

  @Test
  void noHealthyNodeRefusesStickyWritesToo() {
    RoutingSnapshot s =
        new RoutingSnapshot(WRITES_ANY, Fixtures.allIn(NODES, NodeState.PARTITIONED), WriteMaster.none("x"));

    refuse(Router.decide(WRITE, "user:jdoe", false, s), Refusal.NO_HEALTHY_NODE);
  }

  @Test
  void stickyReadFallbacksAreTheOtherHealthyNodesInRankOrder() {
    RoutingSnapshot s = allUp(TABLE);
    s = s.withHealth(s.health().with("gerrit-3", NodeState.DOWN));
    for (int i = 0; i < 200; i++) {
      String key = "user:u" + i;
      Forward f = forward(Router.decide(READ, key, false, s));

      assertThat(f.fallbacks()).doesNotContain(f.node()).hasSize(1);
      List<Node> all = new ArrayList<>(List.of(f.node()));
      all.addAll(f.fallbacks());
      assertThat(all).extracting(Node::name).containsExactlyInAnyOrder("gerrit-1", "gerrit-2");
      assertThat(all).isEqualTo(Rendezvous.rank(key, List.of(NODES.get(0), NODES.get(1))));
    }
  }

  @Test
  void mastersRoutesNeverCarryFallbacks() {
    RoutingSnapshot s = allUp(TABLE);
    for (Classification c : List.of(WRITE, SUBMIT, STREAM)) {
      assertThat(forward(Router.decide(c, "user:x", false, s)).fallbacks()).isEmpty();
    }
    assertThat(forward(Router.decide(READ, "user:x", true, s)).fallbacks()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(value = NodeState.class, names = {"DRAINING", "DISABLED", "DOWN", "PARTITIONED", "UNKNOWN"})
  void aNodeThatIsNotUpReceivesNoReads(NodeState state) {
    RoutingSnapshot s = allUp(TABLE);
    s = s.withHealth(s.health().with("gerrit-2", state));
    for (int i = 0; i < 3000; i++) {
      Forward f = forward(Router.decide(READ, "user:u" + i, false, s));
      assertThat(f.node().name()).isNotEqualTo("gerrit-2");
      assertThat(f.fallbacks()).extracting(Node::name).doesNotContain("gerrit-2");
    }
  }

  @Test
  void aDrainingNodeReceivesNoNewKeysAndOnlyItsKeysMove() {
    RoutingSnapshot up = allUp(TABLE);
    RoutingSnapshot draining = up.withHealth(up.health().with("gerrit-2", NodeState.DRAINING));
    for (int i = 0; i < 5000; i++) {
      String key = "user:u" + i;
      String before = forward(Router.decide(READ, key, false, up)).node().name();
      String after = forward(Router.decide(READ, key, false, draining)).node().name();

      assertThat(after).isNotEqualTo("gerrit-2");
      if (!before.equals("gerrit-2")) {
        assertThat(after).isEqualTo(before);
      }
    }
  }

  @Test
  void aNodeDrainedInConfigurationIsSkippedEvenWhileHealthStillSaysUp() {
    List<Node> nodes =
        List.of(Fixtures.node("gerrit-1", 100), Fixtures.node("gerrit-2", 50, 1, AdminState.DRAIN));
    RoutingSnapshot s =
        new RoutingSnapshot(Fixtures.table(nodes), Fixtures.allIn(nodes, NodeState.UP), Fixtures.master("gerrit-1", 1));
    for (int i = 0; i < 500; i++) {
      assertThat(forward(Router.decide(READ, "user:u" + i, false, s)).node().name()).isEqualTo("gerrit-1");
    }
  }

  @Test
  void beforeTheFirstProbeReadsGoToActiveNodesInUnknownState() {
    List<Node> nodes =
        List.of(Fixtures.node("gerrit-1", 100), Fixtures.node("gerrit-2", 50, 1, AdminState.DRAIN), Fixtures.node("gerrit-3", 10));
    RoutingSnapshot s = new RoutingSnapshot(Fixtures.table(nodes), HealthView.empty(), WriteMaster.none("starting"));
    for (int i = 0; i < 500; i++) {
      Forward f = forward(Router.decide(READ, "user:u" + i, false, s));
      assertThat(f.node().name()).isIn("gerrit-1", "gerrit-3");
      assertThat(f.why()).contains("no node probed yet");
    }
  }

  @Test
  void upNodesAreUsedBeforeUnknownOnes() {
    RoutingSnapshot s =
        new RoutingSnapshot(TABLE, HealthView.empty().with("gerrit-3", NodeState.UP), WriteMaster.none("x"));
    for (int i = 0; i < 500; i++) {
      Forward f = forward(Router.decide(READ, "user:u" + i, false, s));
      assertThat(f.node().name()).isEqualTo("gerrit-3");
      assertThat(f.fallbacks()).isEmpty();
    }
  }

  @Test
  void stickyReadExplainsItself() {
    assertThat(forward(Router.decide(READ, "user:jdoe", false, allUp(TABLE))).why()).isEqualTo("sticky read");
  }

  @Test
  void aMissingSessionKeyStillRoutes() {
    assertThat(Router.decide(READ, null, false, allUp(TABLE)))
        .isEqualTo(Router.decide(READ, "", false, allUp(TABLE)));
  }

  @Test
  void aNodeFailureMovesOnlyThatNodesSessions() {
    RoutingSnapshot up = allUp(TABLE);
    RoutingSnapshot oneDown = up.withHealth(up.health().with("gerrit-3", NodeState.DOWN));
    int moved = 0;
    for (int i = 0; i < 3000; i++) {
      String key = "cookie:" + i;
      String before = forward(Router.decide(READ, key, false, up)).node().name();
      String after = forward(Router.decide(READ, key, false, oneDown)).node().name();
      if (!before.equals(after)) {
        assertThat(before).isEqualTo("gerrit-3");
        moved++;
      }
    }
    assertThat(moved).isBetween(900, 1100);
  }
}
