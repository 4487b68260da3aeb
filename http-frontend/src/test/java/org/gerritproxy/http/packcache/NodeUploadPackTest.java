package org.gerritproxy.http.packcache;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.Collections;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.gerritproxy.routing.git.PktLines;
import org.gerritproxy.routing.packcache.VisibleRefs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cache's ls-refs check: identical checks under way at once ask the node once; other
 * credentials ask on their own; a finished answer is never reused. The node is a stand-in that
 * holds its answers until the test lets them go, which a real Gerrit cannot be told to do.
 */
class NodeUploadPackTest {

  static final String TIP = "a".repeat(40);

  HttpServer node;
  final List<String> asked = new CopyOnWriteArrayList<>();
  volatile CountDownLatch release = new CountDownLatch(1);
  NodeUploadPack client;

  @BeforeEach
  void start() throws Exception {
    node = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    node.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    node.createContext("/", exchange -> {
      exchange.getRequestBody().readAllBytes();
      asked.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      b.writeBytes(PktLines.data(TIP + " refs/heads/master\n"));
      b.writeBytes(PktLines.FLUSH);
      byte[] answer = b.toByteArray();
      exchange.sendResponseHeaders(200, answer.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(answer);
      }
    });
    node.start();
    client = new NodeUploadPack(Duration.ofSeconds(5), Duration.ofSeconds(30));
  }

  @AfterEach
  void stop() {
    release.countDown();
    node.stop(0);
    client.close();
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + node.getAddress().getPort() + "/p/git-upload-pack");
  }

  void awaitAsked(int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (asked.size() < n) {
      assertThat(System.nanoTime()).as("%d checks reached the node", n).isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  @Test
  void identicalChecksUnderWayAskOnceOtherCredentialsAskAgainAndAnswersAreNotReused()
      throws Exception {
    Map<String, String> alice = Map.of("Authorization", "Basic YWxpY2U6cHc=",
        "X-Forwarded-For", "10.0.0.1");
    Map<String, String> aliceElsewhere = Map.of("Authorization", "Basic YWxpY2U6cHc=",
        "X-Forwarded-For", "10.0.0.2");
    Map<String, String> bob = Map.of("Authorization", "Basic Ym9iOnB3");
    SortedSet<String> every = Collections.emptySortedSet();
    CompletableFuture<VisibleRefs> first = client.lsRefs(url(), alice, Optional.empty(), every);
    awaitAsked(1);
    CompletableFuture<VisibleRefs> second =
        client.lsRefs(url(), aliceElsewhere, Optional.empty(), every);
    CompletableFuture<VisibleRefs> other = client.lsRefs(url(), bob, Optional.empty(), every);
    // The same user asking about other refs gets another answer: it asks on its own.
    CompletableFuture<VisibleRefs> narrowed = client.lsRefs(url(), alice, Optional.empty(),
        new TreeSet<>(List.of("refs/heads/main")));
    awaitAsked(3);
    release.countDown();
    assertThat(first.get(30, TimeUnit.SECONDS).tips()).containsExactly(TIP);
    assertThat(second.get(30, TimeUnit.SECONDS).tips()).containsExactly(TIP);
    assertThat(other.get(30, TimeUnit.SECONDS).tips()).containsExactly(TIP);
    assertThat(narrowed.get(30, TimeUnit.SECONDS).tips()).containsExactly(TIP);
    assertThat(asked).containsExactlyInAnyOrder("Basic YWxpY2U6cHc=", "Basic Ym9iOnB3",
        "Basic YWxpY2U6cHc=");

    client.lsRefs(url(), alice, Optional.empty(), every).get(30, TimeUnit.SECONDS);
    assertThat(asked).as("a finished check is not reused").hasSize(4);
  }
}
