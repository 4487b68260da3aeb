package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritClusterExtension;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.core.cluster.HttpdLogEntry;
import org.gerritproxy.core.cluster.LogMark;
import org.gerritproxy.core.cluster.SshdLogEntry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The PROXY protocol on both listeners, behind a load balancer on 127.0.0.2 (another loopback
 * address, listed in {@code proxyProtocolFrom}): the client a v1 or v2 header names is the client
 * in the node's own logs (HTTP {@code X-Forwarded-For}, SSH {@code suexec --from}) and in the
 * proxy's access logs, and the login throttle counts it, not the balancer. A listed source
 * without a header and an unlisted source with one are refused; everyone else is served as before.
 * Real {@code curl --haproxy-protocol} and real {@code ssh}, real Gerrit nodes.
 */
@ExtendWith(GerritClusterExtension.class)
class ProxyProtocolThroughProxyTest {
  static final InetAddress BALANCER = address("127.0.0.2");
  /** Documentation addresses (RFC 5737, RFC 3849): only ever named in headers, never reached. */
  static final InetSocketAddress CLIENT_V4 = new InetSocketAddress(address("198.51.100.23"), 40123);
  static final InetSocketAddress CLIENT_V6 = new InetSocketAddress(address("2001:db8::7"), 40124);

  @TempDir static Path dir;
  static GerritCluster cluster;
  static ProxyFixture proxy;
  static Path userKey;
  static String user;
  static final ListAppender<ILoggingEvent> accessLines = new ListAppender<>();

  @BeforeAll
  static void startProxyBehindABalancer(GerritCluster c) throws Exception {
    cluster = c;
    String suffix = Long.toString(System.nanoTime(), 36);
    user = "lb-user-" + suffix;
    userKey = SshCli.newUserWithKey(dir, c.node(1).admin(), user, "pw-" + suffix);
    accessLines.start();
    ((Logger) LoggerFactory.getLogger("httpd_log")).addAppender(accessLines);
    ((Logger) LoggerFactory.getLogger("sshd_log")).addAppender(accessLines);
    proxy = ProxyFixture.withSsh(dir, c,
        "\tproxyProtocolFrom = 127.0.0.2\n\tmaxLoginFailures = 3\n",
        "[httpd]\n\tproxyProtocolFrom = 127.0.0.2/32\n");
  }

  @AfterAll
  static void stop() {
    ((Logger) LoggerFactory.getLogger("httpd_log")).detachAppender(accessLines);
    ((Logger) LoggerFactory.getLogger("sshd_log")).detachAppender(accessLines);
    if (proxy != null) {
      proxy.close();
    }
  }

  // ------------------------------------------------------------------------------------ HTTP

  @Test
  void curlsV1HeaderFromTheBalancerIsServed() throws Exception {
    String path = "/a/config/server/version";
    LogMark m1 = cluster.node(1).httpdLog().mark();
    LogMark m2 = cluster.node(2).httpdLog().mark();
    Curl r = curl("--haproxy-protocol", "--interface", "127.0.0.2", "-u", "admin:secret",
        proxy.url() + path);
    assertThat(r.exit).as(r.err).isZero();
    assertThat(r.out).startsWith("200").contains(")]}'");
    awaitHttpd(m1, m2, e -> e.resource().equals(path) && "admin".equals(e.user()));
    // curl names its own address in the header, the balancer's here.
    awaitAccessLog(path, "127.0.0.2");
  }

  @Test
  void aV1HeaderNamesTheClientForTheNodeAndTheAccessLog() throws Exception {
    // Gerrit's httpd_log names the peer (the proxy); X-Forwarded-For carries the client
    // (ProxyProtocolTest in http-frontend checks that header).
    getThroughBalancer(lb -> lb.sendV1(CLIENT_V4), "/a/accounts/self", "198.51.100.23");
  }

  @Test
  void aV2HeaderNamesAnIpv6Client() throws Exception {
    getThroughBalancer(lb -> lb.sendV2(CLIENT_V6), "/a/accounts/self/name",
        "2001:db8:0:0:0:0:0:7");
  }

  /** What a balancer that sends {@code header} before each connection does to a GET. */
  private void getThroughBalancer(java.util.function.Consumer<ProxyProtocolBalancer> header,
      String path, String client) throws Exception {
    try (ProxyProtocolBalancer lb = new ProxyProtocolBalancer(proxy.process().httpAddress(),
        BALANCER)) {
      header.accept(lb);
      LogMark m1 = cluster.node(1).httpdLog().mark();
      LogMark m2 = cluster.node(2).httpdLog().mark();
      Curl r = curl("-u", "admin:secret", "http://127.0.0.1:" + lb.port() + path);
      assertThat(r.exit).as(r.err).isZero();
      assertThat(r.out).startsWith("200");
      awaitHttpd(m1, m2, e -> e.resource().equals(path) && "admin".equals(e.user()));
      awaitAccessLog(path, client);
    }
  }

  @Test
  void theBalancerWithoutAHeaderIsRefusedAndAHeaderFromElsewhereToo() throws Exception {
    Curl noHeader = curl("--interface", "127.0.0.2", "-u", "admin:secret",
        proxy.url() + "/a/config/server/version");
    assertThat(noHeader.exit).as("curl: empty reply").isEqualTo(52);

    Curl forged = curl("--haproxy-protocol", "-u", "admin:secret",
        proxy.url() + "/a/config/server/version");
    assertThat(forged.exit).as("a header from 127.0.0.1, not listed").isEqualTo(52);

    Curl plain = curl("-u", "admin:secret", proxy.url() + "/a/config/server/version");
    assertThat(plain.exit).as(plain.err).isZero();
    assertThat(plain.out).startsWith("200");
  }

  // ------------------------------------------------------------------------------------- SSH

  @Test
  void sshThroughTheBalancerRunsWithTheHeadersClientAsFrom() throws Exception {
    for (boolean v2 : List.of(false, true)) {
      try (ProxyProtocolBalancer lb = new ProxyProtocolBalancer(proxy.process().sshAddress(),
          BALANCER)) {
        InetSocketAddress client = v2 ? CLIENT_V6 : CLIENT_V4;
        if (v2) {
          lb.sendV2(client);
        } else {
          lb.sendV1(client);
        }
        LogMark m1 = cluster.node(1).sshdLog().mark();
        LogMark m2 = cluster.node(2).sshdLog().mark();
        SshCli.Result r = SshCli.run(lb.port(), userKey, user, "gerrit", "version");
        assertThat(r.exit()).as(r.err()).isZero();
        String from = v2 ? "--from.[2001:db8:0:0:0:0:0:7]:40124" : "--from.198.51.100.23:40123";
        awaitSshd(m1, m2, e -> e.actsFor(user) && e.message().contains(from));
      }
    }
    awaitAccessLog("gerrit version", "198.51.100.23:40123");
    awaitAccessLog("gerrit version", "[2001:db8:0:0:0:0:0:7]:40124");
  }

  @Test
  void sshFromTheBalancerWithoutAHeaderAndAHeaderFromElsewhereAreRefused() throws Exception {
    SshCli.Result noHeader = SshCli.run(List.of("-o", "BindAddress=127.0.0.2"),
        proxy.process().sshAddress().getPort(), userKey, user, "gerrit", "version");
    assertThat(noHeader.exit()).isEqualTo(255);

    try (ProxyProtocolBalancer forger = new ProxyProtocolBalancer(proxy.process().sshAddress(),
        InetAddress.getLoopbackAddress())) {
      forger.sendV1(CLIENT_V4);
      SshCli.Result forged = SshCli.run(forger.port(), userKey, user, "gerrit", "version");
      assertThat(forged.exit()).isEqualTo(255);
    }

    SshCli.Result plain = SshCli.run(proxy.process().sshAddress().getPort(), userKey, user,
        "gerrit", "version");
    assertThat(plain.exit()).as(plain.err()).isZero();
  }

  @Test
  void theLoginThrottleBlocksTheClientTheHeaderNamesNotTheBalancer() throws Exception {
    Path stranger = SshCli.newKey(dir, "stranger_" + System.nanoTime());
    InetSocketAddress attacker = new InetSocketAddress(address("203.0.113.66"), 50000);
    try (ProxyProtocolBalancer lb = new ProxyProtocolBalancer(proxy.process().sshAddress(),
        BALANCER)) {
      lb.sendV1(attacker);
      for (int i = 0; i < 3; i++) {
        assertThat(SshCli.run(lb.port(), stranger, user, "gerrit", "version").exit())
            .isEqualTo(255);
      }
      SshCli.Result blocked = SshCli.run(lb.port(), userKey, user, "gerrit", "version");
      assertThat(blocked.exit()).as("the attacker's address is blocked, even with a good key")
          .isEqualTo(255);

      lb.sendV1(CLIENT_V4);
      SshCli.Result other = SshCli.run(lb.port(), userKey, user, "gerrit", "version");
      assertThat(other.exit()).as("another client behind the same balancer: " + other.err())
          .isZero();
    }
  }

  // --------------------------------------------------------------------------------- helpers

  record Curl(int exit, String out, String err) {}

  /** Real curl; prints the status code and the body. */
  static Curl curl(String... args) throws IOException, InterruptedException {
    List<String> argv = new ArrayList<>(List.of("curl", "-sS", "--max-time", "60", "-w",
        "%{http_code}\\n", "-o", "-"));
    argv.addAll(List.of(args));
    // -w prints after the body: put the code first for the asserts.
    Process p = new ProcessBuilder(argv).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
    String[] lines = out.strip().split("\n");
    String code = lines[lines.length - 1];
    return new Curl(p.exitValue(), code + "\n" + out, err);
  }

  /** Waits (bounded) for a line of the proxy's own access logs that holds both texts. */
  private static void awaitAccessLog(String what, String client) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (accessLines.list.stream().map(ILoggingEvent::getFormattedMessage)
        .noneMatch(l -> l.contains(what) && l.contains(client))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no access log line with " + what + " and " + client + " in "
            + accessLines.list.stream().map(ILoggingEvent::getFormattedMessage).toList());
      }
      Thread.sleep(50);
    }
  }

  /** Waits (bounded) until either node's httpd_log has a matching line since the marks. */
  private static void awaitHttpd(LogMark m1, LogMark m2, Predicate<HttpdLogEntry> match)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (cluster.node(1).httpdLog().since(m1).stream().noneMatch(match)
        && cluster.node(2).httpdLog().since(m2).stream().noneMatch(match)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no such line in the nodes' httpd_log; last lines: "
            + cluster.node(1).httpdLog().tail(3) + " " + cluster.node(2).httpdLog().tail(3));
      }
      Thread.sleep(100);
    }
  }

  private static void awaitSshd(LogMark m1, LogMark m2, Predicate<SshdLogEntry> match)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (cluster.node(1).sshdLog().since(m1).stream().noneMatch(match)
        && cluster.node(2).sshdLog().since(m2).stream().noneMatch(match)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no such line in the nodes' sshd_log; last lines: "
            + cluster.node(1).sshdLog().tail(3) + " " + cluster.node(2).sshdLog().tail(3));
      }
      Thread.sleep(100);
    }
  }

  private static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
