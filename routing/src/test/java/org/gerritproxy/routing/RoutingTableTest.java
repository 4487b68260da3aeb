package org.gerritproxy.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RoutingTableTest {

  @Test
  void keepsNodesInConfigurationOrderAndFindsThemByName() {
    RoutingTable t = Fixtures.table(Fixtures.threeNodes());

    assertThat(t.nodes()).extracting(Node::name).containsExactly("gerrit-1", "gerrit-2", "gerrit-3");
    assertThat(t.node("gerrit-2")).contains(Fixtures.threeNodes().get(1));
    assertThat(t.node("gerrit-9")).isEmpty();
    assertThat(t.node(null)).isEmpty();
  }

  @Test
  void settingsDefaultToMasterWritesAndLocalElection() {
    RoutingTable t = RoutingTable.builder().addNode(Fixtures.node("gerrit-1", 1)).build();

    assertThat(t.routing()).isEqualTo(RoutingSettings.defaults());
    assertThat(t.election()).isEqualTo(ElectionSettings.local());
  }

  @Test
  void keepsTheSettingsItWasGiven() {
    RoutingSettings r = new RoutingSettings(WritesMode.ANY, Duration.ZERO);
    ElectionSettings e = new ElectionSettings(ElectionMode.STATIC, Optional.of("gerrit-2"), true);

    RoutingTable t = Fixtures.table(Fixtures.threeNodes(), r, e);

    assertThat(t.routing()).isSameAs(r);
    assertThat(t.election()).isSameAs(e);
  }

  @Test
  void isImmutable() {
    RoutingTable.Builder b = RoutingTable.builder().addNode(Fixtures.node("gerrit-1", 1));
    RoutingTable t = b.build();
    b.addNode(Fixtures.node("gerrit-2", 1));

    assertThat(t.nodes()).hasSize(1);
    assertThatThrownBy(() -> t.nodes().add(Fixtures.node("x", 1)))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void equalTablesAreEqual() {
    assertThat(Fixtures.table(Fixtures.threeNodes())).isEqualTo(Fixtures.table(Fixtures.threeNodes()))
        .hasSameHashCodeAs(Fixtures.table(Fixtures.threeNodes()));
    assertThat(Fixtures.table(Fixtures.threeNodes()))
        .isNotEqualTo(Fixtures.table(Fixtures.threeNodes().subList(0, 2)));
  }

  @Test
  void refusesATableWithoutNodes() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> RoutingTable.builder().build())
        .withMessage("No node is configured: add at least one [node \"NAME\"] section.");
  }

  @Test
  void refusesDuplicateNodeNames() {
    assertThatIllegalArgumentException()
        .isThrownBy(
            () ->
                RoutingTable.builder()
                    .addNode(Fixtures.node("gerrit-1", 1))
                    .addNode(Fixtures.node("gerrit-1", 2))
                    .build())
        .withMessage("Node gerrit-1 is configured 2 times: give each node a unique name.");
  }

  @Test
  void refusesNodesWhoseHttpIsNotAnHttpUrl() {
    Node ftp = new Node("gerrit-1", URI.create("ftp://h/"), new Endpoint("h", 29418), 1, 1, AdminState.ACTIVE);
    Node relative = new Node("gerrit-2", URI.create("/gerrit"), new Endpoint("h", 29418), 1, 1, AdminState.ACTIVE);

    assertThat(RoutingTable.builder().addNode(ftp).addNode(relative).problems())
        .containsExactly(
            "Node gerrit-1: http = ftp://h/ is not an http:// or https:// URL with a host.",
            "Node gerrit-2: http = /gerrit is not an http:// or https:// URL with a host.");
  }

  @Test
  void acceptsHttpsAndPathPrefixes() {
    Node n = new Node("gerrit-1", URI.create("HTTPS://h:8443/r"), new Endpoint("h", 29418), 1, 1, AdminState.ACTIVE);

    assertThat(RoutingTable.builder().addNode(n).problems()).isEmpty();
  }

  private static RoutingTable.Builder threeWith(ElectionSettings e) {
    RoutingTable.Builder b = RoutingTable.builder().election(e);
    Fixtures.threeNodes().forEach(b::addNode);
    return b;
  }

  @Test
  void staticModeNeedsAMaster() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> threeWith(new ElectionSettings(ElectionMode.STATIC, Optional.empty(), false)).build())
        .withMessage("election.mode = static needs election.master to name the node that takes writes.");
    assertThat(threeWith(new ElectionSettings(ElectionMode.STATIC, Optional.of(" "), false)).problems())
        .hasSize(1);
  }

  @Test
  void staticMasterMustNameAConfiguredNode() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> threeWith(new ElectionSettings(ElectionMode.STATIC, Optional.of("gerrit-9"), false)).build())
        .withMessage(
            "election.master = gerrit-9 names no configured node: use one of [gerrit-1, gerrit-2, gerrit-3].");
  }

  @Test
  void staticMasterMustNotBeDisabled() {
    RoutingTable.Builder b =
        RoutingTable.builder()
            .election(new ElectionSettings(ElectionMode.STATIC, Optional.of("gerrit-1"), false))
            .addNode(Fixtures.node("gerrit-1", 1, 1, AdminState.DISABLED));

    assertThat(b.problems()).containsExactly("election.master = gerrit-1 names a disabled node: enable it or name another master.");
  }

  @Test
  void staticMasterMayBeDraining() {
    RoutingTable.Builder b =
        RoutingTable.builder()
            .election(new ElectionSettings(ElectionMode.STATIC, Optional.of("gerrit-1"), false))
            .addNode(Fixtures.node("gerrit-1", 1, 1, AdminState.DRAIN));

    assertThat(b.problems()).isEmpty();
  }

  @Test
  void aMasterNamedOutsideStaticModeIsIgnored() {
    assertThat(threeWith(new ElectionSettings(ElectionMode.LOCAL, Optional.of("gerrit-9"), false)).problems())
        .isEmpty();
  }

  @Test
  void listsEveryProblemOneSentencePerLine() {
    Node ftp = new Node("a", URI.create("ftp://h/"), new Endpoint("h", 1), 1, 1, AdminState.ACTIVE);
    RoutingTable.Builder b =
        RoutingTable.builder()
            .election(new ElectionSettings(ElectionMode.STATIC, Optional.of("zz"), false))
            .addNode(ftp)
            .addNode(Fixtures.node("b", 1))
            .addNode(Fixtures.node("b", 1));

    List<String> problems = b.problems();

    assertThat(problems).hasSize(3).allSatisfy(p -> assertThat(p).endsWith("."));
    assertThatIllegalArgumentException().isThrownBy(b::build).withMessage(String.join("\n", problems));
  }

  @Test
  void aValidTableHasNoProblems() {
    assertThat(threeWith(ElectionSettings.local()).problems()).isEmpty();
  }
}
