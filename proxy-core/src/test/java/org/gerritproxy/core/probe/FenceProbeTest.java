package org.gerritproxy.core.probe;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.gerritproxy.routing.AdminState;
import org.gerritproxy.routing.Endpoint;
import org.gerritproxy.routing.Node;
import org.junit.jupiter.api.Test;

/**
 * How the proxy reads a node's fence: the plugin's JSON, a node without the plugin (404, shown
 * unfenced: it works as before), and one that does not answer.
 */
class FenceProbeTest {
  @Test
  void thePluginsAnswerIsReadAsFencedEnforcedOrUnfenced() {
    Instant now = Instant.now();
    FenceReading fenced = FenceReading.parse("{\"node\":\"gerrit-2\",\"fenced\":true,\"epoch\":7,"
        + "\"master\":\"gerrit-1\",\"reason\":\"gerrit-2 is not the write master\","
        + "\"repositories\":true}", now);
    assertThat(fenced).isEqualTo(new FenceReading(FenceReading.State.FENCED, 7,
        Optional.of("gerrit-1"), "gerrit-2 is not the write master", now, true));
    assertThat(FenceReading.parse("{\"fenced\":true,\"epoch\":7,\"master\":\"gerrit-1\"}", now)
        .repositories()).as("a plugin older than FenceGitModule: its doors only").isFalse();
    assertThat(FenceReading.parse("{\"fenced\":false,\"epoch\":7,\"master\":\"gerrit-1\"}", now)
        .state()).isEqualTo(FenceReading.State.ENFORCED);
    assertThat(FenceReading.parse("{\"fenced\":false,\"epoch\":-1,\"master\":null}", now).state())
        .as("no record published yet").isEqualTo(FenceReading.State.UNFENCED);
    assertThat(FenceReading.parse("<html>", now).state()).isEqualTo(FenceReading.State.UNKNOWN);
  }

  @Test
  void aNodeWithoutThePluginIsUnfencedAndASilentOneUnknown() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      byte[] body = "Not Found".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(404, body.length); // what Gerrit answers without the plugin
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    int closedPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    Node plain = node("plain", server.getAddress().getPort());
    Node silent = node("silent", closedPort);
    try (FenceProbe probe = new FenceProbe(HttpClient.newHttpClient(), Clock.systemUTC(),
        () -> List.of(plain, silent), () -> Duration.ofSeconds(2))) {
      probe.start();
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (probe.readings().size() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(probe.readings().get("plain").state()).isEqualTo(FenceReading.State.UNFENCED);
      assertThat(probe.readings().get("plain").reason()).contains("no fence plugin");
      assertThat(probe.readings().get("silent").state()).isEqualTo(FenceReading.State.UNKNOWN);
    } finally {
      server.stop(0);
    }
  }

  private static Node node(String name, int port) {
    return new Node(name, URI.create("http://127.0.0.1:" + port + "/"),
        new Endpoint("127.0.0.1", 29418), 1, 1, AdminState.ACTIVE);
  }
}
