package org.gerritproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.Rendezvous;
import org.gerritproxy.routing.SessionKey;
import org.junit.jupiter.api.Test;

class FailureTest extends ProxyFixture {

  static URI deadUri() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return URI.create("http://127.0.0.1:" + s.getLocalPort());
    }
  }

  /** A cookie whose sticky node is {@code first} among {@code nodes}. */
  static String cookieStickyTo(String first, List<Node> nodes) {
    for (int i = 0; ; i++) {
      String cookie = "GerritAccount=c" + i;
      if (Rendezvous.rank(SessionKey.forHttp(cookie, null, "127.0.0.1"), nodes).get(0).name().equals(first)) {
        return cookie;
      }
    }
  }

  @Test
  void readsFallBackToTheNextNodeWhenTheStickyNodeRefusesConnections() throws Exception {
    Node dead = node("gerrit-dead", deadUri(), 100);
    Node live = node("gerrit-live", backend("gerrit-live").uri(), 50);
    snapshot.set(snapshot(List.of(dead, live), "gerrit-dead", Duration.ZERO));
    startProxy();
    String cookie = cookieStickyTo("gerrit-dead", List.of(dead, live));
    RawHttp.Response r = get("/changes/", "Cookie: " + cookie + "\r\n");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("X-Gerrit-Proxy-Node")).contains("gerrit-live");
    assertThat(observer.failedNodes).containsExactly("gerrit-dead");
  }

  @Test
  void writesDoNotFallBackAndSay502WhenTheMasterRefusesConnections() throws Exception {
    Node dead = node("gerrit-dead", deadUri(), 100);
    TestBackend liveBackend = backend("gerrit-live");
    Node live = node("gerrit-live", liveBackend.uri(), 50);
    snapshot.set(snapshot(List.of(dead, live), "gerrit-dead", Duration.ZERO));
    startProxy();
    try (RawHttp c = client()) {
      c.send("POST /a/changes/ HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
      RawHttp.Response r = c.read();
      assertThat(r.status()).isEqualTo(502);
      assertThat(r.header("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
      assertThat(r.text()).contains("could not connect to Gerrit node gerrit-dead").contains("Retry");
    }
    assertThat(liveBackend.requests.get()).isZero();
    assertThat(observer.failedNodes).containsExactly("gerrit-dead");
  }

  @Test
  void aResetBeforeTheResponseGives502AndCountsAgainstTheNode() throws Exception {
    TestBackend b = backend("gerrit-1");
    b.onHead = (ctx, req) -> {
      TestBackend.reset(ctx);
      return true;
    };
    snapshot.set(snapshot(List.of(node("gerrit-1", b.uri(), 1)), "gerrit-1", Duration.ZERO));
    startProxy();
    RawHttp.Response r = get("/changes/", "");
    assertThat(r.status()).isEqualTo(502);
    assertThat(r.text()).contains("gerrit-1 closed the connection before answering");
    assertThat(observer.failedNodes).containsExactly("gerrit-1");
  }

  @Test
  void nothingIsRetriedOnceTheBodyStarted() throws Exception {
    TestBackend b1 = backend("gerrit-1");
    TestBackend b2 = backend("gerrit-2");
    for (TestBackend b : List.of(b1, b2)) {
      b.responder = (ctx, req) -> TestBackend.reset(ctx);
    }
    Node n1 = node("gerrit-1", b1.uri(), 100);
    Node n2 = node("gerrit-2", b2.uri(), 50);
    snapshot.set(snapshot(List.of(n1, n2), "gerrit-1", Duration.ZERO));
    startProxy();
    String cookie = cookieStickyTo("gerrit-1", List.of(n1, n2));
    String body = "0032want 0123456789012345678901234567890123456789\n00000009done\n";
    try (RawHttp c = client()) {
      c.send("POST /p.git/git-upload-pack HTTP/1.1\r\nHost: x\r\nCookie: " + cookie
          + "\r\nContent-Type: application/x-git-upload-pack-request\r\nContent-Length: "
          + body.length() + "\r\n\r\n" + body);
      RawHttp.Response r = c.read();
      // In git's framing, since git prints no body of a failed POST.
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("Content-Type")).contains("application/x-git-upload-pack-result");
      assertThat(r.text()).contains("ERR Gerrit node gerrit-1 closed the connection before answering")
          .contains("not retried");
    }
    assertThat(b1.requests.get()).isEqualTo(1);
    assertThat(b2.requests.get()).isZero();
  }

  @Test
  void aFailureInTheMiddleOfAChunkedResponseClosesTheClientWithoutTheLastChunk() throws Exception {
    TestBackend b = backend("gerrit-1");
    b.responder = (ctx, req) -> {
      DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
      head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
      ctx.write(head);
      ctx.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer("partial", StandardCharsets.UTF_8)))
          .addListener(f -> ctx.executor().schedule(() -> TestBackend.reset(ctx), 100,
              java.util.concurrent.TimeUnit.MILLISECONDS));
    };
    snapshot.set(snapshot(List.of(node("gerrit-1", b.uri(), 1)), "gerrit-1", Duration.ZERO));
    startProxy();
    RawHttp.Response r = get("/changes/", "");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.complete()).as("the client must see a truncated response, not a whole one").isFalse();
    assertThat(r.text()).isEqualTo("partial");
  }

  @Test
  void aFailureInTheMiddleOfALengthDelimitedResponseClosesTheClient() throws Exception {
    TestBackend b = backend("gerrit-1");
    b.responder = (ctx, req) -> {
      DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
      head.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 1000);
      ctx.write(head);
      ctx.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer("partial", StandardCharsets.UTF_8)))
          .addListener(f -> TestBackend.reset(ctx));
    };
    snapshot.set(snapshot(List.of(node("gerrit-1", b.uri(), 1)), "gerrit-1", Duration.ZERO));
    startProxy();
    try (RawHttp c = client()) {
      c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      RawHttp.Response r = c.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.complete()).isFalse();
      assertThat(r.bodyLength()).isEqualTo(7);
    }
  }

  @Test
  void aKeptAliveConnectionThatClosesBeforeAnsweringIsRetriedOnAFreshOne() throws Exception {
    TestBackend b = backend("gerrit-1");
    Map<io.netty.channel.Channel, AtomicInteger> perConnection = new ConcurrentHashMap<>();
    b.onHead = (ChannelHandlerContext ctx, io.netty.handler.codec.http.HttpRequest req) -> {
      int n = perConnection.computeIfAbsent(ctx.channel(), k -> new AtomicInteger()).incrementAndGet();
      if (n == 2) {
        ctx.close(); // as if its idle timeout struck just as the request arrived
        return true;
      }
      return false;
    };
    snapshot.set(snapshot(List.of(node("gerrit-1", b.uri(), 1)), "gerrit-1", Duration.ZERO));
    startProxy();
    try (RawHttp c = client()) {
      c.send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(200);
      c.send("GET /2 HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(200);
    }
    assertThat(b.connections.get()).isEqualTo(2);
    assertThat(b.requests.get()).isEqualTo(3);
    assertThat(observer.failedNodes).isEmpty();
  }
}
