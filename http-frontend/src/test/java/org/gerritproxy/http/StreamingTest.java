package org.gerritproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bodies stream through in both directions, chunked or not, and connections are reused. */
class StreamingTest extends ProxyFixture {

  static final long GIGABYTE = 1L << 30;
  TestBackend gerrit;

  @BeforeEach
  void cluster() throws Exception {
    gerrit = backend("gerrit-1");
    snapshot.set(snapshot(List.of(node("gerrit-1", gerrit.uri(), 1)), "gerrit-1", Duration.ZERO));
    startProxy();
  }

  @Test
  void chunkedRequestAndResponseStayChunked() throws Exception {
    gerrit.responder = (ctx, req) -> {
      DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
      head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
      ctx.write(head);
      ctx.write(new DefaultHttpContent(Unpooled.copiedBuffer("got " + req.bodyBytes(), StandardCharsets.UTF_8)));
      ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    };
    try (RawHttp c = client()) {
      c.send("POST /a/p.git/git-receive-pack HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
          + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
      RawHttp.Response r = c.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("Transfer-Encoding")).contains("chunked");
      assertThat(r.text()).isEqualTo("got 11");
      assertThat(r.complete()).isTrue();
    }
    assertThat(gerrit.last().headers().get("Transfer-Encoding")).isEqualTo("chunked");
    assertThat(gerrit.last().body()).isEqualTo("hello world");
  }

  @Test
  void contentLengthBodiesKeepTheirLength() throws Exception {
    try (RawHttp c = client()) {
      c.send("PUT /a/changes/1/message HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
      RawHttp.Response r = c.read();
      assertThat(r.header("Content-Length")).contains("19");
    }
    assertThat(gerrit.last().headers().get("Content-Length")).isEqualTo("5");
    assertThat(gerrit.last().headers().contains("Transfer-Encoding")).isFalse();
  }

  @Test
  void expectContinueIsAnsweredByTheNodeNotTheProxy() throws Exception {
    try (RawHttp c = client()) {
      c.send("POST /a/p.git/git-receive-pack HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
          + "Content-Length: 5\r\n\r\n");
      RawHttp.Response interim = c.read();
      assertThat(interim.status()).isEqualTo(100);
      assertThat(gerrit.requests.get()).as("the node saw the request before the body").isEqualTo(1);
      c.send("hello");
      RawHttp.Response r = c.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.text()).isEqualTo("hello from gerrit-1");
      // The interim response did not end the exchange: the connection carries on.
      c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(200);
    }
    assertThat(gerrit.received.get(0).headers().get("Expect")).isEqualTo("100-continue");
    assertThat(gerrit.received.get(0).body()).isEqualTo("hello");
  }

  @Test
  void keptAliveBackendConnectionsAreReused() throws Exception {
    for (int conn = 0; conn < 3; conn++) {
      try (RawHttp c = client()) {
        for (int i = 0; i < 5; i++) {
          c.send("GET /changes/" + i + " HTTP/1.1\r\nHost: x\r\n\r\n");
          assertThat(c.read().status()).isEqualTo(200);
        }
      }
    }
    assertThat(gerrit.requests.get()).isEqualTo(15);
    // One event loop per client connection: at most one backend connection per loop used.
    assertThat(gerrit.connections.get()).isLessThanOrEqualTo(Runtime.getRuntime().availableProcessors() * 2);
    assertThat(gerrit.connections.get()).isLessThan(4);
  }

  @Test
  void aBackendConnectionClosedByTheNodeIsNotReused() throws Exception {
    gerrit.responder = (ctx, req) -> {
      var r = TestBackend.text(200, "bye");
      r.headers().set(HttpHeaderNames.CONNECTION, "close");
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    };
    try (RawHttp c = client()) {
      for (int i = 0; i < 3; i++) {
        c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        RawHttp.Response r = c.read();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Connection")).as("the client keeps its connection").isEmpty();
      }
    }
    assertThat(gerrit.connections.get()).isEqualTo(3);
    assertThat(observer.failedNodes).isEmpty();
  }

  @Test
  void http10ClientsGetTheirAnswerAndAClose() throws Exception {
    try (RawHttp c = client()) {
      c.send("GET / HTTP/1.0\r\n\r\n");
      RawHttp.Response r = c.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.text()).isEqualTo("hello from gerrit-1");
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void aGigabyteDownloadStreamsWithoutGrowingTheHeap() throws Exception {
    ByteBuf block = Unpooled.unreleasableBuffer(Unpooled.directBuffer(64 * 1024).writeZero(64 * 1024));
    gerrit.responder = (ctx, req) -> {
      DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
      head.headers().set(HttpHeaderNames.CONTENT_LENGTH, GIGABYTE);
      ctx.writeAndFlush(head);
      stream(ctx, block, new AtomicLong(GIGABYTE));
    };
    long before = usedHeapAfterGc();
    long[] peak = {0};
    try (RawHttp c = client()) {
      c.send("GET /a/p.git/archive HTTP/1.1\r\nHost: x\r\n\r\n");
      Thread sampler = heapSampler(peak);
      RawHttp.Response r = c.read(false, 0);
      sampler.interrupt();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.bodyLength()).isEqualTo(GIGABYTE);
      assertThat(r.complete()).isTrue();
    }
    long growth = usedHeapAfterGc() - before;
    assertThat(growth).as("heap growth after GC").isLessThan(16L << 20);
    assertThat(peak[0] - before).as("peak heap growth while streaming").isLessThan(128L << 20);
  }

  @Test
  void aGigabyteUploadStreamsWithoutGrowingTheHeap() throws Exception {
    long before = usedHeapAfterGc();
    long[] peak = {0};
    try (RawHttp c = client()) {
      c.send("POST /a/p.git/git-receive-pack HTTP/1.1\r\nHost: x\r\nContent-Length: " + GIGABYTE + "\r\n\r\n");
      Thread sampler = heapSampler(peak);
      byte[] block = new byte[64 * 1024];
      OutputStream out = c.output();
      for (long sent = 0; sent < GIGABYTE; sent += block.length) {
        out.write(block);
      }
      out.flush();
      RawHttp.Response r = c.read();
      sampler.interrupt();
      assertThat(r.status()).isEqualTo(200);
    }
    assertThat(gerrit.last().bodyBytes()).isEqualTo(GIGABYTE);
    long growth = usedHeapAfterGc() - before;
    assertThat(growth).as("heap growth after GC").isLessThan(16L << 20);
    assertThat(peak[0] - before).as("peak heap growth while streaming").isLessThan(128L << 20);
  }

  @Test
  void aClientThatStopsReadingStopsTheNode() throws Exception {
    // The proxy flushes once per read from the node and reads on only once that flush is
    // written: a client that reads nothing must hold the node back within a few socket buffers.
    long total = 256L << 20;
    ByteBuf block = Unpooled.unreleasableBuffer(Unpooled.directBuffer(64 * 1024).writeZero(64 * 1024));
    AtomicLong left = new AtomicLong(total);
    gerrit.responder = (ctx, req) -> {
      DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
      head.headers().set(HttpHeaderNames.CONTENT_LENGTH, total);
      ctx.writeAndFlush(head);
      stream(ctx, block, left);
    };
    java.net.Socket socket = new java.net.Socket();
    socket.setReceiveBufferSize(64 * 1024);
    socket.connect(address);
    try (RawHttp c = new RawHttp(socket)) {
      c.send("GET /a/p.git/archive HTTP/1.1\r\nHost: x\r\n\r\n");
      long sent = -1;
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (System.nanoTime() < deadline) {
        Thread.sleep(500);
        long now = total - left.get();
        if (now == sent) {
          break; // the node has been held back for half a second
        }
        sent = now;
      }
      assertThat(total - left.get()).as("bytes the node could send while the client read nothing")
          .isPositive().isLessThan(64L << 20);
      RawHttp.Response r = c.read(false, 0);
      assertThat(r.bodyLength()).isEqualTo(total);
      assertThat(r.complete()).isTrue();
    }
  }

  /** Writes the next block once the previous one is out: the node side of the backpressure. */
  private static void stream(ChannelHandlerContext ctx, ByteBuf block, AtomicLong left) {
    if (left.get() == 0) {
      ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
      return;
    }
    int n = (int) Math.min(block.capacity(), left.get());
    left.addAndGet(-n);
    ctx.writeAndFlush(new DefaultHttpContent(block.retainedSlice(0, n))).addListener(f -> {
      if (f.isSuccess()) {
        stream(ctx, block, left);
      }
    });
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    MemoryMXBean m = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
    }
    return m.getHeapMemoryUsage().getUsed();
  }

  private static Thread heapSampler(long[] peak) {
    MemoryMXBean m = ManagementFactory.getMemoryMXBean();
    Thread t = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        peak[0] = Math.max(peak[0], m.getHeapMemoryUsage().getUsed());
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    t.setDaemon(true);
    t.start();
    return t;
  }
}
