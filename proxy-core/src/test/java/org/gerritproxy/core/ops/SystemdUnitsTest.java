package org.gerritproxy.core.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The unit files in {@code systemd/} as systemd itself reads them ({@code systemd-analyze verify},
 * where installed), and the settings an operator relies on: reload by SIGHUP, restart on failure,
 * enough file descriptors, hardening, and ports below 1024 without root.
 */
class SystemdUnitsTest {
  private static final Path UNITS = Path.of("..", "systemd").toAbsolutePath().normalize();
  private static final Path PROXY = UNITS.resolve("gerrit-proxy.service");
  private static final Path HEARTBEAT = UNITS.resolve("gerrit-proxy-heartbeat@.service");
  /** The launcher that the tarball and the Debian package install. */
  private static final Path LAUNCHER = Path.of("src", "dist", "bin", "gerrit-proxy")
      .toAbsolutePath();

  @TempDir Path dir;

  @Test
  void systemdAnalyzeVerifyFindsNothingToSay() throws Exception {
    Path tool = Path.of("/usr/bin/systemd-analyze");
    assumeTrue(Files.isExecutable(tool), "systemd-analyze is not installed; the units are not"
        + " verified by systemd here (Debian: apt-get install systemd)");
    // A template is verified as one of its instances, named as an operator would name it.
    // systemd-analyze checks that ExecStart's program exists: /usr/bin/gerrit-proxy, installed
    // by the Debian package, is the launcher in the source tree here (DebianPackageTest runs
    // the installed one).
    Path proxy = withLauncherOfTheSourceTree(PROXY, dir.resolve("gerrit-proxy.service"));
    Path heartbeat = withLauncherOfTheSourceTree(HEARTBEAT,
        dir.resolve("gerrit-proxy-heartbeat@gerrit-1.service"));
    List<String> command = new ArrayList<>(List.of(tool.toString(), "verify", proxy.toString(),
        heartbeat.toString()));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("systemd-analyze finished").isTrue();
    assertThat(p.exitValue()).as("systemd-analyze verify exit status; it said:\n" + out).isZero();
    assertThat(out.lines().filter(l -> l.contains("gerrit-proxy")).toList())
        .as("warnings about the units (a warning means systemd ignores a line)").isEmpty();
  }

  @Test
  void theProxyUnitReloadsBySighupRestartsOnFailureAndIsHardened() throws Exception {
    List<String> unit = Files.readAllLines(PROXY);
    assertThat(unit).contains("ExecReload=/bin/kill -HUP $MAINPID", "Restart=on-failure",
        "NoNewPrivileges=true", "PrivateTmp=true", "ProtectHome=true");
    assertThat(value(unit, "ProtectSystem")).isIn("strict", "full");
    assertThat(Integer.parseInt(value(unit, "LimitNOFILE")))
        .as("file descriptors for thousands of clients, each with a node connection")
        .isGreaterThanOrEqualTo(16384);
    assertThat(value(unit, "AmbientCapabilities")).contains("CAP_NET_BIND_SERVICE");
    assertThat(value(unit, "CapabilityBoundingSet")).isEqualTo("CAP_NET_BIND_SERVICE");
    assertThat(value(unit, "User")).isNotEqualTo("root");
    assertThat(value(unit, "ExecStart")).contains(" run -c /etc/gerrit-proxy/proxy.config");
  }

  @Test
  void theProxysJvmOptionsLiveInConfJavaEnvWhichTheUnitTheLauncherAndTheBenchRead()
      throws Exception {
    Path root = UNITS.getParent();
    assertThat(Files.readAllLines(root.resolve("conf/java.env")))
        .anyMatch(l -> l.startsWith("JAVA_OPTS=\"-Xms") && l.contains(" -Xmx"))
        .anyMatch(l -> l.startsWith("MALLOC_ARENA_MAX="));
    List<String> unit = Files.readAllLines(PROXY);
    // The unit runs the installed launcher, which reads java.env of GERRIT_PROXY_CONF.
    assertThat(value(unit, "Environment")).contains("GERRIT_PROXY_CONF=/etc/gerrit-proxy");
    assertThat(value(unit, "ExecStart")).startsWith("/usr/bin/gerrit-proxy run ");
    assertThat(Files.readString(LAUNCHER)).contains("$CONF/java.env");
    for (Path reader : List.of(PROXY, root.resolve("gerrit-proxy"), root.resolve("bench/run"),
        LAUNCHER)) {
      assertThat(Files.readString(reader)).as(reader + " reads conf/java.env").contains("java.env")
          .as(reader + " writes no JVM options of its own").doesNotContain("-XX:+UseSerialGC");
    }
  }

  @Test
  void theHeartbeatUnitRunsTheAgentForItsInstanceNode() throws Exception {
    List<String> unit = Files.readAllLines(HEARTBEAT);
    assertThat(value(unit, "ExecStart")).contains(" heartbeat -c ").endsWith("--node %i");
    assertThat(unit).contains("NoNewPrivileges=true", "PrivateTmp=true");
    assertThat(value(unit, "Restart")).isIn("always", "on-failure");
  }

  private static Path withLauncherOfTheSourceTree(Path unit, Path copy) throws Exception {
    return Files.writeString(copy, Files.readString(unit)
        .replace("ExecStart=/usr/bin/gerrit-proxy ", "ExecStart=" + LAUNCHER + " "));
  }

  private static String value(List<String> unit, String key) {
    return unit.stream().filter(l -> l.startsWith(key + "="))
        .map(l -> l.substring(key.length() + 1)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + key + "= in the unit"));
  }
}
