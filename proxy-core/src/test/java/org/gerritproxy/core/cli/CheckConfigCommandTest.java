package org.gerritproxy.core.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gerrit-proxy check-config}: what an operator sees, and the exit status scripts rely on. */
class CheckConfigCommandTest {
  @TempDir Path dir;

  @Test
  void theSampleConfigurationIsValidAndExitsZero() {
    Run run = run("check-config", "-c", Path.of("../conf/proxy.config").toString());
    assertThat(run.status).isZero();
    assertThat(run.out).contains("OK");
  }

  @Test
  void eachProblemIsPrintedAsFileLineMessageAndTheStatusIsOne() throws Exception {
    Path config = dir.resolve("proxy.config");
    Files.writeString(config, String.join("\n",
        "[httpd]",
        "\tlistenAddress = *:8080",
        "[node \"gerrit-1\"]",
        "\thttp = http://127.0.0.1:8081",
        "\tssh = 127.0.0.1:29419",
        "\tprioriti = 100",
        "[routing]",
        "\twrites = sometimes",
        ""));
    Run run = run("check-config", "-c", config.toString());
    assertThat(run.status).isEqualTo(1);
    assertThat(run.out)
        .contains(config + ":6: ")
        .contains("priority")
        .contains(config + ":8: ");
  }

  @Test
  void aMissingFileIsReportedNotThrown() {
    Path missing = dir.resolve("nope.config");
    Run run = run("check-config", "-c", missing.toString());
    assertThat(run.status).isEqualTo(1);
    assertThat(run.out).contains(missing.toString());
  }

  private record Run(int status, String out) {}

  private static Run run(String... args) {
    PrintStream saved = System.out;
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    try {
      int status = Main.execute(args);
      return new Run(status, buffer.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(saved);
    }
  }
}
