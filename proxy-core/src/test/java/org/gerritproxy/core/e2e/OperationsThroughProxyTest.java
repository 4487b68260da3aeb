package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.gerritproxy.core.cluster.GerritAdmin;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritClusterExtension;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.ssh.KeyFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * What an operator watches, against the real two-node cluster: SSH and HTTP traffic, open
 * connections and sessions, the key cache and failovers in {@code /metrics}; and no secret of the
 * configuration or of a user ever in a log, {@code /health}, the dashboard or {@code /metrics}.
 * Every secret here is unique to the run, so finding it anywhere is never a coincidence.
 */
@ExtendWith(GerritClusterExtension.class)
class OperationsThroughProxyTest {
  @TempDir static Path dir;
  static GerritCluster cluster;
  static ProxyFixture proxy;
  static Path userKey;
  static String user;
  static String accountsUser;
  static final String ACCOUNTS_PASSWORD = "acct-pw-" + UUID.randomUUID();
  static final String ADMIN_TOKEN = "admin-tok-" + UUID.randomUUID();
  static final String BACKDOOR_PASSWORD = "backdoor-pw-" + UUID.randomUUID();
  static final String USER_PASSWORD = "user-pw-" + UUID.randomUUID();
  static final List<String> logged = Collections.synchronizedList(new ArrayList<>());
  static AppenderBase<ILoggingEvent> capture;

  @BeforeAll
  static void start(GerritCluster c) throws Exception {
    cluster = c;
    captureEveryLogLine();
    String suffix = Long.toString(System.nanoTime(), 36);
    user = "ops-user-" + suffix;
    accountsUser = "ops-keys-" + suffix;
    userKey = SshCli.newKey(dir, "id_" + user);
    GerritAdmin admin = c.node(1).admin();
    admin.createUser(user, USER_PASSWORD, Files.readString(dir.resolve("id_" + user + ".pub")));
    // Stream Events is an administrator's capability by default; without it Gerrit ends the
    // stream at once and the open-connection gauges are gone before a scrape sees them.
    admin.put("groups/Administrators/members/" + user, Map.of());
    // The proxy reads users' keys as an administrator of its own, whose password is unique here.
    admin.createUser(accountsUser, ACCOUNTS_PASSWORD);
    admin.put("groups/Administrators/members/" + accountsUser, Map.of());
    Path peerKey = dir.resolve("peer_key");
    KeyPair peer = KeyFiles.loadOrCreate(peerKey);
    for (GerritNode node : c.nodes()) {
      node.trustPeerKey(KeyFiles.publicBase64(peer));
    }
    Files.writeString(dir.resolve("secure.config"), secureConfig(""));
    proxy = ProxyFixture.start(dir, c.nodes(), sections("gerrit-1"));
    proxy.awaitMaster("gerrit-1");
  }

  static String sections(String master) {
    return ProxyFixture.staticMaster(master)
        + "[accounts]\n\tuser = " + accountsUser + "\n"
        + "[backdoor]\n\ttype = jdbc\n\turl = jdbc:h2:file:" + dir.resolve("heartbeat")
        + ";AUTO_SERVER=TRUE\n\tuser = hb\n"
        + "[sshd]\n\tpeerKey = " + dir.resolve("peer_key") + "\n\thostKey = "
        + dir.resolve("ssh_host_key") + "\n";
  }

  static String secureConfig(String extra) {
    return "[accounts]\n\tpassword = " + ACCOUNTS_PASSWORD + "\n"
        + "[admin]\n\ttoken = " + ADMIN_TOKEN + "\n"
        + "[backdoor]\n\tpassword = " + BACKDOOR_PASSWORD + "\n" + extra;
  }

  static void captureEveryLogLine() {
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    capture = new AppenderBase<>() {
      @Override
      protected void append(ILoggingEvent e) {
        String line = e.getLoggerName() + " " + e.getFormattedMessage();
        if (e.getThrowableProxy() != null) {
          line += "\n" + ThrowableProxyUtil.asString(e.getThrowableProxy());
        }
        logged.add(line);
      }
    };
    capture.setContext(ctx);
    capture.start();
    ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(capture);
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (capture != null) {
      ((LoggerContext) LoggerFactory.getILoggerFactory())
          .getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(capture);
    }
  }

  @Test
  void sshCommandsAreCountedByClassNodeAndOutcomeWithTheirBytes() throws Exception {
    String before = admin("/metrics").body();

    SshCli.Result version = ssh("gerrit", "version");
    assertThat(version.exit()).as(version.err()).isZero();
    SshCli.Result refused = ssh("gerrit", "no-such-command");
    assertThat(refused.exit()).isNotZero();

    String after = awaitMetrics("ssh commands counted", m ->
        Metrics.sum(m, "gerrit_proxy_requests_total", Map.of("frontend", "ssh")) >= 2
            + Metrics.sum(before, "gerrit_proxy_requests_total", Map.of("frontend", "ssh")));
    Map<String, String> read = Map.of("frontend", "ssh", "class", "read", "outcome", "completed");
    assertThat(Metrics.sum(after, "gerrit_proxy_requests_total", read))
        .as("gerrit version is a read, completed")
        .isEqualTo(Metrics.sum(before, "gerrit_proxy_requests_total", read) + 1);
    // An unknown command is a write (the safe default), so it ran on the master and failed there.
    Map<String, String> write = Map.of("frontend", "ssh", "class", "write", "node", "gerrit-1");
    assertThat(Metrics.sum(after, "gerrit_proxy_requests_total", write))
        .isEqualTo(Metrics.sum(before, "gerrit_proxy_requests_total", write) + 1);
    Map<String, String> out = Map.of("frontend", "ssh", "direction", "out");
    assertThat(Metrics.sum(after, "gerrit_proxy_bytes_total", out))
        .as("the version's bytes")
        .isGreaterThanOrEqualTo(Metrics.sum(before, "gerrit_proxy_bytes_total", out)
            + version.out().length());
    assertThat(after).containsPattern(
        "gerrit_proxy_request_duration_seconds_count\\{class=\"read\",frontend=\"ssh\",node=\"gerrit-[12]\"} [1-9]");
  }

  @Test
  void keyCacheHitsAndMissesAreCounted() throws Exception {
    assertThat(ssh("gerrit", "version").exit()).isZero();
    assertThat(ssh("gerrit", "version").exit()).isZero();
    String m = admin("/metrics").body();
    assertThat(Metrics.sum(m, "gerrit_proxy_key_cache_requests_total", Map.of("result", "miss")))
        .as("the first login asked Gerrit").isGreaterThanOrEqualTo(1);
    assertThat(Metrics.sum(m, "gerrit_proxy_key_cache_requests_total", Map.of("result", "hit")))
        .as("a later login did not").isGreaterThanOrEqualTo(1);
  }

  @Test
  void openConnectionsAndSessionsAreGaugesThatFallBack() throws Exception {
    Map<String, String> sshConnections = Map.of("frontend", "ssh");
    Map<String, String> httpConnections = Map.of("frontend", "http");
    Map<String, String> masterSessions = Map.of("node", "gerrit-1");
    double httpBefore = Metrics.sum(admin("/metrics").body(), "gerrit_proxy_open_connections",
        httpConnections);

    // stream-events runs on the master and stays open: one client connection, one session there.
    List<String> argv = new ArrayList<>(List.of("ssh", "-p",
        Integer.toString(proxy.process().sshAddress().getPort())));
    argv.addAll(SshCli.options(userKey));
    argv.addAll(List.of("-l", user, "127.0.0.1", "gerrit", "stream-events"));
    Process events = new ProcessBuilder(argv).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try (Socket idle = new Socket("127.0.0.1", proxy.process().httpAddress().getPort())) {
      awaitMetrics("an SSH connection, a session on the master, an HTTP connection", m ->
          Metrics.sum(m, "gerrit_proxy_open_connections", sshConnections) >= 1
              && Metrics.sum(m, "gerrit_proxy_open_sessions", masterSessions) >= 1
              && Metrics.sum(m, "gerrit_proxy_open_connections", httpConnections)
                  >= httpBefore + 1);
      String health = admin("/health").body();
      assertThat(health).containsPattern("\"openSessions\" : [1-9]");
    } finally {
      events.destroy();
      if (!events.waitFor(10, TimeUnit.SECONDS)) {
        events.destroyForcibly();
      }
    }
    awaitMetrics("connections and sessions closed again", m ->
        Metrics.sum(m, "gerrit_proxy_open_connections", sshConnections) == 0
            && Metrics.sum(m, "gerrit_proxy_open_sessions", masterSessions) == 0
            && Metrics.sum(m, "gerrit_proxy_open_connections", httpConnections) <= httpBefore);
  }

  @Test
  void aMovedMasterCountsAsAFailoverAndReloadsAreCounted() throws Exception {
    String before = admin("/metrics").body();
    try {
      proxy.reconfigure(cluster.nodes(), sections("gerrit-2"));
      proxy.awaitMaster("gerrit-2");
    } finally {
      proxy.reconfigure(cluster.nodes(), sections("gerrit-1"));
      proxy.awaitMaster("gerrit-1");
    }
    String after = admin("/metrics").body();
    assertThat(Metrics.sum(after, "gerrit_proxy_failovers_total", Map.of()))
        .isEqualTo(Metrics.sum(before, "gerrit_proxy_failovers_total", Map.of()) + 2);
    assertThat(Metrics.sum(after, "gerrit_proxy_reloads_total", Map.of("result", "ok")))
        .isGreaterThanOrEqualTo(Metrics.sum(before, "gerrit_proxy_reloads_total",
            Map.of("result", "ok")) + 2);
  }

  @Test
  void noSecretAppearsInLogsHealthDashboardOrMetrics() throws Exception {
    // A user's HTTP Basic password on REST and on git, wrong and right.
    assertThat(proxy.get("/a/accounts/self", user, USER_PASSWORD).statusCode()).isEqualTo(200);
    assertThat(proxy.get("/a/accounts/self", user, "wrong-" + USER_PASSWORD).statusCode())
        .isEqualTo(401);
    Git.Result clone = Git.run(Files.createTempDirectory(dir, "clone"), Map.of(), "clone",
        proxy.url(user, USER_PASSWORD) + "/a/All-Projects", "repo");
    assertThat(clone.output()).doesNotContain(USER_PASSWORD);
    // An SSH command that carries a password (Gerrit's own syntax) is logged masked.
    ssh("gerrit", "set-account", "--http-password", USER_PASSWORD, user);
    // A broken secure.config: the error shown must point at the line, not quote the secret.
    Files.writeString(dir.resolve("secure.config"),
        secureConfig("[accounts]\n\tpassword = \"" + ACCOUNTS_PASSWORD + "\n"));
    assertThat(proxy.process().reload()).isFalse();
    String brokenHealth = admin("/health").body();
    assertThat(brokenHealth).contains("secure.config:");
    String brokenDashboard = admin("/").body();
    Files.writeString(dir.resolve("secure.config"), secureConfig(""));
    assertThat(proxy.process().reload()).isTrue();
    HttpResponse<String> noToken = proxy.http.send(HttpRequest.newBuilder(
        URI.create(proxy.adminUrl() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(noToken.statusCode()).isEqualTo(401);

    List<String> everything = new ArrayList<>();
    synchronized (logged) {
      everything.addAll(logged);
    }
    everything.addAll(List.of(brokenHealth, brokenDashboard, noToken.body(), admin("/health").body(),
        admin("/").body(), admin("/metrics").body()));
    assertThat(everything).as("log lines and admin pages").isNotEmpty();
    assertThat(String.join("\n", logged)).as("the access logs were captured")
        .contains("/a/accounts/self").contains("set-account");
    for (String secret : List.of(ACCOUNTS_PASSWORD, ADMIN_TOKEN, BACKDOOR_PASSWORD, USER_PASSWORD)) {
      assertThat(everything).as("where %s could leak", secret.substring(0, secret.indexOf('-')))
          .noneMatch(s -> s.contains(secret));
    }
  }

  @Test
  void noFrontendFetchesAnAddressNamedInTheRequest() throws Exception {
    try (ServerSocket canary = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      String target = "127.0.0.1:" + canary.getLocalPort();
      int http = proxy.process().httpAddress().getPort();
      String absolute = raw(http, "GET http://" + target + "/config/server/version HTTP/1.1\r\n"
          + "Host: " + target + "\r\nConnection: close\r\n\r\n");
      assertThat(absolute).as("the path goes to a node, whatever host the URI names")
          .startsWith("HTTP/1.1 200").contains("X-Gerrit-Proxy-Node");
      assertThat(raw(http, "CONNECT " + target + " HTTP/1.1\r\nHost: " + target
          + "\r\nConnection: close\r\n\r\n")).as("CONNECT is refused").startsWith("HTTP/1.1 4");
      int adminPort = proxy.process().adminAddress().getPort();
      for (String path : List.of("/", "/health", "/metrics")) {
        assertThat(raw(adminPort, "GET http://" + target + path + "?url=http://" + target
            + "/&target=" + target + " HTTP/1.1\r\nHost: " + target + "\r\nAuthorization: Bearer "
            + ADMIN_TOKEN + "\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 200");
      }
      canary.setSoTimeout(1000);
      try (Socket s = canary.accept()) {
        throw new AssertionError("the proxy connected to an address named in a request: " + s);
      } catch (SocketTimeoutException expected) {
        // nobody came
      }
    }
  }

  // --- helpers

  static SshCli.Result ssh(String... command) throws Exception {
    return SshCli.run(proxy.process().sshAddress().getPort(), userKey, user, command);
  }

  static HttpResponse<String> admin(String path) throws Exception {
    return proxy.http.send(HttpRequest.newBuilder(URI.create(proxy.adminUrl() + path))
            .header("Authorization", "Bearer " + ADMIN_TOKEN).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Scrapes until {@code condition} holds (bounded: 20 s); returns the last document. */
  static String awaitMetrics(String what, java.util.function.Predicate<String> condition)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    String m = admin("/metrics").body();
    while (!condition.test(m)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("within 20 s, expected " + what + " in:\n" + m);
      }
      Thread.sleep(100);
      m = admin("/metrics").body();
    }
    return m;
  }

  static String raw(int port, String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }
}
