package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.gerritproxy.core.cluster.GerritAdmin;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritClusterExtension;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.core.cluster.GerritRestException;
import org.gerritproxy.routing.AdminState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5's "done when": an operator edits proxy.config on disk, with no reload command, and the
 * proxy follows within a second; a broken edit is refused and shown on {@code /health}.
 */
@ExtendWith(GerritClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConfigFileEditReloadTest {
  private static final String ADMIN = GerritAdmin.ADMIN_USER;
  private static final String SECRET = GerritAdmin.ADMIN_PASSWORD;
  private static final String NODE_HEADER = "X-Gerrit-Proxy-Node";
  private static final ObjectMapper JSON = new ObjectMapper();

  private GerritCluster cluster;
  private GerritNode master;
  private GerritNode drained;
  private ProxyFixture proxy;
  private Path configFile;

  @TempDir Path work;

  @BeforeAll
  void startProxy(GerritCluster cluster, @TempDir Path proxyDir) throws Exception {
    this.cluster = cluster;
    this.master = cluster.node(1);
    this.drained = cluster.node(2);
    configFile = proxyDir.resolve("proxy.config");
    proxy = ProxyFixture.withStaticMaster(proxyDir, cluster, master.name());
    proxy.awaitMaster(master.name());
  }

  @AfterAll
  void stopProxy() {
    if (proxy != null) {
      proxy.close();
    }
  }

  /** Each test starts from the file the proxy was started with. */
  @AfterEach
  void restoreConfig() throws Exception {
    Files.writeString(configFile, configText(false));
    awaitUntil(Duration.ofSeconds(5), () -> !isDrainedInForce() && configError().isEmpty());
  }

  @Test
  void editingTheConfigFileDrainsANodeWithinASecondWithoutBreakingACloneUnderWay() throws Exception {
    String user = userStickyTo(drained.name());
    String project = "drain-" + System.nanoTime();
    master.admin().createProject(project);
    Path source = work.resolve("source");
    Git.ok(work, "clone", "-q", proxy.url(ADMIN, SECRET) + "/a/" + project, source.toString());
    writeRandomFiles(source, 3, 20); // 60 MB that does not compress
    Git.ok(source, "add", ".");
    Git.ok(source, "commit", "-q", "-m", "60 MB of incompressible data");
    Git.ok(source, "push", "-q", proxy.url(ADMIN, SECRET) + "/a/" + project, "HEAD:refs/heads/master");
    String pushed = Git.ok(source, "rev-parse", "HEAD").strip();

    try (ThrottledRelay slow = new ThrottledRelay(proxy.process().httpAddress().getPort(), 10 << 20)) {
      Path copy = work.resolve("copy");
      String url = "http://" + user + ":pw-" + user + "@127.0.0.1:" + slow.port() + "/a/" + project;
      CompletableFuture<Git.Result> clone = CompletableFuture.supplyAsync(() -> {
        try {
          return Git.run(work, "clone", "-q", url, copy.toString());
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      awaitUntil(Duration.ofSeconds(60), () -> slow.delivered() > (8 << 20));
      assertThat(clone).as("the clone is still under way when the file is edited").isNotDone();

      int eventsBefore = reloadEvents();
      long edited = System.nanoTime();
      Files.writeString(configFile, configText(true));
      String servedBy = drained.name();
      while (servedBy.equals(drained.name())
          && System.nanoTime() - edited < Duration.ofSeconds(5).toNanos()) {
        servedBy = readAs(user).headers().firstValue(NODE_HEADER).orElseThrow();
      }
      long tookMillis = (System.nanoTime() - edited) / 1_000_000;
      assertThat(servedBy).as("a new read of " + user + " moved off the drained node")
          .isEqualTo(master.name());
      assertThat(tookMillis).as("milliseconds from the edit to the move").isLessThan(1000);
      assertThat(clone).as("the clone already under way is still running").isNotDone();
      assertThat(reloadEvents()).as("the edit was recorded as a reload event")
          .isGreaterThan(eventsBefore);

      Git.Result result = clone.get(5, TimeUnit.MINUTES);
      result.assertOk("the clone that started on the drained node");
      assertThat(Git.ok(copy, "rev-parse", "HEAD").strip()).isEqualTo(pushed);
      for (int file = 0; file < 3; file++) {
        assertThat(Files.mismatch(copy.resolve("blob-" + file + ".bin"),
            source.resolve("blob-" + file + ".bin"))).isEqualTo(-1L);
      }
      for (int i = 0; i < 5; i++) {
        assertThat(readAs(user).headers().firstValue(NODE_HEADER)).hasValue(master.name());
      }
    }
  }

  @Test
  void aBrokenEditIsRefusedAndShownOnHealthUntilTheFileIsFixed() throws Exception {
    var before = proxy.process().config();
    String broken = configText(false) + "[httpd\n";
    int badLine = (int) broken.lines().count();
    Files.writeString(configFile, broken);

    String where = "proxy.config:" + badLine + ":";
    awaitUntil(Duration.ofSeconds(5), () -> configError().contains(where));
    assertThat(proxy.process().config()).as("the old configuration stays in force").isSameAs(before);
    assertThat(proxy.process().cluster().snapshot().master().is(master.name())).isTrue();
    assertThat(proxy.get("/config/server/version", null, null).statusCode()).isEqualTo(200);
    assertThat(events(e -> e.path("kind").asText().equals("reload-failed")
        && e.path("message").asText().contains(where)))
        .as("the refused edit was recorded as an event").isPositive();

    Files.writeString(configFile, configText(true));
    awaitUntil(Duration.ofSeconds(5), () -> configError().isEmpty());
    assertThat(isDrainedInForce()).as("the fixed file is in force").isTrue();
  }

  @Test
  void aNewNodeHeaderAppliesToNewConnectionsWithoutARestart() throws Exception {
    String listen = "[httpd]\n\tlistenAddress = 127.0.0.1:0\n";
    String text = configText(false);
    assertThat(text).contains(listen);
    assertThat(headersOfANewConnection()).contains(NODE_HEADER + ": ");

    Files.writeString(configFile, text.replace(listen, listen + "\tnodeHeader = X-Served-By\n"));
    awaitUntil(Duration.ofSeconds(5),
        () -> headersOfANewConnection().contains("X-Served-By: "));
    assertThat(headersOfANewConnection()).doesNotContain(NODE_HEADER + ":");
    assertThat(health().path("config").path("restartNeeded")).as("nothing waits for a restart")
        .isEmpty();

    Files.writeString(configFile, text);
    awaitUntil(Duration.ofSeconds(5),
        () -> headersOfANewConnection().contains(NODE_HEADER + ": "));
  }

  // --- helpers

  /**
   * The response headers of a request on a connection of its own: the settings a connection uses
   * are those in force when it was accepted, and an HTTP client would reuse an older one.
   */
  private String headersOfANewConnection() throws Exception {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1",
        proxy.process().httpAddress().getPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(("GET /config/server/version HTTP/1.1\r\nHost: x\r\n"
          + "Connection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String response = new String(s.getInputStream().readAllBytes(),
          java.nio.charset.StandardCharsets.ISO_8859_1);
      int end = response.indexOf("\r\n\r\n");
      return end < 0 ? response : response.substring(0, end);
    }
  }

  private String configText(boolean drain) {
    String text = ProxyFixture.configText(cluster.nodes(), ProxyFixture.staticMaster(master.name()));
    if (!drain) {
      return text;
    }
    String ssh = "\tssh = 127.0.0.1:" + drained.sshPort() + "\n";
    assertThat(text).contains(ssh);
    return text.replace(ssh, ssh + "\tstate = drain\n");
  }

  private boolean isDrainedInForce() {
    return proxy.process().config().node(drained.name()).orElseThrow().adminState()
        == AdminState.DRAIN;
  }

  private String userStickyTo(String node) throws Exception {
    for (int i = 1; i <= 40; i++) {
      String user = "drain-reader-" + i;
      try {
        master.admin().createUser(user, "pw-" + user);
      } catch (GerritRestException e) {
        if (e.status() != 409) {
          throw e;
        }
      }
      HttpResponse<String> self = readAs(user);
      assertThat(self.statusCode()).as(self.body()).isEqualTo(200);
      if (self.headers().firstValue(NODE_HEADER).orElseThrow().equals(node)) {
        return user;
      }
    }
    throw new AssertionError("no user of 40 was sticky to " + node);
  }

  private HttpResponse<String> readAs(String user) throws Exception {
    return proxy.get("/a/accounts/self", user, "pw-" + user);
  }

  private JsonNode health() throws Exception {
    String body = proxy.http.send(HttpRequest.newBuilder(URI.create(proxy.adminUrl() + "/health"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
    return JSON.readTree(body);
  }

  /** {@code /health}'s config.lastError, empty when the last load succeeded. */
  private String configError() throws Exception {
    JsonNode error = health().path("config").path("lastError");
    return error.isNull() || error.isMissingNode() ? "" : error.asText();
  }

  private int reloadEvents() throws Exception {
    return events(e -> e.path("kind").asText().equals("reload"));
  }

  private int events(Predicate<JsonNode> which) throws Exception {
    int n = 0;
    for (JsonNode e : health().path("events")) {
      n += which.test(e) ? 1 : 0;
    }
    return n;
  }

  private static void writeRandomFiles(Path dir, int files, int megabytes) throws Exception {
    Random random = new Random(7);
    byte[] chunk = new byte[1 << 20];
    for (int file = 0; file < files; file++) {
      try (var out = Files.newOutputStream(dir.resolve("blob-" + file + ".bin"))) {
        for (int mb = 0; mb < megabytes; mb++) {
          random.nextBytes(chunk);
          out.write(chunk);
        }
      }
    }
  }

  private interface Condition {
    boolean holds() throws Exception;
  }

  private static void awaitUntil(Duration limit, Condition condition) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.holds()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + limit.toMillis() + " ms");
      }
      Thread.sleep(20);
    }
  }
}
