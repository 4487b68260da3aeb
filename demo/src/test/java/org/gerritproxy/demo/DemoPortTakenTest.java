package org.gerritproxy.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code gerrit-proxy demo} when one of its ports is taken, as a new user meets it (the nodes'
 * 18081 held by something else): one sentence that names the port and the option that moves it,
 * with a port that is free, and no stack trace; nothing is started.
 */
class DemoPortTakenTest {
  @TempDir Path work;

  @Test
  void aTakenNodePortIsNamedWithTheOptionThatMovesItAndNoStackTrace() throws IOException {
    try (ServerSocket holder = listen()) {
      int taken = holder.getLocalPort();
      int[] free = freePorts(5);
      Result r = demo("--http-port", free[0], "--ssh-port", free[1], "--admin-port", free[2],
          "--node-http-ports", taken + "," + free[3], "--node-ssh-ports", "0," + free[4]);

      assertThat(r.status).isEqualTo(1);
      assertThat(r.err).contains("port " + taken + " on 127.0.0.1 (gerrit-1's HTTP port) is taken")
          .contains("./gerrit-proxy demo --node-http-ports ");
      assertSuggestionIsFree(r.err, "--node-http-ports (\\d+)," + free[3]);
      assertNoStackTraceAndNothingStarted(r);
    }
  }

  @Test
  void aTakenProxyPortIsNamedWithItsOwnOption() throws IOException {
    try (ServerSocket holder = listen()) {
      int taken = holder.getLocalPort();
      int[] free = freePorts(6);
      Result r = demo("--http-port", free[0], "--ssh-port", free[1], "--admin-port", taken,
          "--node-http-ports", free[2] + "," + free[3], "--node-ssh-ports", free[4] + "," + free[5]);

      assertThat(r.status).isEqualTo(1);
      assertThat(r.err).contains("port " + taken + " on 127.0.0.1 (the proxy's admin port) is taken");
      assertSuggestionIsFree(r.err, "--admin-port (\\d+)");
      assertNoStackTraceAndNothingStarted(r);
    }
  }

  // --- helpers

  private record Result(int status, String out, String err) {}

  private Result demo(Object... options) {
    List<String> args = new ArrayList<>(List.of("demo", "--dir", work.resolve("demo-data").toString()));
    for (Object o : options) {
      args.add(String.valueOf(o));
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = DemoMain.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int status = cli.execute(args.toArray(String[]::new));
    return new Result(status, out.toString(), err.toString());
  }

  private void assertNoStackTraceAndNothingStarted(Result r) {
    assertThat(r.err.strip().lines()).as("one sentence: " + r.err).hasSize(1);
    assertThat(r.err).doesNotContain("Exception", "\tat ");
    assertThat(r.out).isEmpty();
    assertThat(work.resolve("demo-data")).as("no Gerrit site was made").doesNotExist();
  }

  private static void assertSuggestionIsFree(String err, String suggestion) throws IOException {
    Matcher m = Pattern.compile(Pattern.quote("./gerrit-proxy demo ") + suggestion).matcher(err);
    assertThat(m.find()).as("a suggestion of the form " + suggestion + " in: " + err).isTrue();
    try (ServerSocket s = new ServerSocket(Integer.parseInt(m.group(1)), 1,
        InetAddress.getLoopbackAddress())) {
      assertThat(s.getLocalPort()).as("the suggested port can be listened on").isPositive();
    }
  }

  private static ServerSocket listen() throws IOException {
    return new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
  }

  private static int[] freePorts(int n) throws IOException {
    int[] ports = new int[n];
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        ServerSocket s = listen();
        held.add(s);
        ports[i] = s.getLocalPort();
      }
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
    return ports;
  }
}
