package org.gerritproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.FullHttpResponse;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the proxy adds, removes and keeps on the way through. */
class HeadersTest extends ProxyFixture {

  TestBackend gerrit;

  @BeforeEach
  void cluster() throws Exception {
    gerrit = backend("gerrit-1");
    snapshot.set(snapshot(List.of(node("gerrit-1", gerrit.uri(), 1)), "gerrit-1", Duration.ZERO));
    startProxy();
  }

  @Test
  void hopByHopHeadersAreStrippedBothWays() throws Exception {
    gerrit.responder = (ctx, req) -> {
      FullHttpResponse r = TestBackend.text(200, "ok");
      r.headers().set("Connection", "X-Backend-Secret");
      r.headers().set("X-Backend-Secret", "s");
      r.headers().set("Keep-Alive", "timeout=5");
      r.headers().set("Proxy-Authenticate", "Basic");
      r.headers().set("Upgrade", "h2c");
      r.headers().set("X-Kept", "yes");
      ctx.writeAndFlush(r);
    };
    RawHttp.Response r = get("/a/changes/", "Connection: keep-alive, X-Client-Secret\r\n"
        + "X-Client-Secret: c\r\nKeep-Alive: 300\r\nProxy-Connection: keep-alive\r\n"
        + "Proxy-Authorization: Basic Zm9vOmJhcg==\r\nTE: trailers\r\nTrailer: X-T\r\n"
        + "Upgrade: websocket\r\nAuthorization: Basic YWxpY2U6c2VjcmV0\r\n");
    assertThat(r.status()).isEqualTo(200);
    var seen = gerrit.last().headers();
    for (String h : List.of("Connection", "X-Client-Secret", "Keep-Alive", "Proxy-Connection",
        "Proxy-Authorization", "TE", "Trailer", "Upgrade")) {
      assertThat(seen.contains(h)).as(h + " reached the node").isFalse();
    }
    assertThat(seen.get("Authorization")).as("end-to-end credentials pass").isEqualTo("Basic YWxpY2U6c2VjcmV0");
    for (String h : List.of("X-Backend-Secret", "Keep-Alive", "Proxy-Authenticate", "Upgrade")) {
      assertThat(r.header(h)).as(h + " reached the client").isEmpty();
    }
    assertThat(r.header("X-Kept")).contains("yes");
  }

  @Test
  void forwardedHeadersTellGerritWhoAsked() throws Exception {
    get("/changes/", "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\n"
        + "X-Forwarded-Host: spoofed.example.com\r\n");
    var seen = gerrit.last().headers();
    assertThat(seen.get("X-Forwarded-For")).isEqualTo("203.0.113.7, 127.0.0.1");
    assertThat(seen.get("X-Forwarded-Proto")).isEqualTo("http");
    assertThat(seen.get("X-Forwarded-Host")).isEqualTo("review.example.com");
    assertThat(seen.get("Host")).isEqualTo("review.example.com");
  }

  @Test
  void gitProtocolPassesThroughUntouched() throws Exception {
    get("/p.git/info/refs?service=git-upload-pack", "Git-Protocol: version=2:object-format=sha1\r\n");
    assertThat(gerrit.last().headers().get("Git-Protocol")).isEqualTo("version=2:object-format=sha1");
    assertThat(gerrit.last().uri()).isEqualTo("/p.git/info/refs?service=git-upload-pack");
  }

  @Test
  void theNodesPathPrefixComesBeforeTheClientsPath() throws Exception {
    proxy.shutdownGracefully(Duration.ofSeconds(1));
    URI prefixed = URI.create(gerrit.uri() + "/gerrit");
    snapshot.set(snapshot(List.of(node("gerrit-1", prefixed, 1)), "gerrit-1", Duration.ZERO));
    startProxy();
    get("/a/changes/?q=owner:self", "");
    assertThat(gerrit.last().uri()).isEqualTo("/gerrit/a/changes/?q=owner:self");
  }
}
