package org.gerritproxy.core.election;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.gerritproxy.routing.AdminState;
import org.gerritproxy.routing.Endpoint;
import org.gerritproxy.routing.Node;
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
}
