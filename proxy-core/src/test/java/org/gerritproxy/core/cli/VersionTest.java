package org.gerritproxy.core.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code gerrit-proxy --version}: the pom's version, which Surefire passes as a property. */
class VersionTest {
  @Test
  void printsThePomsVersion() {
    String pom = System.getProperty("gerrit-proxy.version");
    assertThat(pom).as("gerrit-proxy.version, set by proxy-core's pom for the tests").isNotBlank();
    PrintStream saved = System.out;
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    int status;
    try {
      status = Main.execute("--version");
    } finally {
      System.setOut(saved);
    }
    assertThat(status).isZero();
    assertThat(buffer.toString(StandardCharsets.UTF_8).strip()).isEqualTo("gerrit-proxy " + pom);
    assertThat(Version.current()).isEqualTo(pom);
  }

  @Test
  void eachCommandPrintsItToo() {
    for (String command : new String[] {"run", "check-config", "heartbeat"}) {
      PrintStream saved = System.out;
      ByteArrayOutputStream buffer = new ByteArrayOutputStream();
      System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
      try {
        assertThat(Main.execute(command, "--version")).isZero();
      } finally {
        System.setOut(saved);
      }
      assertThat(buffer.toString(StandardCharsets.UTF_8).strip()).as(command + " --version")
          .isEqualTo("gerrit-proxy " + System.getProperty("gerrit-proxy.version"));
    }
  }
}
