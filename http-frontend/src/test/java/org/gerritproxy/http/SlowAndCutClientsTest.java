package org.gerritproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.gerritproxy.routing.traffic.AccessRecord;
import org.junit.jupiter.api.Test;

/**
 * Clients that send too slowly (slowloris) or stop in the middle of a body: the first are cut off
 * by {@code httpd.headerTimeout} while others are served; the second never make the node think a
 * request was whole.
 */
class SlowAndCutClientsTest extends HostileClientFixture {

  static final String REQUEST = "GET /changes/ HTTP/1.1\r\nHost: x\r\n\r\n";

  /** Sends {@code text} one byte per {@code pause} until done or the proxy closes. */
  static void trickle(RawHttp c, String text, Duration pause) throws InterruptedException {
    for (byte b : text.getBytes(StandardCharsets.ISO_8859_1)) {
      try {
        c.sendBytes(new byte[] {b});
      } catch (IOException closed) {
        return;
      }
      Thread.sleep(pause.toMillis());
    }
  }

  @Test
  void headersAtOneBytePerSecondGet408WithinTheHeaderTimeout() throws Exception {
    ExecutorService sender = Executors.newSingleThreadExecutor();
    try (RawHttp c = client()) {
      long start = System.nanoTime();
      sender.submit(() -> {
        trickle(c, REQUEST, Duration.ofSeconds(1));
        return null;
      });
      RawHttp.Response r = c.read();
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertRefusedAndClosed(c, r, 408);
      assertThat(r.text()).contains("did not arrive within");
      // Cut off at the timeout (margin for a loaded machine), not after the 36 s of the trickle.
      assertThat(took).isLessThan(HEADER_TIMEOUT.plusSeconds(3));
    } finally {
      sender.shutdownNow();
      assertThat(sender.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(gerrit.requests.get()).isZero();
  }

  @Test
  void fiftySlowlorisConnectionsDoNotStopOthersBeingServed() throws Exception {
    int attackers = 50;
    ExecutorService senders = Executors.newFixedThreadPool(attackers);
    List<RawHttp> slow = new ArrayList<>();
    try {
      List<Future<?>> sending = new ArrayList<>();
      for (int i = 0; i < attackers; i++) {
        RawHttp c = client();
        slow.add(c);
        sending.add(senders.submit(() -> {
          trickle(c, REQUEST, Duration.ofMillis(400));
          return null;
        }));
      }
      // While all fifty trickle, a normal client is served at once, several times.
      for (int i = 0; i < 5; i++) {
        long start = System.nanoTime();
        assertThat(get("/changes/", "").status()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
      }
      for (RawHttp c : slow) {
        assertThat(answerOrClose(c)).hasValueSatisfying(r -> assertThat(r.status()).isEqualTo(408));
        assertThat(c.closedByServer()).isTrue();
      }
      for (Future<?> f : sending) {
        f.get(10, TimeUnit.SECONDS);
      }
    } finally {
      senders.shutdownNow();
      for (RawHttp c : slow) {
        c.close();
      }
    }
    assertThat(gerrit.received).extracting(TestBackend.Received::uri).containsOnly("/changes/")
        .hasSize(5);
  }

  @Test
  void aConnectionThatSendsNothingIsClosedQuietlyAtTheHeaderTimeout() throws Exception {
    try (RawHttp c = client()) {
      long start = System.nanoTime();
      assertThat(answerOrClose(c)).as("no answer to nothing").isEmpty();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(HEADER_TIMEOUT.plusSeconds(3));
    }
  }

  @Test
  void aKeptAliveConnectionLeftIdleIsClosedQuietlyAtTheIdleTimeout() throws Exception {
    try (RawHttp c = client()) {
      c.sendBytes(REQUEST.getBytes(StandardCharsets.ISO_8859_1));
      assertThat(c.read().status()).isEqualTo(200);
      long answered = System.nanoTime();
      assertThat(answerOrClose(c)).as("no answer to nothing").isEmpty();
      Duration idle = Duration.ofNanos(System.nanoTime() - answered);
      assertThat(idle).isGreaterThanOrEqualTo(IDLE.minusMillis(50)).isLessThan(IDLE.plusSeconds(3));
    }
  }

  @Test
  void aSlowSecondRequestOnAKeptAliveConnectionGets408AtTheHeaderTimeoutFromItsFirstByte()
      throws Exception {
    ExecutorService sender = Executors.newSingleThreadExecutor();
    try (RawHttp c = client()) {
      for (int i = 0; i < 3; i++) { // requests that move the deadlines without a timer firing
        c.sendBytes(REQUEST.getBytes(StandardCharsets.ISO_8859_1));
        assertThat(c.read().status()).isEqualTo(200);
      }
      long start = System.nanoTime();
      sender.submit(() -> {
        trickle(c, REQUEST, Duration.ofMillis(200)); // 36 bytes: 7 s, far past the timeout
        return null;
      });
      RawHttp.Response r = c.read();
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertRefusedAndClosed(c, r, 408);
      assertThat(took).isGreaterThanOrEqualTo(HEADER_TIMEOUT).isLessThan(HEADER_TIMEOUT.plusSeconds(3));
    } finally {
      sender.shutdownNow();
      assertThat(sender.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(gerrit.requests.get()).isEqualTo(3);
  }

  @Test
  void aBodyCutOffMidwayIsAbortedAtTheNodeNotCompleted() throws Exception {
    try (RawHttp c = client()) {
      c.send("POST /a/projects/p/git-receive-pack HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n"
          + "Content-Type: application/x-git-receive-pack-request\r\n\r\n");
      c.sendBytes(new byte[40_000]);
      await(() -> gerrit.requests.get() == 1);
    }
    await(() -> gerrit.received.size() == 1);
    assertThat(gerrit.received).singleElement().satisfies(rec -> {
      assertThat(rec.complete()).as("the node saw the request cut off").isFalse();
      assertThat(rec.bodyBytes()).isLessThan(100_000);
    });
    await(() -> observer.records.size() == 1);
    assertThat(observer.records).singleElement().satisfies(rec ->
        assertThat(rec.outcome()).isEqualTo(AccessRecord.Outcome.CLIENT_ABORTED));
  }

  @Test
  void aChunkedBodyCutOffBeforeItsLastChunkIsAbortedAtTheNode() throws Exception {
    try (RawHttp c = client()) {
      c.send("POST /a/changes/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
          + "5\r\nhello\r\n5\r\nworld\r\n");
      await(() -> gerrit.requests.get() == 1);
      Thread.sleep(100); // let the two chunks reach the node before the cut
    }
    await(() -> gerrit.received.size() == 1);
    assertThat(gerrit.received).singleElement().satisfies(rec -> {
      assertThat(rec.complete()).as("the node saw the request cut off").isFalse();
      assertThat(rec.body()).isIn("", "hello", "helloworld");
    });
  }

  @Test
  void aBodyCutOffBeforeTheNodeAnsweredLeavesNoHalfRequestOnAPooledConnection() throws Exception {
    // A kept-alive connection to the node, then a body cut off on it, then a new request: the
    // new request must not be read by the node as the rest of the cut-off body.
    assertThat(get("/changes/", "").status()).isEqualTo(200);
    try (RawHttp c = client()) {
      c.send("POST /a/changes/ HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n0123456789");
      await(() -> gerrit.requests.get() == 2);
    }
    await(() -> gerrit.received.size() == 2);
    assertThat(get("/changes/?after", "").status()).isEqualTo(200);
    assertThat(gerrit.received).extracting(TestBackend.Received::uri, TestBackend.Received::complete)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("/changes/", true),
            org.assertj.core.groups.Tuple.tuple("/a/changes/", false),
            org.assertj.core.groups.Tuple.tuple("/changes/?after", true));
  }
}
