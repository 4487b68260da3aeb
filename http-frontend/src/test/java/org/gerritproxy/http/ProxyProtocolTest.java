package org.gerritproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.gerritproxy.routing.Cidr;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * PROXY protocol v1 and v2 headers on the HTTP listener, on raw sockets from 127.0.0.2 (listed)
 * and 127.0.0.1 (not listed): the header's client becomes {@code X-Forwarded-For} and the session
 * key; a listed source without a header, an unlisted one with a header, and a malformed header
 * are refused with the connection closed; plain clients are served as before.
 */
class ProxyProtocolTest extends ProxyFixture {
  static final byte[] V2_SIGNATURE = {
    0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A
  };
  static final String REQUEST = "GET /changes/ HTTP/1.1\r\nHost: review.example.com\r\n"
      + "Connection: close\r\n\r\n";
  TestBackend gerrit;

  @BeforeEach
  void proxyBehindABalancerOn127002() throws Exception {
    gerrit = backend("gerrit-1");
    snapshot.set(snapshot(List.of(node("gerrit-1", gerrit.uri(), 1)), "gerrit-1", Duration.ZERO));
    startProxy(settings().withProxyProtocolFrom(List.of(Cidr.parse("127.0.0.2/32"))));
  }

  @Test
  void aV1HeaderNamesTheClientTheNodeIsTold() throws Exception {
    RawHttp.Response r = fromBalancer(
        ("PROXY TCP4 198.51.100.23 127.0.0.1 40123 443\r\n" + REQUEST)
            .getBytes(StandardCharsets.US_ASCII));
    assertThat(r.status()).isEqualTo(200);
    assertThat(gerrit.last().headers().get("X-Forwarded-For")).isEqualTo("198.51.100.23");
    await(() -> !observer.records.isEmpty());
    assertThat(observer.records.get(observer.records.size() - 1).client())
        .as("the access log's client").isEqualTo("198.51.100.23");
  }

  @Test
  void aV2HeaderNamesAnIpv6Client() throws Exception {
    ByteArrayOutputStream h = new ByteArrayOutputStream();
    h.writeBytes(V2_SIGNATURE);
    h.write(0x21);
    h.write(0x21);
    h.write(0);
    h.write(36);
    h.writeBytes(java.net.InetAddress.getByName("2001:db8::7").getAddress());
    h.writeBytes(java.net.InetAddress.getByName("::1").getAddress());
    h.write(40124 >> 8);
    h.write(40124 & 0xff);
    h.write(0);
    h.write(80);
    h.writeBytes(REQUEST.getBytes(StandardCharsets.US_ASCII));
    RawHttp.Response r = fromBalancer(h.toByteArray());
    assertThat(r.status()).isEqualTo(200);
    assertThat(gerrit.last().headers().get("X-Forwarded-For")).isEqualTo("2001:db8:0:0:0:0:0:7");
  }

  @Test
  void aV2LocalHeaderLeavesTheBalancerAsTheClient() throws Exception {
    ByteArrayOutputStream h = new ByteArrayOutputStream();
    h.writeBytes(V2_SIGNATURE);
    h.write(0x20); // LOCAL: the balancer's own health check
    h.write(0x00);
    h.write(0);
    h.write(0);
    h.writeBytes(REQUEST.getBytes(StandardCharsets.US_ASCII));
    RawHttp.Response r = fromBalancer(h.toByteArray());
    assertThat(r.status()).isEqualTo(200);
    assertThat(gerrit.last().headers().get("X-Forwarded-For")).isEqualTo("127.0.0.2");
  }

  @Test
  void theBalancerWithoutAHeaderOrWithABadOneIsRefused() throws Exception {
    assertThat(closedWithoutAnswer(balancerSocket(), REQUEST.getBytes(StandardCharsets.US_ASCII)))
        .isTrue();
    assertThat(closedWithoutAnswer(balancerSocket(),
        ("PROXY TCP4 lb.example.com 127.0.0.1 1 2\r\n" + REQUEST).getBytes(StandardCharsets.US_ASCII)))
        .isTrue();
    assertThat(gerrit.received).isEmpty();
  }

  @Test
  void aHeaderFromASourceNotListedIsRefusedAndPlainClientsAreServed() throws Exception {
    Socket s = new Socket();
    s.connect(address, 10_000);
    assertThat(closedWithoutAnswer(s,
        ("PROXY TCP4 198.51.100.23 127.0.0.1 40123 443\r\n" + REQUEST)
            .getBytes(StandardCharsets.US_ASCII))).isTrue();
    assertThat(gerrit.received).isEmpty();

    RawHttp.Response plain = get("/changes/", "");
    assertThat(plain.status()).isEqualTo(200);
    assertThat(gerrit.last().headers().get("X-Forwarded-For")).isEqualTo("127.0.0.1");
    // A request whose method starts with the header's first letter is no header.
    try (RawHttp c = client()) {
      c.send("PUT /changes/x HTTP/1.1\r\nHost: review.example.com\r\nContent-Length: 0\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(200);
    }
  }

  private Socket balancerSocket() throws Exception {
    Socket s = new Socket();
    s.bind(new InetSocketAddress("127.0.0.2", 0));
    s.connect(address, 10_000);
    return s;
  }

  private RawHttp.Response fromBalancer(byte[] bytes) throws Exception {
    try (RawHttp c = new RawHttp(balancerSocket())) {
      c.sendBytes(bytes);
      return c.read();
    }
  }

  /** True when the proxy closes the connection and has written nothing. */
  private static boolean closedWithoutAnswer(Socket s, byte[] bytes) throws Exception {
    try (s) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(bytes);
      s.getOutputStream().flush();
      try {
        return s.getInputStream().read() == -1;
      } catch (java.net.SocketException reset) {
        return true;
      }
    }
  }
}
