package org.gerritproxy.core.admin;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.gerritproxy.core.ProxyProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The operator's secrets ({@code [accounts] password}, {@code [admin] token}, {@code [backdoor]
 * password}) and a client's own credentials appear in no log line of the whole process, nor on
 * {@code /health}, {@code /metrics} or the dashboard, while each is in use: the admin pages
 * fetched with the token and without, a reload, an HTTP request with a password, and an SSH login
 * that makes the proxy ask Gerrit for the user's keys with the accounts password.
 */
class SecretsNeverShownTest {
  static final String ACCOUNTS_PASSWORD = "acct-Secret-4711";
  static final String ADMIN_TOKEN = "admin-Token-0815";
  static final String BACKDOOR_PASSWORD = "bd-Secret-1234";
  static final String CLIENT_PASSWORD = "client-Secret-9999";

  @TempDir Path dir;

  static int deadPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void noSecretInLogsHealthMetricsOrDashboard() throws Exception {
    int dead = deadPort();
    Path config = dir.resolve("proxy.config");
    Files.writeString(config, "[proxy]\n\tname = secrets-proxy\n\tshutdownTimeout = 1s\n"
        + "[httpd]\n\tlistenAddress = 127.0.0.1:0\n"
        + "[sshd]\n\tlistenAddress = 127.0.0.1:0\n"
        + "[admin]\n\tlistenAddress = 127.0.0.1:0\n"
        + "[accounts]\n\tuser = proxy-admin\n"
        + "[health]\n\tinterval = 200ms\n\ttimeout = 500ms\n"
        + "[backdoor]\n\ttype = jdbc\n\turl = jdbc:h2:mem:secrets;DB_CLOSE_DELAY=-1\n\tuser = sa\n"
        + "[node \"gerrit-1\"]\n\thttp = http://127.0.0.1:" + dead + "\n\tssh = 127.0.0.1:" + dead + "\n");
    Files.writeString(dir.resolve("secure.config"), "[accounts]\n\tpassword = " + ACCOUNTS_PASSWORD
        + "\n[admin]\n\ttoken = " + ADMIN_TOKEN + "\n[backdoor]\n\tpassword = " + BACKDOOR_PASSWORD + "\n");

    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Level level = root.getLevel();
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    root.addAppender(logs);
    root.setLevel(Level.DEBUG);
    List<String> shown = new ArrayList<>();
    try (ProxyProcess proxy = ProxyProcess.start(config)) {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      String admin = "http://127.0.0.1:" + proxy.adminAddress().getPort();
      for (String path : List.of("/health", "/metrics", "/")) {
        for (boolean withToken : List.of(true, false)) {
          HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(admin + path));
          if (withToken) {
            r.header("Authorization", "Bearer " + ADMIN_TOKEN);
          }
          HttpResponse<String> response = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
          assertThat(response.statusCode()).as(path).isEqualTo(withToken
              ? (path.equals("/health") ? 503 : 200) : 401);
          shown.add(response.body());
        }
      }
      HttpResponse<String> reload = http.send(HttpRequest.newBuilder(URI.create(admin + "/reload"))
          .header("Authorization", "Bearer " + ADMIN_TOKEN)
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      shown.add(reload.body());
      String basic = Base64.getEncoder().encodeToString(("alice:" + CLIENT_PASSWORD)
          .getBytes(StandardCharsets.UTF_8));
      HttpResponse<String> proxied = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
              + proxy.httpAddress().getPort() + "/a/changes/?password=" + CLIENT_PASSWORD))
          .header("Authorization", "Basic " + basic).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(proxied.statusCode()).as("no node is up").isEqualTo(503);
      shown.add(proxied.body());
      // An SSH login makes the proxy ask Gerrit for alice's keys with the accounts password.
      try (SshClient ssh = SshClient.setUpDefaultClient()) {
        ssh.setServerKeyVerifier((s, a, k) -> true);
        ssh.start();
        try (ClientSession s = ssh.connect("alice", "127.0.0.1", proxy.sshAddress().getPort())
            .verify(Duration.ofSeconds(30)).getSession()) {
          s.addPublicKeyIdentity(KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256));
          // Bounded, and generous: on a busy machine the key exchange alone takes seconds.
          s.auth().await(Duration.ofSeconds(60));
          assertThat(s.isAuthenticated()).isFalse();
        }
      }
    } finally {
      root.detachAppender(logs);
      root.setLevel(level);
    }
    for (ILoggingEvent e : logs.list) {
      shown.add(e.getFormattedMessage());
      for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
        shown.add(t.getMessage());
      }
    }
    String accountsBasic = Base64.getEncoder().encodeToString(("proxy-admin:" + ACCOUNTS_PASSWORD)
        .getBytes(StandardCharsets.UTF_8));
    assertThat(logs.list).as("the process logged").hasSizeGreaterThan(10);
    assertThat(logs.list).as("the proxy asked Gerrit for alice's keys")
        .anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("SSH keys of alice"));
    assertThat(shown).allSatisfy(text -> assertThat(String.valueOf(text)).doesNotContain(
        ACCOUNTS_PASSWORD, ADMIN_TOKEN, BACKDOOR_PASSWORD, CLIENT_PASSWORD, accountsBasic));
  }
}
