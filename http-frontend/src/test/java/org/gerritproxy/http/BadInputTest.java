package org.gerritproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed and ambiguous HTTP, sent byte for byte on a raw socket: each gets a clear 4xx (a
 * sentence in plain text, then the connection closed) or just a closed connection, and the node
 * behind the proxy never sees it, nor a request smuggled inside it. {@link HostileClientFixture}
 * checks after each that nothing leaked and that other clients are still served.
 */
class BadInputTest extends HostileClientFixture {

  /** A request the node must never receive: proof that a body was taken for a request. */
  static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

  /**
   * @param statuses the acceptable answers; empty when only a closed connection is acceptable
   * @param orClose true when closing without an answer is acceptable too
   */
  record Case(String name, String bytes, Set<Integer> statuses, boolean orClose) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Case answer(int status, String name, String bytes) {
    return new Case(name, bytes, Set.of(status), false);
  }

  static Case answerOrClose(int status, String name, String bytes) {
    return new Case(name, bytes, Set.of(status), true);
  }

  static Stream<Case> cases() {
    String post = "POST /a/changes/ HTTP/1.1\r\nHost: x\r\n";
    return Stream.of(
        // Malformed request lines.
        answer(400, "a request line with four parts", "GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n"),
        answerOrClose(400, "a request line of one word", "GET\r\nHost: x\r\n\r\n"),
        answer(400, "a control character in the method", "G\u0001T / HTTP/1.1\r\nHost: x\r\n\r\n"),
        answer(400, "an unknown protocol", "GET / HTTX/1.1\r\nHost: x\r\n\r\n"),
        answer(400, "a relative request-target", "GET relative HTTP/1.1\r\nHost: x\r\n\r\n"),
        answerOrClose(400, "TLS on the plain port", "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003"
            + "x".repeat(40) + "\r\n\r\n"),
        answerOrClose(400, "HTTP/0.9", "GET /\r\n"),
        answer(505, "the HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
        answer(505, "HTTP/3.0 in an HTTP/1 request line", "GET / HTTP/3.0\r\nHost: x\r\n\r\n"),
        answerOrClose(414, "a 1 MB URI", "GET /" + "a".repeat(1 << 20) + " HTTP/1.1\r\nHost: x\r\n\r\n"),
        // Invalid, duplicate and oversized headers.
        answer(400, "a space in a header name", "GET / HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n"),
        answer(400, "a header line without a colon", "GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n"),
        answer(400, "a NUL in a header value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n"),
        answer(400, "whitespace before a header's colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n"),
        answer(400, "a folded first header", "GET / HTTP/1.1\r\n Host: x\r\n\r\n"),
        answer(400, "two Host headers", "GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n"),
        answer(400, "a Host with a path in it", "GET / HTTP/1.1\r\nHost: a.example/evil\r\n\r\n"),
        answer(400, "a Host with user info", "GET / HTTP/1.1\r\nHost: me@a.example\r\n\r\n"),
        answer(400, "a Host with a space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n"),
        answer(400, "no Host in HTTP/1.1", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n"),
        answer(431, "a 9 KB cookie", "GET / HTTP/1.1\r\nHost: x\r\nCookie: " + "c".repeat(9000) + "\r\n\r\n"),
        answer(431, "2000 small headers", "GET / HTTP/1.1\r\nHost: x\r\n" + "X-N: 1\r\n".repeat(2000) + "\r\n"),
        // Request smuggling shapes: each body hides a second request.
        answer(400, "Content-Length with Transfer-Encoding",
            post + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED),
        answer(400, "Transfer-Encoding before Content-Length",
            post + "Transfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n0\r\n\r\n" + SMUGGLED),
        answer(400, "two different Content-Lengths",
            post + "Content-Length: 0\r\nContent-Length: 38\r\n\r\n" + SMUGGLED),
        answer(400, "a Content-Length list", post + "Content-Length: 0, 38\r\n\r\n" + SMUGGLED),
        answer(400, "a signed Content-Length", post + "Content-Length: +38\r\n\r\n" + SMUGGLED),
        answer(400, "a negative Content-Length", post + "Content-Length: -1\r\n\r\n" + SMUGGLED),
        answer(400, "a hexadecimal Content-Length", post + "Content-Length: 0x26\r\n\r\n" + SMUGGLED),
        answer(400, "an overflowing Content-Length",
            post + "Content-Length: 99999999999999999999\r\n\r\n" + SMUGGLED),
        answer(400, "Transfer-Encoding: xchunked",
            post + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n" + SMUGGLED),
        answer(400, "Transfer-Encoding: chunked, identity",
            post + "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n" + SMUGGLED),
        answer(400, "Transfer-Encoding: identity",
            post + "Transfer-Encoding: identity\r\n\r\n0\r\n\r\n" + SMUGGLED),
        answer(400, "two Transfer-Encoding headers",
            post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n" + SMUGGLED),
        answer(400, "a vertical tab before chunked",
            post + "Transfer-Encoding:\u000bchunked\r\n\r\n0\r\n\r\n" + SMUGGLED),
        answer(400, "whitespace before Transfer-Encoding's colon",
            post + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n" + SMUGGLED),
        // Bad chunked encoding.
        answerOrClose(400, "a chunk size that is not hexadecimal",
            post + "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"),
        answerOrClose(400, "a negative chunk size",
            post + "Transfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n"),
        answerOrClose(400, "an overflowing chunk size",
            post + "Transfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\nhello\r\n0\r\n\r\n"),
        answerOrClose(400, "chunk data without its CRLF",
            post + "Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n" + SMUGGLED),
        answerOrClose(400, "a chunk longer than its size",
            post + "Transfer-Encoding: chunked\r\n\r\n2\r\nhello\r\n0\r\n\r\n" + SMUGGLED));
  }

  @Test
  void aFoldedTransferEncodingStaysPartOfThePreviousHeaderAndItsBodyIsNoRequest() throws Exception {
    // RFC 9112 §5.2 lets a server join an obs-fold line to the previous header (Netty does): the
    // request then has no body, and the bytes after it are the next "request", refused.
    try (RawHttp client = client()) {
      client.send("POST /a/changes/ HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n Transfer-Encoding: chunked"
          + "\r\n\r\n0\r\n\r\n" + SMUGGLED);
      assertThat(client.read().status()).isEqualTo(200);
      Optional<RawHttp.Response> next = answerOrClose(client);
      next.ifPresent(r -> assertRefusedAndClosed(client, r, 400));
    }
    assertThat(gerrit.received).singleElement().satisfies(rec -> {
      assertThat(rec.uri()).isEqualTo("/a/changes/");
      assertThat(rec.bodyBytes()).isZero();
      assertThat(rec.headers().contains("Transfer-Encoding")).isFalse();
    });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void isRefusedOrClosedAndNeverReachesTheNode(Case c) throws Exception {
    try (RawHttp client = client()) {
      try {
        client.send(c.bytes());
      } catch (IOException e) {
        // The proxy may refuse and close before a long request is all written.
      }
      Optional<RawHttp.Response> r = answerOrClose(client);
      if (r.isEmpty()) {
        assertThat(c.orClose()).as("closed without an answer").isTrue();
      } else {
        assertThat(c.statuses()).as(r.get().text()).contains(r.get().status());
        assertRefusedAndClosed(client, r.get(), r.get().status());
      }
    }
    assertThat(gerrit.received).as("requests that reached the node")
        .noneMatch(TestBackend.Received::complete)
        .noneMatch(rec -> rec.uri().contains("smuggled"));
  }
}
