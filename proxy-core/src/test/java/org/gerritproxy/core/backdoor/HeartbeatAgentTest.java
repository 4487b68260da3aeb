package org.gerritproxy.core.backdoor;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.gerritproxy.routing.AdminState;
import org.gerritproxy.routing.Endpoint;
import org.gerritproxy.routing.Node;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent writes a moving sequence whether or not its Gerrit answers, and says which. */
class HeartbeatAgentTest {
  @TempDir Path dir;

  @Test
  void aDeadGerritIsReportedUnhealthyWithTheReasonAndTheSequenceStillMoves() throws Exception {
    int dead;
    try (ServerSocket s = new ServerSocket(0)) {
      dead = s.getLocalPort();
    }
    Node node = new Node("gerrit-1", URI.create("http://127.0.0.1:" + dead),
        new Endpoint("127.0.0.1", dead), 0, 1, AdminState.ACTIVE);
    String url = "jdbc:h2:file:" + dir.resolve("hb").toAbsolutePath();
    try (JdbcBackdoor door = new JdbcBackdoor(url, Optional.empty(), Optional.empty());
        HeartbeatAgent agent = new HeartbeatAgent(node, "/config/server/version",
            Duration.ofMillis(100), Duration.ofMillis(500), door)) {
      HeartbeatRecord first = agent.beat();
      HeartbeatRecord second = agent.beat();
      assertThat(first.healthy()).isFalse();
      assertThat(first.detail()).contains("refused");
      assertThat(second.sequence()).isNotEqualTo(first.sequence());
      assertThat(door.readAll().get("gerrit-1")).isEqualTo(second);
    }
  }
}
