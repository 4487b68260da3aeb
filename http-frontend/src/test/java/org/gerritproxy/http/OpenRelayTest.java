package org.gerritproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The proxy is no open relay: whatever a client names (Host, an absolute URI, CONNECT), only the
 * configured nodes are connected to. A listener on 127.0.0.2, a loopback address no node uses,
 * counts every connection that would prove otherwise.
 */
class OpenRelayTest extends HostileClientFixture {

  ServerSocket trap;
  final AtomicInteger trapped = new AtomicInteger();
  Thread acceptor;
  String elsewhere;

  @BeforeEach
  void listenerNoNodeUses() throws IOException {
    trap = new ServerSocket();
    trap.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
    elsewhere = "127.0.0.2:" + trap.getLocalPort();
    acceptor = new Thread(() -> {
      while (!trap.isClosed()) {
        try (Socket s = trap.accept()) {
          trapped.incrementAndGet();
        } catch (IOException closed) {
          return; // the test closed the trap
        }
      }
    }, "relay-trap");
    acceptor.start();
  }

  @AfterEach
  void nothingReachedTheTrap() throws Exception {
    trap.close();
    acceptor.join(5000);
    assertThat(trapped.get()).as("connections to an address no node has").isZero();
  }

  private RawHttp.Response send(String request) throws Exception {
    try (RawHttp c = client()) {
      c.send(request);
      return c.read();
    }
  }

  @Test
  void aHostHeaderNamingAnotherServerStillGoesToTheNode() throws Exception {
    RawHttp.Response r = send("GET /changes/ HTTP/1.1\r\nHost: " + elsewhere + "\r\n\r\n");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("X-Gerrit-Proxy-Node")).contains("gerrit-1");
    assertThat(gerrit.last().uri()).isEqualTo("/changes/");
  }

  @Test
  void anAbsoluteUriNamingAnotherServerIsServedByTheNodeAsAPath() throws Exception {
    RawHttp.Response r = send("GET http://" + elsewhere + "/changes/?q=1 HTTP/1.1\r\nHost: "
        + elsewhere + "\r\n\r\n");
    assertThat(r.status()).isEqualTo(200);
    assertThat(gerrit.last().uri()).isEqualTo("/changes/?q=1");
  }

  @Test
  void anAbsoluteUriWithUserInfoOrAnotherSchemeReachesNoOtherServer() throws Exception {
    assertThat(send("GET http://me:pw@" + elsewhere + "/x HTTP/1.1\r\nHost: x\r\n\r\n").status())
        .isEqualTo(200);
    assertThat(gerrit.last().uri()).isEqualTo("/x");
    try (RawHttp c = client()) {
      c.send("GET ftp://" + elsewhere + "/x HTTP/1.1\r\nHost: x\r\n\r\n");
      assertRefusedAndClosed(c, c.read(), 400);
    }
  }

  @Test
  void aSchemeRelativePathIsJustAPathOnTheNode() throws Exception {
    assertThat(send("GET //" + elsewhere + "/x HTTP/1.1\r\nHost: x\r\n\r\n").status()).isEqualTo(200);
    assertThat(gerrit.last().uri()).isEqualTo("//" + elsewhere + "/x");
  }

  @Test
  void connectIsRefused() throws Exception {
    try (RawHttp c = client()) {
      c.send("CONNECT " + elsewhere + " HTTP/1.1\r\nHost: " + elsewhere + "\r\n\r\n");
      Optional<RawHttp.Response> r = answerOrClose(c);
      assertThat(r).hasValueSatisfying(a -> assertThat(a.status()).isBetween(400, 405));
      assertThat(r.get().text()).doesNotContain("Connection established");
    }
    try (RawHttp c = client()) {
      c.send("CONNECT http://" + elsewhere + "/ HTTP/1.1\r\nHost: " + elsewhere + "\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(403);
    }
    assertThat(gerrit.requests.get()).isZero();
  }

  @Test
  void forwardingHeadersFromTheClientChooseNothing() throws Exception {
    RawHttp.Response r = send("GET /changes/ HTTP/1.1\r\nHost: x\r\nX-Forwarded-Host: " + elsewhere
        + "\r\nForwarded: host=" + elsewhere + "\r\nX-Original-URL: http://" + elsewhere
        + "/\r\nMax-Forwards: 0\r\n\r\n");
    assertThat(r.status()).isEqualTo(200);
    assertThat(gerrit.last().headers().get("X-Forwarded-Host")).isEqualTo("x");
  }
}
