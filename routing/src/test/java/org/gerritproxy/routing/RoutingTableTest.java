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
        .withMessage(
            "no node is configured: add a [node \"NAME\"] section with http and ssh for each"
                + " Gerrit server of the cluster.");
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
        .withMessage(
            "[node \"gerrit-1\"] is already declared as node 1: give each node its own name, and"
                + " keep all of a node's keys in one section.");
  }

  @Test
  void refusesNodesWhoseHttpIsNotAnHttpUrl() {
    Node ftp = new Node("gerrit-1", URI.create("ftp://h/"), new Endpoint("h", 29418), 1, 1, AdminState.ACTIVE);
    Node relative = new Node("gerrit-2", URI.create("/gerrit"), new Endpoint("h", 29418), 1, 1, AdminState.ACTIVE);

    assertThat(RoutingTable.builder().addNode(ftp).addNode(relative).problems())
        .containsExactly(
            "[node \"gerrit-1\"] http: 'ftp://h/' must start with http:// or https://, like"
                + " http://10.0.0.1:8080",
            "[node \"gerrit-2\"] http: '/gerrit' must start with http:// or https://, like"
                + " http://10.0.0.1:8080");
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
        .withMessage(
            "[election] mode = static needs master = NODE, the node that takes all writes (one of"
                + " gerrit-1, gerrit-2, gerrit-3).");
    assertThat(threeWith(new ElectionSettings(ElectionMode.STATIC, Optional.of(" "), false)).problems())
        .hasSize(1);
  }

  @Test
  void staticMasterMustNameAConfiguredNode() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> threeWith(new ElectionSettings(ElectionMode.STATIC, Optional.of("gerrit-9"), false)).build())
        .withMessage("[election] master = gerrit-9 names no node; did you mean gerrit-1?");
  }

  @Test
  void staticMasterMustNotBeDisabled() {
    RoutingTable.Builder b =
        RoutingTable.builder()
            .election(new ElectionSettings(ElectionMode.STATIC, Optional.of("gerrit-1"), false))
            .addNode(Fixtures.node("gerrit-1", 1, 1, AdminState.DISABLED));

    assertThat(b.problems())
        .containsExactly(
            "[election] master = gerrit-1 names a disabled node: set its state to active, or name"
                + " another master.");
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
    // A value's problem (like http's) ends as check-config shows it, after "FILE:LINE: [node] key:",
    // without a full stop; a problem of the table as a whole is a full sentence.
    Node misnamed = new Node("a b", URI.create("http://h"), new Endpoint("h", 1), 1, 1, AdminState.ACTIVE);
    RoutingTable.Builder b =
        RoutingTable.builder()
            .election(new ElectionSettings(ElectionMode.STATIC, Optional.of("zz"), false))
            .addNode(misnamed)
            .addNode(Fixtures.node("b", 1))
            .addNode(Fixtures.node("b", 1));

    List<String> problems = b.problems();

    assertThat(problems).hasSize(3).allSatisfy(p -> assertThat(p).endsWith("."));
    assertThatIllegalArgumentException().isThrownBy(b::build).withMessage(String.join("\n", problems));
  }

  @Test
  void refusesNodeNamesThatCannotAppearInHeadersMetricsAndLogs() {
    Node spaced = new Node("gerrit 1", URI.create("http://h"), new Endpoint("h", 29418), 1, 1, AdminState.ACTIVE);

    assertThat(RoutingTable.builder().addNode(spaced).problems())
        .containsExactly(
            "the node name 'gerrit 1' may hold only letters, digits, '.', '_' and '-': it appears"
                + " in headers, metrics and logs.");
  }

  @Test
  void refusesNodesWhoseSshIsAListenAddressOrPortZero() {
    Node wildcard = new Node("gerrit-1", URI.create("http://h1"), new Endpoint("*", 29418), 1, 1, AdminState.ACTIVE);
    Node portZero = new Node("gerrit-2", URI.create("http://h2"), new Endpoint("h2", 0), 1, 1, AdminState.ACTIVE);

    assertThat(RoutingTable.builder().addNode(wildcard).addNode(portZero).problems())
        .containsExactly(
            "[node \"gerrit-1\"] ssh: '*:29418': * is for listen addresses; write the node's host,"
                + " like 10.0.0.1:29418",
            "[node \"gerrit-2\"] ssh: 'h2:0': port 0 is not a port a node listens on");
  }

  @Test
  void refusesNodesWhoseHttpCarriesAUserOrAQuery() {
    Node user = new Node("gerrit-1", URI.create("http://u:p@h1"), new Endpoint("h1", 29418), 1, 1, AdminState.ACTIVE);
    Node query = new Node("gerrit-2", URI.create("http://h2/?x"), new Endpoint("h2", 29418), 1, 1, AdminState.ACTIVE);

    assertThat(RoutingTable.builder().addNode(user).addNode(query).problems())
        .containsExactly(
            "[node \"gerrit-1\"] http: the URL must not carry a user or password (they would show"
                + " in logs): the proxy logs in with [accounts] user and password",
            "[node \"gerrit-2\"] http: 'http://h2/?x' must not have a query or fragment: write the"
                + " base URL of that Gerrit");
  }

  @Test
  void aNodeNamedThreeTimesIsReportedOnce() {
    RoutingTable.Builder b = RoutingTable.builder();
    for (int i = 0; i < 3; i++) {
      b.addNode(Fixtures.node("gerrit-1", i));
    }

    assertThat(b.problems()).hasSize(1);
  }

  @Test
  void staticModeWithoutNodesSaysWhatToDeclare() {
    assertThat(
            RoutingTable.builder()
                .election(new ElectionSettings(ElectionMode.STATIC, Optional.empty(), false))
                .problems())
        .containsExactly(
            RoutingTable.NO_NODE,
            "[election] mode = static needs master = NODE, the node that takes all writes (a [node"
                + " \"NAME\"]).");
  }

  @Test
  void aMasterFarFromEveryNameListsTheNames() {
    assertThat(threeWith(new ElectionSettings(ElectionMode.STATIC, Optional.of("primary"), false)).problems())
        .containsExactly(
            "[election] master = primary names no node: write one of gerrit-1, gerrit-2, gerrit-3.");
  }

  @Test
  void aMasterDeclaredButInvalidIsNotAlsoUnknown() {
    // check-config passes the names of every declared node, and only the valid ones as nodes: a
    // node with a wrong setting is reported for that setting alone.
    assertThat(RoutingTable.staticMasterProblem("gerrit-2", List.of("gerrit-1", "gerrit-2"), List.of()))
        .isEmpty();
    assertThat(RoutingTable.staticMasterProblem("gerrit-3", List.of(), List.of()))
        .contains("[election] master = gerrit-3 names no node.");
  }

  @Test
  void aValidTableHasNoProblems() {
    assertThat(threeWith(ElectionSettings.local()).problems()).isEmpty();
  }
}
