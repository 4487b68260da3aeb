package org.gerritproxy.core.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.gerritproxy.core.ProxyProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin token as the running process enforces it: every path and method, known or not, is
 * refused without it before anything else happens; a reload that changes it applies at once.
 * (That a non-loopback admin address cannot be configured without a token is in
 * {@code ConfigProblemsTest}.)
 */
class AdminTokenInTheProcessTest {
  @TempDir Path dir;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private ProxyProcess proxy;

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void everyPathAndMethodNeedsTheTokenAndAReloadChangesIt() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort(); // a node that never answers: this test is about the admin listener
    }
    Path config = dir.resolve("proxy.config");
    Files.writeString(config, "[httpd]\n\tlistenAddress = 127.0.0.1:0\n[sshd]\n\tlistenAddress = 127.0.0.1:0\n"
        + "\thostKey = " + dir.resolve("host_key") + "\n\tpeerKey = " + dir.resolve("peer_key") + "\n"
        + "[admin]\n\tlistenAddress = 127.0.0.1:0\n"
        + "[node \"gerrit-1\"]\n\thttp = http://127.0.0.1:" + closed + "\n\tssh = 127.0.0.1:" + closed + "\n");
    Files.writeString(dir.resolve("secure.config"), "[admin]\n\ttoken = first-token\n");
    proxy = ProxyProcess.start(config);
    String base = "http://127.0.0.1:" + proxy.adminAddress().getPort();
    long reloadsBefore = reloadEvents(base, "first-token");

    for (String method : List.of("GET", "HEAD", "POST", "PUT", "DELETE")) {
      for (String path : List.of("/", "/health", "/metrics", "/reload", "/no-such-page",
          "/health?token=first-token")) {
        HttpResponse<String> r = send(base, method, path, null);
        assertThat(r.statusCode()).as(method + " " + path + " without the token").isEqualTo(401);
        assertThat(send(base, method, path, "first-token-not").statusCode())
            .as(method + " " + path + " with a wrong token").isEqualTo(401);
      }
    }
    assertThat(reloadEvents(base, "first-token")).as("no reload happened").isEqualTo(reloadsBefore);
    assertThat(send(base, "GET", "/reload", "first-token").statusCode()).isEqualTo(405);

    Files.writeString(dir.resolve("secure.config"), "[admin]\n\ttoken = second-token\n");
    assertThat(proxy.reload()).isTrue();
    assertThat(send(base, "GET", "/health", "first-token").statusCode()).isEqualTo(401);
    assertThat(send(base, "GET", "/metrics", "second-token").statusCode()).isEqualTo(200);
    assertThat(send(base, "POST", "/reload", "second-token").statusCode()).isEqualTo(200);
  }

  private long reloadEvents(String base, String token) throws Exception {
    String body = send(base, "GET", "/health", token).body();
    return body.lines().filter(l -> l.contains("\"kind\" : \"reload")).count();
  }

  private HttpResponse<String> send(String base, String method, String path, String token)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
