package org.gerritproxy.core.reload;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.gerritproxy.core.config.ConfigLoader;
import org.gerritproxy.core.config.ProxyConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What each kind of edit to the file takes, hot, rebind or restart, decided without a socket: one
 * row per edit, from a running configuration to the next.
 */
class ReconfigurationTest {

  @TempDir static Path dir;

  private static final String NODES =
      """
      [node "gerrit-1"]
        http = http://10.0.0.1:8080
        ssh = 10.0.0.1:29418
      [node "gerrit-2"]
        http = http://10.0.0.2:8080
        ssh = 10.0.0.2:29418
      """;

  private static final String HTTPS_A = "[httpd]\n  sslCertificate = a.crt\n  sslKey = a.key\n";
  private static final String HTTPS_B = "[httpd]\n  sslCertificate = b.crt\n  sslKey = b.key\n";

  private static final String ADMIN_TLS_A = "[admin]\n  sslCertificate = a.crt\n  sslKey = a.key\n";
  private static final String ADMIN_TLS_B = "[admin]\n  sslCertificate = b.crt\n  sslKey = b.key\n";

  /** Every question a Reconfiguration answers, by name. */
  private static final Map<String, Predicate<Reconfiguration>> QUESTIONS = new LinkedHashMap<>();

  static {
    QUESTIONS.put("refused", r -> r.refusal().isPresent());
    QUESTIONS.put("backdoorWaitsForRestart", Reconfiguration::backdoorWaitsForRestart);
    QUESTIONS.put("rebindsHttp", Reconfiguration::rebindsHttp);
    QUESTIONS.put("reloadsCertificate", Reconfiguration::reloadsCertificate);
    QUESTIONS.put("switchesHttpScheme", Reconfiguration::switchesHttpScheme);
    QUESTIONS.put("changesHttpLimits", Reconfiguration::changesHttpLimits);
    QUESTIONS.put("rebindsSsh", Reconfiguration::rebindsSsh);
    QUESTIONS.put("changesSshSettings", Reconfiguration::changesSshSettings);
    QUESTIONS.put("rebindsAdmin", Reconfiguration::rebindsAdmin);
    QUESTIONS.put("changesAdminToken", Reconfiguration::changesAdminToken);
    QUESTIONS.put("reloadsAdminCertificate", Reconfiguration::reloadsAdminCertificate);
    QUESTIONS.put("adminWaitsForRestart", r -> !r.adminWaitsForRestart().isEmpty());
  }

  static Stream<Arguments> edits() {
    return Stream.of(
        row("nothing changed", "", "", ""),
        row("a new node (hot)", "",
            "[node \"gerrit-3\"]\n  http = http://10.0.0.3:8080\n  ssh = 10.0.0.3:29418\n", ""),
        row("the proxy's name (hot)", "", "[proxy]\n  name = renamed\n", ""),
        row("routing and probes (hot)", "",
            "[routing]\n  writes = any\n[health]\n  interval = 5s\n", ""),
        row("static election (hot)", "", "[election]\n  mode = static\n  master = gerrit-2\n", ""),
        row("onFailover (hot)", "", "[election]\n  onFailover = replication start\n", ""),
        row("staleAfter alone (hot)", "", "[backdoor]\n  staleAfter = 9s\n", ""),
        row("into zookeeper mode", "",
            "[election]\n  mode = zookeeper\n  zookeeper = zk:2181\n", "refused"),
        row("within zookeeper mode",
            "[election]\n  mode = zookeeper\n  zookeeper = zk:2181\n",
            "[election]\n  mode = zookeeper\n  zookeeper = zk:2181\n  zookeeperSessionTimeout = 4s\n",
            "refused"),
        row("another backdoor", "",
            "[backdoor]\n  type = git\n  repository = /srv/git/All-Projects.git\n",
            "backdoorWaitsForRestart"),
        row("[httpd] listenAddress", "", "[httpd]\n  listenAddress = *:8081\n", "rebindsHttp"),
        row("[httpd] listenAddress and a timeout", "",
            "[httpd]\n  listenAddress = *:8081\n  idleTimeout = 1m\n", "rebindsHttp"),
        row("an [httpd] timeout (hot)", "", "[httpd]\n  headerTimeout = 1s\n", "changesHttpLimits"),
        row("[httpd] nodeHeader (hot)", "", "[httpd]\n  nodeHeader =\n", "changesHttpLimits"),
        row("HTTP/2 no longer offered (hot)", HTTPS_A, HTTPS_A + "  http2 = false\n",
            "changesHttpLimits"),
        row("other certificate files, HTTP/2 as it was", HTTPS_A + "  http2 = false\n",
            HTTPS_B + "  http2 = false\n", "reloadsCertificate"),
        row("other certificate files", HTTPS_A, HTTPS_B, "reloadsCertificate"),
        row("other certificate files and a limit", HTTPS_A, HTTPS_B + "  maxHeaderSize = 64k\n",
            "reloadsCertificate changesHttpLimits"),
        row("HTTP to HTTPS", "", HTTPS_A, "switchesHttpScheme"),
        row("HTTPS to HTTP", HTTPS_A, "", "switchesHttpScheme"),
        row("[sshd] listenAddress", "", "[sshd]\n  listenAddress = *:2222\n", "rebindsSsh"),
        row("[sshd] keyCacheTtl", "", "[sshd]\n  keyCacheTtl = 1m\n", "changesSshSettings"),
        row("the login throttle", "", "[sshd]\n  maxLoginFailures = 3\n", "changesSshSettings"),
        row("[accounts]", "",
            "[accounts]\n  user = admin\n  password = secret\n", "changesSshSettings"),
        row("[accounts] with a new [sshd] address", "",
            "[accounts]\n  user = admin\n  password = secret\n[sshd]\n  listenAddress = *:2222\n",
            "rebindsSsh"),
        row("[admin] listenAddress", "", "[admin]\n  listenAddress = 127.0.0.1:9999\n",
            "rebindsAdmin"),
        row("[admin] token", "", "[admin]\n  token = t0ken\n", "changesAdminToken"),
        row("[admin] other certificate", ADMIN_TLS_A, ADMIN_TLS_B, "reloadsAdminCertificate"),
        row("[admin] HTTP to HTTPS in place", "", ADMIN_TLS_A, "adminWaitsForRestart"),
        row("[admin] HTTP to HTTPS elsewhere", "",
            ADMIN_TLS_A + "  listenAddress = 127.0.0.1:9999\n", "rebindsAdmin"));
  }

  private static Arguments row(String edit, String running, String next, String expected) {
    return Arguments.of(edit, running, next, expected);
  }

  @ParameterizedTest(name = "{0}: {3}")
  @MethodSource("edits")
  void eachEditTakesWhatTheTableSays(String edit, String running, String next, String expected)
      throws Exception {
    Reconfiguration r = new Reconfiguration(load("running", running), load("next", next));

    Set<String> answered = new TreeSet<>();
    QUESTIONS.forEach(
        (name, question) -> {
          if (question.test(r)) {
            answered.add(name);
          }
        });
    Set<String> want = new TreeSet<>();
    for (String w : expected.split(" ")) {
      if (!w.isEmpty()) {
        want.add(w);
      }
    }
    assertThat(answered).as(edit).isEqualTo(want);
  }

  @Test
  void aRestartIsNeededExactlyForWhatNoRebindOrReloadCovers() throws Exception {
    Reconfiguration r =
        new Reconfiguration(
            load("running", HTTPS_A),
            load("next", "[httpd]\n  headerTimeout = 1s\n[sshd]\n  keyCacheTtl = 1m\n"));

    assertThat(r.restartNeeded())
        .containsExactly(
            "[httpd] switched between HTTP and HTTPS on the same address; that takes"
                + " effect after a restart of the proxy",
            "[sshd] settings other than listenAddress (keys, algorithms, timeouts, throttle),"
                + " or [accounts], changed; they take effect after a restart of the proxy");
    assertThat(new Reconfiguration(load("a", ""),
            load("b", "[httpd]\n  headerTimeout = 1s\n  maxHeaderSize = 64k\n"
                + "  connectTimeout = 1s\n  idleTimeout = 1m\n  nodeHeader = X-Node\n"))
            .restartNeeded())
        .as("limits, timeouts and the node header apply hot")
        .isEmpty();
    assertThat(new Reconfiguration(load("a", ""), load("b", "[sshd]\n  listenAddress = *:2\n"))
            .restartNeeded())
        .isEmpty();
  }

  /** The file as edited: one path, as in production, so relative paths read the same. */
  private static ProxyConfig load(String version, String text) throws IOException {
    for (String f : new String[] {"a.crt", "a.key", "b.crt", "b.key"}) {
      Files.writeString(dir.resolve(f), f);
    }
    Path file = dir.resolve("proxy.config");
    Files.writeString(file, NODES + text);
    try {
      return ConfigLoader.load(file);
    } catch (org.gerritproxy.core.config.ConfigException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }
}
