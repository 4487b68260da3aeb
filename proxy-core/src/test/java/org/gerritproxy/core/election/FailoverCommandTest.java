package org.gerritproxy.core.election;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.gerritproxy.core.events.EventLog;
import org.gerritproxy.routing.AdminState;
import org.gerritproxy.routing.Endpoint;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.WriteMaster;
import org.junit.jupiter.api.Test;

/** How {@code [election] onFailover} reaches the new master. */
class FailoverCommandTest {

  @Test
  void theCommandRunsThroughSuexecAsTheAccountsUserOverThePeerLogin() {
    Node node = new Node("gerrit-2", URI.create("http://g2:8080"), new Endpoint("g2", 29418), 0, 1,
        AdminState.ACTIVE);
    List<String> args = FailoverCommand.commandLine(node, new FailoverCommand.Settings(
        "replication start --all", Path.of("/etc/gerrit-proxy/peer_key"), Optional.of("admin")));
    assertThat(args).startsWith("ssh").containsSubsequence("-i", "/etc/gerrit-proxy/peer_key")
        .containsSubsequence("-p", "29418").containsSubsequence("-l", "Gerrit Code Review")
        .contains("BatchMode=yes");
    assertThat(args.subList(args.size() - 2, args.size()))
        .containsExactly("g2", "suexec --as admin -- replication start --all");
  }

  @Test
  void pinnedNodeKeysAreCheckedByOpenSshToo() {
    Node node = new Node("gerrit-2", URI.create("http://g2:8080"), new Endpoint("g2", 29418), 0, 1,
        AdminState.ACTIVE);
    List<String> args = FailoverCommand.commandLine(node, new FailoverCommand.Settings(
        "replication start --all", Path.of("peer_key"), Optional.of("admin"),
        Optional.of(Path.of("/etc/gerrit-proxy/node_known_hosts"))));
    assertThat(args).contains("StrictHostKeyChecking=yes",
        "UserKnownHostsFile=/etc/gerrit-proxy/node_known_hosts");
  }

  private static final Node G1 = new Node("gerrit-1", URI.create("http://g1:8080"),
      new Endpoint("g1", 29418), 0, 1, AdminState.ACTIVE);
  private static final Node G2 = new Node("gerrit-2", URI.create("http://g2:8080"),
      new Endpoint("g2", 29418), 0, 1, AdminState.ACTIVE);
  // Without [accounts] user the command is not started: what is decided shows in the events alone.
  private static final Optional<FailoverCommand.Settings> NO_USER = Optional.of(
      new FailoverCommand.Settings("gerrit version", Path.of("peer_key"), Optional.empty()));

  private static WriteMaster master(Node node, long epoch) {
    return new WriteMaster(Optional.ofNullable(node).map(Node::name), epoch, "");
  }

  /** Waits for the runner's thread to report {@code count} outcomes, then a moment for more. */
  private static List<String> outcomes(EventLog events, int count) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (onFailover(events).size() < count && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    Thread.sleep(200);
    return onFailover(events);
  }

  private static List<String> onFailover(EventLog events) {
    return events.recent().stream().filter(e -> e.kind().equals("on-failover"))
        .map(e -> e.message()).toList();
  }

  @Test
  void aFailoverByWayOfNoMasterRunsOnceForTheNewMastersEpoch() throws Exception {
    EventLog events = new EventLog(Clock.systemUTC(), 100);
    try (FailoverCommand command = new FailoverCommand(events)) {
      // The view reports changes of master node only, each with the master before.
      // Each answer says whether the change is a failover, which the failover metric counts.
      assertThat(command.masterChanged(master(null, 0), master(G1, 1), Optional.of(G1), NO_USER,
          e -> true)).as("the first election").isFalse();
      assertThat(command.masterChanged(master(G1, 1), master(null, 2), Optional.empty(), NO_USER,
          e -> true)).as("gerrit-1 lost, no master yet").isFalse();
      assertThat(command.masterChanged(master(null, 2), master(G2, 3), Optional.of(G2), NO_USER,
          e -> true)).as("gerrit-2 after a spell of no master").isTrue();
      // ZooKeeper lost and back: the same epoch again.
      assertThat(command.masterChanged(master(G2, 3), master(null, 3), Optional.empty(), NO_USER,
          e -> true)).isFalse();
      assertThat(command.masterChanged(master(null, 3), master(G2, 3), Optional.of(G2), NO_USER,
          e -> true)).as("the same epoch seen again").isFalse();
      assertThat(outcomes(events, 1)).singleElement().asString()
          .contains("'gerrit version' on gerrit-2 (epoch 3)").contains("set [accounts] user");
    }
  }

  @Test
  void aProxyThatDidNotWriteTheEpochLeavesTheCommandToTheOneThatDid() throws Exception {
    EventLog events = new EventLog(Clock.systemUTC(), 100);
    try (FailoverCommand command = new FailoverCommand(events)) {
      command.masterChanged(master(G1, 1), master(G2, 2), Optional.of(G2), NO_USER, e -> false);
      assertThat(outcomes(events, 1)).singleElement().asString()
          .contains("'gerrit version' on gerrit-2 (epoch 2) is left to the proxy that wrote");
    }
  }

  @Test
  void withoutOnFailoverTheHistoryIsStillKeptForWhenAReloadSetsIt() throws Exception {
    EventLog events = new EventLog(Clock.systemUTC(), 100);
    try (FailoverCommand command = new FailoverCommand(events)) {
      command.masterChanged(master(G1, 1), master(G2, 2), Optional.of(G2), Optional.empty(),
          e -> true);
      command.masterChanged(master(G2, 2), master(G2, 2), Optional.of(G2), NO_USER, e -> true);
      command.masterChanged(master(G2, 2), master(G1, 3), Optional.of(G1), NO_USER, e -> true);
      assertThat(outcomes(events, 1)).singleElement().asString()
          .contains("'gerrit version' on gerrit-1 (epoch 3)");
    }
  }
}
