package org.gerritproxy.core.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.gerritproxy.routing.Endpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The admin listener's guards: the token when one is configured, and /reload only by POST. */
class AdminServerSecurityTest {
  private static final String TOKEN = "t0k3n-for-the-test";

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final AtomicInteger reloads = new AtomicInteger();
  private AdminServer server;
  private String base;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void everyEndpointNeedsTheTokenWhenOneIsConfigured() throws Exception {
    start(Optional.of(TOKEN));
    for (String path : List.of("/", "/health", "/metrics")) {
      assertThat(send(get(path)).statusCode()).as("GET " + path + " without a token").isEqualTo(401);
      assertThat(send(get(path).header("Authorization", "Bearer wrong")).statusCode())
          .as("GET " + path + " with a wrong token").isEqualTo(401);
      assertThat(send(get(path).header("Authorization", "Bearer " + TOKEN)).statusCode())
          .as("GET " + path + " with the token").isEqualTo(200);
    }
    HttpResponse<String> refused = send(post("/reload"));
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.body()).contains("Authorization: Bearer TOKEN").doesNotContain(TOKEN);
    assertThat(reloads).as("no reload without the token").hasValue(0);
    assertThat(send(post("/reload").header("Authorization", "Bearer " + TOKEN)).statusCode())
        .isEqualTo(200);
    assertThat(reloads).hasValue(1);
  }

  @Test
  void reloadAnswersOnlyToPost() throws Exception {
    start(Optional.empty());
    for (String method : List.of("GET", "PUT", "DELETE")) {
      HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/reload"))
          .method(method, HttpRequest.BodyPublishers.noBody()));
      assertThat(r.statusCode()).as(method + " /reload").isEqualTo(405);
      assertThat(r.body()).contains("use POST");
    }
    assertThat(reloads).as("only POST reloads").hasValue(0);
    assertThat(send(post("/reload")).statusCode()).isEqualTo(200);
    assertThat(reloads).hasValue(1);
  }

  private void start(Optional<String> token) throws Exception {
    server = new AdminServer(new Endpoint("127.0.0.1", 0), token, new AdminServer.Pages() {
      @Override
      public AdminServer.Response health() {
        return new AdminServer.Response(200, "application/json", "{}");
      }

      @Override
      public AdminServer.Response dashboard() {
        return new AdminServer.Response(200, "text/html", "<html></html>");
      }

      @Override
      public AdminServer.Response metrics() {
        return new AdminServer.Response(200, "text/plain", "");
      }

      @Override
      public AdminServer.Response reload() {
        reloads.incrementAndGet();
        return new AdminServer.Response(200, "text/plain", "Reloaded.\n");
      }
    });
    base = "http://127.0.0.1:" + server.start().getPort();
  }

  private HttpRequest.Builder get(String path) {
    return HttpRequest.newBuilder(URI.create(base + path)).GET();
  }

  private HttpRequest.Builder post(String path) {
    return HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.noBody());
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
