package org.gerritproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bad, big and slow requests get a clear refusal and a closed connection; others carry on. */
class LimitsTest extends ProxyFixture {

  TestBackend gerrit;

  @BeforeEach
  void cluster() throws Exception {
    gerrit = backend("gerrit-1");
    snapshot.set(snapshot(List.of(node("gerrit-1", gerrit.uri(), 1)), "gerrit-1", Duration.ZERO));
    startProxy(settings().withMaxHeaderSize(4096)
        .withTimeouts(Duration.ofMillis(500), Duration.ofMillis(800), Duration.ofSeconds(2)));
  }

  @Test
  void oversizedHeadersGet431AndAClose() throws Exception {
    try (RawHttp c = client()) {
      c.send("GET / HTTP/1.1\r\nHost: x\r\nCookie: " + "a".repeat(5000) + "\r\n\r\n");
      RawHttp.Response r = c.read();
      assertThat(r.status()).isEqualTo(431);
      assertThat(r.header("Connection")).contains("close");
      assertThat(r.text()).contains("larger than the 4096 bytes");
      assertThat(c.closedByServer()).isTrue();
    }
    assertThat(gerrit.requests.get()).isZero();
    assertThat(get("/", "").status()).as("others are still served").isEqualTo(200);
  }

  @Test
  void anOverlongRequestLineGets414() throws Exception {
    try (RawHttp c = client()) {
      c.send("GET /" + "a".repeat(5000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
      RawHttp.Response r = c.read();
      assertThat(r.status()).isEqualTo(414);
      assertThat(r.text()).contains("shorten the URL");
    }
  }

  @Test
  void malformedRequestsGet400() throws Exception {
    try (RawHttp c = client()) {
      c.send("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: banana\r\n\r\n");
      RawHttp.Response r = c.read();
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.header("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
      assertThat(c.closedByServer()).isTrue();
    }
    try (RawHttp c = client()) {
      c.send("GET relative/path HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(400);
    }
    assertThat(gerrit.requests.get()).isZero();
  }

  @Test
  void headersThatTrickleInGet408AndAClose() throws Exception {
    try (RawHttp c = client()) {
      c.send("GET / HTTP/1.1\r\n");
      Thread.sleep(300);
      c.send("Host: x\r\n");
      long start = System.nanoTime();
      RawHttp.Response r = c.read();
      assertThat(r.status()).isEqualTo(408);
      assertThat(r.text()).contains("did not arrive within");
      assertThat(c.closedByServer()).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }
    assertThat(gerrit.requests.get()).isZero();
    await(() -> !observer.records.isEmpty()); // recorded after the answer went out
    assertThat(observer.records).singleElement()
        .satisfies(rec -> assertThat(rec.status()).isEqualTo(408));
  }

  @Test
  void anIdleKeptAliveConnectionIsClosedQuietly() throws Exception {
    try (RawHttp c = client()) {
      c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(200);
      // Idle for longer than the header timeout but within the idle timeout: still open.
      Thread.sleep(600);
      c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(200);
      long start = System.nanoTime();
      assertThat(c.closedByServer()).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }
  }
}
