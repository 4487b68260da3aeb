package org.gerritproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.gerritproxy.routing.traffic.AccessRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 over TLS: clients that ask for h2 by ALPN get it, every node stays on HTTP/1.1, and a
 * client that abuses HTTP/2 (rapid reset, CONTINUATION floods, oversized header blocks, streams
 * it never reads) is refused clearly, per stream where the stream alone misbehaved and with GOAWAY
 * where the connection did, while everyone else keeps being served.
 */
class Http2Test extends ProxyFixture {

  TestBackend gerrit;
  TestCertificate tls;
  HttpClient h2;

  /** What Netty's leak detector (paranoid in surefire's argLine) reports during a test. */
  private final ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>
      leaks = new ch.qos.logback.core.read.ListAppender<>();

  @BeforeEach
  void tlsProxyInFrontOfOneNode() throws Exception {
    HostileClientFixture.triggerLeakReports(); // earlier classes' leaks, reported before ours
    leaks.start();
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
        io.netty.util.ResourceLeakDetector.class)).addAppender(leaks);
    tls = TestCertificate.get();
    gerrit = backend("gerrit-1");
    snapshot.set(snapshot(List.of(node("gerrit-1", gerrit.uri(), 1)), "gerrit-1", Duration.ZERO));
    // Timeouts far longer than any step of a test takes on a loaded machine: a hostile client's
    // frames must meet the limit under test, not a connection the proxy closed as idle while the
    // client was still building them. The tests of idleness shorten them for themselves.
    startProxy(settings().withTls(tls.certificate, tls.key)
        .withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(2)));
    h2 = HttpClient.newBuilder().sslContext(tls.clientTls).version(HttpClient.Version.HTTP_2)
        .build();
  }

  @AfterEach
  void othersAreStillServed() throws Exception {
    if (proxy != null) {
      HttpClient fresh = HttpClient.newBuilder().sslContext(tls.clientTls)
          .version(HttpClient.Version.HTTP_2).build();
      HttpResponse<String> r = fresh.send(get("/config/server/version"),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as("a well-behaved client is still served").isEqualTo(200);
      assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
    }
    HostileClientFixture.triggerLeakReports();
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
        io.netty.util.ResourceLeakDetector.class)).detachAppender(leaks);
    // Leaks of earlier test classes in this JVM surface whenever the collector finds them: only
    // those that passed through HTTP/2 (Netty's codec, this test's frames) are this test's.
    assertThat(leaks.list).as("ByteBufs leaked on the way through HTTP/2")
        .noneMatch(e -> e.getFormattedMessage().contains("LEAK")
            && e.getFormattedMessage().toLowerCase(java.util.Locale.ROOT).contains("http2"));
  }

  HttpRequest get(String path) {
    return HttpRequest.newBuilder(URI.create("https://localhost:" + address.getPort() + path))
        .build();
  }

  @Test
  void aClientThatAsksForH2GetsItAndTheNodeGetsHttp11() throws Exception {
    HttpResponse<String> r = h2.send(get("/changes/?q=status:open"),
        HttpResponse.BodyHandlers.ofString());

    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("hello from gerrit-1");
    assertThat(r.headers().firstValue("X-Gerrit-Proxy-Node")).contains("gerrit-1");
    TestBackend.Received seen = gerrit.last();
    assertThat(seen.uri()).isEqualTo("/changes/?q=status:open");
    assertThat(seen.headers().get("Host")).as(":authority becomes Host")
        .isEqualTo("localhost:" + address.getPort());
    assertThat(seen.headers().get("X-Forwarded-Proto")).isEqualTo("https");
    assertThat(seen.headers().names()).as("nothing of HTTP/2's own reaches the node")
        .noneMatch(n -> n.toLowerCase().startsWith("x-http2-"));
    await(() -> !observer.records.isEmpty());
    AccessRecord<HttpRequestLine> record = observer.records.get(0);
    assertThat(record.detail().protocol()).isEqualTo(HttpRequestLine.HTTP_2);
    assertThat(AccessLog.format(record)).contains("\"GET /changes/ HTTP/2\" 200 19 gerrit-1");
  }

  @Test
  void aRequestBodyStreamsToTheNodeWholeAndTheResponseComesBack() throws Exception {
    byte[] body = new byte[3 * 1024 * 1024 + 17];
    for (int i = 0; i < body.length; i++) {
      body[i] = (byte) ('a' + i % 26);
    }
    TestBackend.Responder hello = gerrit.responder;
    gerrit.responder = (ctx, r) -> {
      if (r.method().equals("POST")) {
        ctx.writeAndFlush(TestBackend.text(201, "got " + r.bodyBytes() + " bytes"));
      } else {
        hello.respond(ctx, r);
      }
    };
    HttpRequest post = HttpRequest.newBuilder(
            URI.create("https://localhost:" + address.getPort() + "/a/changes/"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();

    HttpResponse<String> r = h2.send(post, HttpResponse.BodyHandlers.ofString());

    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(r.body()).isEqualTo("got " + body.length + " bytes");
    assertThat(gerrit.last().complete()).isTrue();
    assertThat(gerrit.last().bodyBytes()).isEqualTo(body.length);
  }

  @Test
  void streamsMayEachFillTheirWindowAtOnce() throws Exception {
    // Each stream's whole 64 KB window at once, on three streams: more than one stream's worth
    // of the connection's window, which the proxy widens so that streams do not wait on each other.
    try (RawH2 c = new RawH2(address)) {
      for (int stream : new int[] {1, 3, 5}) {
        c.frame(RawH2.HEADERS, RawH2.END_HEADERS, stream, c.headerBlock("POST", "/a/changes/",
            Map.of("content-length", "65535")));
        for (int at = 0; at < 65_535; at += 16_384) {
          int n = Math.min(16_384, 65_535 - at);
          c.frame(RawH2.DATA, at + n == 65_535 ? RawH2.END_STREAM : 0, stream, new byte[n]);
        }
      }
      c.flush();
      RawH2.Response last = c.response(5);
      assertThat(last.status()).isEqualTo(200);
    }
    await(() -> gerrit.received.size() == 3);
    assertThat(gerrit.received).hasSize(3).allSatisfy(r -> {
      assertThat(r.complete()).isTrue();
      assertThat(r.bodyBytes()).isEqualTo(65_535);
    });
  }

  @Test
  void manyStreamsAtOnceOnOneConnectionAreAllServed() throws Exception {
    h2.send(get("/changes/"), HttpResponse.BodyHandlers.ofString()); // the connection
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      all.add(h2.sendAsync(get("/changes/" + i), HttpResponse.BodyHandlers.ofString()));
    }
    for (CompletableFuture<HttpResponse<String>> f : all) {
      HttpResponse<String> r = f.get();
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
    }
    assertThat(proxy.openConnections()).as("one client connection carried them all").isEqualTo(1);
  }

  @Test
  void http11ClientsOnTheSameListenerStayOnHttp11() throws Exception {
    HttpClient h1 = HttpClient.newBuilder().sslContext(tls.clientTls)
        .version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> r = h1.send(get("/changes/"), HttpResponse.BodyHandlers.ofString());
    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    assertThat(r.body()).isEqualTo("hello from gerrit-1");
  }

  @Test
  void withHttp2OffTheListenerOffersHttp11Only() throws Exception {
    proxy.useSettings(settings().withTls(tls.certificate, tls.key).withHttp2(false));
    HttpResponse<String> r = h2.send(get("/changes/"), HttpResponse.BodyHandlers.ofString());
    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    assertThat(r.body()).isEqualTo("hello from gerrit-1");
    proxy.useSettings(settings().withTls(tls.certificate, tls.key));
    assertThat(HttpClient.newBuilder().sslContext(tls.clientTls).build()
        .send(get("/changes/"), HttpResponse.BodyHandlers.ofString()).version())
        .as("offered again after a reload").isEqualTo(HttpClient.Version.HTTP_2);
  }

  @Test
  void shutdownSendsGoAwayAndLetsTheStreamUnderWayFinish() throws Exception {
    CompletableFuture<ChannelHandlerContext> held = new CompletableFuture<>();
    gerrit.onHead = (ctx, r) -> r.uri().equals("/slow") && held.complete(ctx);
    try (RawH2 c = new RawH2(address)) {
      c.get(1, "/slow");
      ChannelHandlerContext node = held.get(30, java.util.concurrent.TimeUnit.SECONDS);
      CompletableFuture<Boolean> stopped = CompletableFuture.supplyAsync(
          () -> proxy.shutdownGracefully(Duration.ofSeconds(30)));
      RawH2.Frame goAway = c.goAway();
      assertThat(goAway).isNotNull();
      assertThat(goAway.errorCode()).as("NO_ERROR").isZero();
      assertThat(stopped).as("waits for the stream under way").isNotDone();

      node.writeAndFlush(TestBackend.text(200, "late but whole"));
      RawH2.Response r = c.response(1);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("late but whole");
      assertThat(stopped.get(30, java.util.concurrent.TimeUnit.SECONDS))
          .as("every request in flight finished").isTrue();
    }
    startProxy(settings().withTls(tls.certificate, tls.key)); // for the check after the test
  }

  // ------------------------------------------------------------------------ hostile clients

  @Test
  void anOversizedHeaderBlockIsRefusedWith431OnItsStreamAlone() throws Exception {
    try (RawH2 c = new RawH2(address)) {
      // 34k of headers, over the 32k limit (HPACK sends them in fewer bytes).
      byte[] block = c.headerBlock("GET", "/changes/",
          Map.of("cookie", "a".repeat(17_000), "x-token", "b".repeat(17_000)));
      c.headers(1, RawH2.END_STREAM, block);
      c.flush();
      RawH2.Response refused = c.response(1);
      assertThat(refused.status()).isEqualTo(431);
      assertThat(refused.body()).contains("larger than the 32768 bytes this proxy accepts");

      c.get(3, "/changes/");
      RawH2.Response next = c.response(3);
      assertThat(next.status()).as("the connection serves on").isEqualTo(200);
      assertThat(next.body()).isEqualTo("hello from gerrit-1");
    }
    assertThat(gerrit.received).as("the node never saw the oversized request").hasSize(1);
  }

  @Test
  void aHeaderBlockFarOverTheLimitEndsTheConnectionWithGoAway() throws Exception {
    try (RawH2 c = new RawH2(address)) {
      c.frame(RawH2.HEADERS, RawH2.END_STREAM, 1, c.headerBlock("GET", "/changes/", Map.of()));
      byte[] filler = new byte[16_000];
      // 48,000 bytes: past the 40,960 (the limit and a quarter) at which the proxy gives up on the
      // connection, and no further. The proxy closes once it has read the last of them; a client
      // still writing then would meet a broken pipe instead of reading the GOAWAY.
      for (int i = 0; i < 3; i++) {
        c.frame(RawH2.CONTINUATION, 0, 1, filler);
      }
      c.flush();
      RawH2.Frame goAway = c.goAway();
      assertThat(goAway).isNotNull();
      assertThat(goAway.debug()).contains("closed this HTTP/2 connection")
          .contains("request headers are far larger than the 32768 bytes");
    }
    assertThat(gerrit.received).isEmpty();
  }

  @Test
  void aContinuationFloodEndsTheConnectionWithGoAway() throws Exception {
    try (RawH2 c = new RawH2(address)) {
      c.frame(RawH2.HEADERS, 0, 1, c.headerBlock("GET", "/changes/", Map.of()));
      // Empty CONTINUATION frames, which no size limit ever stops: one past the proxy's limit, and
      // no more, so that the client is not still writing when the proxy closes.
      for (int i = 0; i < Http2Pipeline.MAX_SMALL_CONTINUATIONS + 1; i++) {
        c.frame(RawH2.CONTINUATION, 0, 1, new byte[0]);
      }
      c.flush();
      RawH2.Frame goAway = c.goAway();
      assertThat(goAway).isNotNull();
      assertThat(goAway.errorCode()).as("ENHANCE_YOUR_CALM").isEqualTo(0xb);
      assertThat(goAway.debug()).contains("too many small CONTINUATION frames");
    }
    assertThat(gerrit.received).isEmpty();
  }

  @Test
  void rapidResetEndsTheConnectionWithGoAwayAndLeavesNoNodeConnection() throws Exception {
    // Streams answered before their reset return their node connection to the pool: a short
    // idle timeout closes those too, so that every node connection is seen to end.
    restartWithIdleTimeout(Duration.ofSeconds(2));
    try (RawH2 c = new RawH2(address)) {
      for (int i = 0; i < 2 * Http2Pipeline.MAX_RESETS_PER_WINDOW; i++) {
        int stream = 1 + 2 * i;
        c.get(stream, "/changes/" + i);
        c.reset(stream);
      }
      c.flush();
      RawH2.Frame goAway = c.goAway();
      assertThat(goAway).isNotNull();
      assertThat(goAway.errorCode()).as("ENHANCE_YOUR_CALM").isEqualTo(0xb);
      assertThat(goAway.debug()).contains("rapid reset");
    }
    assertThat(gerrit.requests.get()).as("requests that reached the node")
        .isLessThanOrEqualTo(Http2Pipeline.MAX_RESETS_PER_WINDOW + 1);
    await(() -> gerrit.open.get() == 0, Duration.ofSeconds(30));
    assertThat(gerrit.open.get()).as("node connections left open").isZero();
  }

  @Test
  void streamsBeyondTheLimitAreRefusedOneByOne() throws Exception {
    gerrit.onHead = (ctx, r) -> r.uri().startsWith("/hold/"); // never answered
    try (RawH2 c = new RawH2(address)) {
      for (int i = 0; i < Http2Pipeline.MAX_CONCURRENT_STREAMS; i++) {
        c.get(1 + 2 * i, "/hold/" + i);
      }
      int oneTooMany = 1 + 2 * Http2Pipeline.MAX_CONCURRENT_STREAMS;
      c.get(oneTooMany, "/hold/one-too-many");
      c.flush();
      RawH2.Frame f;
      do {
        f = c.next();
        assertThat(f).as("the connection stays open").isNotNull();
        assertThat(f.type()).as("no GOAWAY").isNotEqualTo(RawH2.GOAWAY);
      } while (!(f.type() == RawH2.RST_STREAM && f.stream() == oneTooMany));
      assertThat(f.errorCode()).as("REFUSED_STREAM").isEqualTo(0x7);
    }
    await(() -> gerrit.open.get() == 0);
    assertThat(gerrit.open.get()).as("the client left: its streams' node connections closed")
        .isZero();
    assertThat(gerrit.received).noneMatch(r -> r.uri().contains("one-too-many"));
  }

  @Test
  void theClientAPROXYHeaderNamesIsTheClientOfEveryStream() throws Exception {
    proxy.shutdownGracefully(Duration.ofSeconds(1));
    startProxy(settings().withTls(tls.certificate, tls.key)
        .withProxyProtocolFrom(List.of(org.gerritproxy.routing.Cidr.parse("127.0.0.1/32"))));
    try (RawH2 c = new RawH2(address, 65_535,
        "PROXY TCP4 203.0.113.7 127.0.0.1 40000 443\r\n")) {
      c.get(1, "/changes/");
      assertThat(c.response(1).status()).isEqualTo(200);
      c.get(3, "/changes/");
      assertThat(c.response(3).status()).isEqualTo(200);
    }
    assertThat(gerrit.received).allSatisfy(r ->
        assertThat(r.headers().get("X-Forwarded-For")).isEqualTo("203.0.113.7"));
    await(() -> observer.records.size() == 2);
    assertThat(observer.records).allSatisfy(r -> assertThat(r.client()).isEqualTo("203.0.113.7"));
    // The check after the test comes from 127.0.0.1, which must send a header now.
    proxy.shutdownGracefully(Duration.ofSeconds(1));
    startProxy(settings().withTls(tls.certificate, tls.key));
  }

  @Test
  void aConnectionWithoutStreamsIsClosedAtTheIdleTimeoutPingsOrNot() throws Exception {
    restartWithIdleTimeout(Duration.ofSeconds(2));
    try (RawH2 c = new RawH2(address)) {
      c.get(1, "/changes/");
      assertThat(c.response(1).status()).isEqualTo(200);
      // Then only PINGs, more often than the idle timeout: no stream is open.
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      boolean closed = false;
      while (!closed && System.nanoTime() < deadline) {
        try {
          c.frame(RawH2.PING, 0, 0, new byte[8]);
          c.flush();
        } catch (java.io.IOException e) {
          closed = true; // between two PINGs
          break;
        }
        RawH2.Frame f;
        do {
          f = c.next();
        } while (f != null && f.type() != RawH2.PING && f.type() != RawH2.GOAWAY);
        if (f == null || f.type() == RawH2.GOAWAY) {
          closed = true;
          if (f != null) {
            assertThat(f.errorCode()).as("NO_ERROR: a graceful close").isZero();
          }
        } else {
          Thread.sleep(100); // the client's pace, not a wait for the proxy
        }
      }
      assertThat(closed).as("closed within 20 s of a 2 s idle timeout").isTrue();
    }
  }

  @Test
  void aStreamTheClientNeverReadsHoldsItsNodeBackNotTheProxysMemory() throws Exception {
    long total = 1L << 30;
    AtomicLong sent = new AtomicLong();
    AtomicReference<Channel> node = new AtomicReference<>();
    TestBackend.Responder hello = gerrit.responder;
    gerrit.responder = (ctx, r) -> {
      if (!r.uri().equals("/big")) {
        hello.respond(ctx, r);
        return;
      }
      DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1,
          HttpResponseStatus.OK);
      head.headers().set(HttpHeaderNames.CONTENT_LENGTH, total);
      ctx.write(head);
      Channel ch = ctx.channel();
      node.set(ch);
      ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
        @Override
        public void channelWritabilityChanged(ChannelHandlerContext c) {
          pump(ch, sent, total);
          c.fireChannelWritabilityChanged();
        }
      });
      pump(ch, sent, total);
    };

    try (RawH2 c = new RawH2(address)) {
      c.get(1, "/big"); // and never a WINDOW_UPDATE for it
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while ((node.get() == null || node.get().isWritable()) && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(node.get().isWritable()).as("the node is held back by TCP").isFalse();

      // Meanwhile the same connection serves other streams, and other clients are served.
      c.get(3, "/changes/");
      assertThat(c.response(3).body()).isEqualTo("hello from gerrit-1");
      assertThat(h2.send(get("/changes/"), HttpResponse.BodyHandlers.ofString()).statusCode())
          .isEqualTo(200);
      assertThat(sent.get()).as("bytes the node could send: socket buffers and one window")
          .isLessThan(64L << 20);
      org.slf4j.LoggerFactory.getLogger(Http2Test.class).info(
          "unread stream: the node sent {} of {} bytes before TCP held it back", sent.get(), total);

      c.reset(1);
      c.flush();
      await(() -> !node.get().isActive());
      assertThat(node.get().isActive()).as("the reset stream's node connection is closed")
          .isFalse();
    }
  }

  /**
   * Writes the body while the node's socket takes it. Direct buffers: a heap buffer is copied to
   * a direct one on its way out, and Netty loses that copy when the write meets a closing socket.
   */
  private void restartWithIdleTimeout(Duration idle) throws Exception {
    proxy.shutdownGracefully(Duration.ofSeconds(1));
    startProxy(settings().withTls(tls.certificate, tls.key)
        .withTimeouts(Duration.ofSeconds(30), idle, Duration.ofSeconds(2)));
  }

  private static void pump(Channel ch, AtomicLong sent, long total) {
    int chunk = 64 * 1024;
    while (ch.isActive() && ch.isWritable() && sent.get() < total) {
      ch.write(new DefaultHttpContent(ch.alloc().directBuffer(chunk).writeZero(chunk)));
      sent.addAndGet(chunk);
    }
    ch.flush();
  }
}
