package org.gerritproxy.core.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gerrit-proxy heartbeat}: refuses, with a sentence, what it cannot run. */
class HeartbeatCommandTest {
  @TempDir Path dir;

  private Path config(String backdoor) throws Exception {
    Path config = dir.resolve("proxy.config");
    Files.writeString(config, String.join("\n",
        "[node \"gerrit-1\"]", "\thttp = http://127.0.0.1:8081", "\tssh = 127.0.0.1:29419",
        backdoor, ""));
    return config;
  }

  @Test
  void anUnknownNodeIsRefusedWithTheWayOut() throws Exception {
    Run run = run("heartbeat", "-c", config("[backdoor]\n\ttype = jdbc\n\turl = jdbc:h2:mem:x")
        .toString(), "--node", "gerrit-9");
    assertThat(run.status).isEqualTo(1);
    assertThat(run.err).contains("has no [node \"gerrit-9\"]").contains("--node");
  }

  @Test
  void withoutABackdoorThereIsNowhereToWriteAndItSaysSo() throws Exception {
    Run run = run("heartbeat", "-c", config("").toString(), "--node", "gerrit-1");
    assertThat(run.status).isEqualTo(1);
    assertThat(run.err).contains("backdoor.type = none").contains("type = jdbc or git");
  }

  @Test
  void aMissingGitRepositoryIsReportedNotThrown() throws Exception {
    Run run = run("heartbeat", "-c", config("[backdoor]\n\ttype = git\n\trepository = "
        + dir.resolve("missing.git")).toString(), "--node", "gerrit-1");
    assertThat(run.status).isEqualTo(1);
    assertThat(run.err).contains("cannot open the backdoor");
  }

  private record Run(int status, String err) {}

  private static Run run(String... args) {
    PrintStream saved = System.err;
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    try {
      int status = Main.execute(args);
      return new Run(status, buffer.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(saved);
    }
  }
}
