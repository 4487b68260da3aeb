package org.gerritproxy.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.gerritproxy.routing.AdminState;
import org.gerritproxy.routing.Endpoint;
import org.gerritproxy.routing.HealthView;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.RoutingSnapshot;
import org.gerritproxy.routing.RoutingTable;
import org.gerritproxy.routing.WriteMaster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's {@code ssh-audit} against the proxy's SSH listener: with the default algorithms it finds
 * nothing to fail and warns of nothing but algorithms it does not know; strict key exchange (the
 * Terrapin fix) is offered; and an operator's own lists (NIST for a FIPS shop) are what is offered.
 */
class SshAuditTest {
  private static final Path SSH_AUDIT = Path.of("/usr/bin/ssh-audit");

  @TempDir Path dir;
  SshFrontend frontend;

  int start(SshAlgorithms algorithms) throws Exception {
    Node node = new Node("gerrit-1", URI.create("http://127.0.0.1:1"),
        new Endpoint("127.0.0.1", 1), 100, 1, AdminState.ACTIVE);
    RoutingSnapshot snapshot = new RoutingSnapshot(RoutingTable.builder().addNode(node).build(),
        new HealthView(Map.of()), WriteMaster.none("no master in this test"));
    SshFrontendSettings settings = SshFrontendSettings.of(new Endpoint("127.0.0.1", 0),
        List.of(dir.resolve("host_key")), dir.resolve("peer_key"), Optional.empty(),
        Optional.empty(), "audit").withAlgorithms(algorithms);
    frontend = new SshFrontend(settings, () -> snapshot, (n, e) -> { });
    return frontend.start().getPort();
  }

  @AfterEach
  void stop() {
    if (frontend != null) {
      frontend.close();
    }
  }

  @Test
  void theDefaultsPassSshAuditWithNoFailureAndNoWarningButUnknownAlgorithms() throws Exception {
    String report = audit(start(SshAlgorithms.DEFAULTS));

    assertThat(lines(report, "[fail]")).as(report).isEmpty();
    assertThat(lines(report, "[warn]"))
        .as(report)
        .allMatch(l -> l.contains("unknown algorithm"));
    assertThat(report).as("strict key exchange (Terrapin)").contains("kex-strict-s-v00@openssh.com");
    assertThat(report).contains("curve25519-sha256", "ssh-ed25519", "aes256-gcm@openssh.com",
        "hmac-sha2-256-etm@openssh.com");
  }

  @Test
  void aShopThatMustOfferNistGetsExactlyItsLists() throws Exception {
    SshAlgorithms fips = SshAlgorithms.DEFAULTS
        .with(SshAlgorithms.Kind.KEX, SshAlgorithms.resolve(SshAlgorithms.Kind.KEX,
            List.of("ecdh-sha2-nistp384", "ecdh-sha2-nistp256")))
        .with(SshAlgorithms.Kind.CIPHER, SshAlgorithms.resolve(SshAlgorithms.Kind.CIPHER,
            List.of("aes256-gcm@openssh.com")))
        .with(SshAlgorithms.Kind.MAC, SshAlgorithms.resolve(SshAlgorithms.Kind.MAC,
            List.of("-hmac-sha2-512-etm@openssh.com")));
    String report = audit(start(fips));

    assertThat(algorithms(report, "(kex)"))
        .containsExactly("ecdh-sha2-nistp384", "ecdh-sha2-nistp256", "ext-info-s",
            "kex-strict-s-v00@openssh.com");
    assertThat(algorithms(report, "(enc)")).containsExactly("aes256-gcm@openssh.com");
    assertThat(algorithms(report, "(mac)")).containsExactly("hmac-sha2-256-etm@openssh.com");
    assertThat(lines(report, "[fail]")).as("ssh-audit says what NIST costs").isNotEmpty();
  }

  /** ssh-audit's batch report: one line per finding, {@code (kex) NAME -- [fail] why}. */
  static String audit(int port) throws IOException, InterruptedException {
    assumeTrue(Files.isExecutable(SSH_AUDIT), "Debian's ssh-audit is not installed (.ci/run"
        + " installs it)");
    Process p = new ProcessBuilder(SSH_AUDIT.toString(), "-b", "-n", "-t", "30", "-p",
        Integer.toString(port), "127.0.0.1").redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out;
    try (var in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("ssh-audit finished").isTrue();
    assertThat(out).as("ssh-audit reached the listener").contains("(gen) banner: SSH-2.0-GerritProxy_");
    return out;
  }

  private static List<String> lines(String report, String level) {
    return report.lines().filter(l -> l.contains(level)).toList();
  }

  /** The names of one section, {@code (kex)} or {@code (enc)}, in the order the server gave. */
  private static List<String> algorithms(String report, String section) {
    return report.lines()
        .filter(l -> l.startsWith(section + " "))
        .map(l -> l.substring(section.length() + 1).split(" ")[0])
        .distinct()
        .toList();
  }
}
