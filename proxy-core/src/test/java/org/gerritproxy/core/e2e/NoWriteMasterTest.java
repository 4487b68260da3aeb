package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gerritproxy.core.ProxyProcess;
import org.gerritproxy.routing.NodeState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With every node dead there is no write master: writes are refused with 503 and Retry-After,
 * and {@code git push} prints the reason instead of a bare HTTP error.
 */
class NoWriteMasterTest {
  @TempDir Path dir;
  private ProxyProcess proxy;

  @BeforeEach
  void startProxyInFrontOfDeadNodes() throws Exception {
    int dead1 = freePort();
    int dead2 = freePort();
    Path config = dir.resolve("proxy.config");
    Files.writeString(config, String.join("\n",
        "[httpd]", "\tlistenAddress = 127.0.0.1:0",
        "[admin]", "\tlistenAddress = 127.0.0.1:0", "[sshd]", "\tlistenAddress = 127.0.0.1:0",
        "[health]", "\tinterval = 200ms", "\ttimeout = 500ms",
        "[node \"gerrit-1\"]", "\thttp = http://127.0.0.1:" + dead1, "\tssh = 127.0.0.1:" + dead1,
        "\tpriority = 100",
        "[node \"gerrit-2\"]", "\thttp = http://127.0.0.1:" + dead2, "\tssh = 127.0.0.1:" + dead2,
        "[election]", "\tmode = local", ""));
    proxy = ProxyProcess.start(config);
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (proxy.cluster().snapshot().health().stateOf("gerrit-1") != NodeState.DOWN
        || proxy.cluster().snapshot().health().stateOf("gerrit-2") != NodeState.DOWN) {
      assertThat(System.nanoTime()).as("both nodes are seen DOWN within 10 s").isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  @AfterEach
  void stop() {
    proxy.close();
  }

  @Test
  void restWriteGets503WithRetryAfterAndAReason() throws Exception {
    var client = java.net.http.HttpClient.newHttpClient();
    HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + proxy.httpAddress().getPort() + "/a/projects/x"))
        .PUT(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.headers().firstValue("Retry-After")).isPresent();
    assertThat(response.body()).contains("no write master");
  }

  @Test
  void gitPushFailsAndPrintsWhy() throws Exception {
    Path repo = dir.resolve("repo");
    Files.createDirectories(repo);
    Git.ok(repo, "init", "-q");
    Git.ok(repo, "commit", "-q", "--allow-empty", "-m", "first");
    Git.Result push = Git.run(repo, "push",
        "http://admin:secret@127.0.0.1:" + proxy.httpAddress().getPort() + "/a/project",
        "HEAD:refs/heads/master");
    assertThat(push.exit()).isNotZero();
    assertThat(push.output()).contains("no write master");
  }

  @Test
  void healthSays503WhenThereIsNoMaster() throws Exception {
    var client = java.net.http.HttpClient.newHttpClient();
    HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create(
        "http://127.0.0.1:" + proxy.adminAddress().getPort() + "/health")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(503);
    assertThat(health.body()).contains("\"state\" : \"DOWN\"").contains("\"node\" : null");
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
