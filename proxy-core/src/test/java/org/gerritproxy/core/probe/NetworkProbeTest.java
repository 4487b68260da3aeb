package org.gerritproxy.core.probe;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.gerritproxy.routing.AdminState;
import org.gerritproxy.routing.Endpoint;
import org.gerritproxy.routing.Node;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The network probe against real sockets: the JDK's HTTP server as the node's HTTP port, plain
 * sockets for a node that says nothing or is not there, and a Gerrit banner on the SSH port.
 */
class NetworkProbeTest {

  /** For answers that come: generous, so that a slow machine never fails them. */
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  /** For the node that never answers: short, so that the test waits little. */
  private static final Duration SHORT = Duration.ofMillis(700);

  private final NetworkProbe probe = new NetworkProbe(Clock.systemUTC());
  private final List<String> seen = new CopyOnWriteArrayList<>();
  private final AtomicInteger status = new AtomicInteger(200);
  private HttpServer http;
  private ServerSocket ssh;

  @BeforeEach
  void startNode() throws Exception {
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    http.createContext("/", exchange -> {
      seen.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " host="
          + exchange.getRequestHeaders().getFirst("Host") + " ua="
          + exchange.getRequestHeaders().getFirst("User-Agent") + " connection="
          + exchange.getRequestHeaders().getFirst("Connection"));
      // As big a head as a node behind a front that sets cookies may send.
      exchange.getResponseHeaders().add("Set-Cookie", "front=" + "x".repeat(20_000));
      byte[] body = "3.10.1".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status.get(), body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    http.start();
    ssh = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
    Thread banners = new Thread(() -> {
      while (!ssh.isClosed()) {
        try (Socket s = ssh.accept()) {
          s.getOutputStream().write(
              "SSH-2.0-GerritCodeReview_3.10.1 (APACHE-SSHD-2.12.0)\r\n".getBytes(StandardCharsets.US_ASCII));
        } catch (Exception closed) {
          return;
        }
      }
    }, "test-ssh-banners");
    banners.setDaemon(true);
    banners.start();
  }

  @AfterEach
  void stop() throws Exception {
    probe.close();
    http.stop(0);
    ssh.close();
  }

  private Node node(int httpPort) {
    return new Node("gerrit-1", URI.create("http://127.0.0.1:" + httpPort),
        new Endpoint("127.0.0.1", ssh.getLocalPort()), 100, 1, AdminState.ACTIVE);
  }

  private Node node() {
    return node(http.getAddress().getPort());
  }

  @Test
  void aNodeThatAnswers200OnBothPortsIsHealthy() throws Exception {
    ProbeResult r = probe.probe(node(), "/config/server/version", TIMEOUT).get(10, TimeUnit.SECONDS);

    assertThat(r.ok()).as(r.toString()).isTrue();
    int port = http.getAddress().getPort();
    assertThat(seen).containsExactly("GET /config/server/version host=127.0.0.1:" + port
        + " ua=gerrit-proxy-probe connection=close");
  }

  @Test
  void everyProbeIsAskedOfTheNodeAgainNotRememberedOrPiledUp() throws Exception {
    for (int i = 0; i < 20; i++) {
      assertThat(probe.probeHttp(node(), "/config/server/version?probe=" + i, TIMEOUT)
          .get(10, TimeUnit.SECONDS).ok()).isTrue();
    }
    assertThat(seen).hasSize(20).last().asString().startsWith("GET /config/server/version?probe=19 ");
  }

  @Test
  void anyOtherStatusIsUnhealthyAndSaysWhich() throws Exception {
    status.set(503);

    ProbeResult r = probe.probeHttp(node(), "/config/server/version", TIMEOUT)
        .get(10, TimeUnit.SECONDS);

    assertThat(r.ok()).isFalse();
    assertThat(r.error()).contains("HTTP 503 from /config/server/version");
  }

  @Test
  void aClosedPortIsConnectionRefused() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }

    ProbeResult r = probe.probeHttp(node(closed), "/config/server/version", TIMEOUT)
        .get(10, TimeUnit.SECONDS);

    assertThat(r.ok()).isFalse();
    assertThat(r.error()).contains("connection refused");
  }

  @Test
  void aNodeThatAcceptsButNeverAnswersTimesOutWithinTheTimeout() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 16, InetAddress.getLoopbackAddress())) {
      long t0 = System.nanoTime();

      ProbeResult r = probe.probeHttp(node(silent.getLocalPort()), "/config/server/version",
          SHORT).get(10, TimeUnit.SECONDS);

      assertThat(r.ok()).isFalse();
      assertThat(r.error()).contains("no answer within the probe timeout");
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(SHORT);
    }
  }

  @Test
  void aNodeThatHangsUpWithoutAnAnswerFails() throws Exception {
    try (ServerSocket rude = new ServerSocket(0, 16, InetAddress.getLoopbackAddress())) {
      Thread t = new Thread(() -> {
        try (Socket s = rude.accept()) {
          // The whole request is read (so the close is a FIN, not a reset), then no answer.
          java.io.InputStream in = s.getInputStream();
          String got = "";
          while (!got.endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
              break;
            }
            got += (char) b;
          }
        } catch (Exception ignored) {
          // closed
        }
      });
      t.setDaemon(true);
      t.start();

      ProbeResult r = probe.probeHttp(node(rude.getLocalPort()), "/config/server/version",
          TIMEOUT).get(10, TimeUnit.SECONDS);

      assertThat(r.ok()).isFalse();
      assertThat(r.error()).hasValueSatisfying(e -> assertThat(e)
          .doesNotContain("probe timeout").containsIgnoringCase("closed"));
    }
  }

  @Test
  void aHealthyHttpPortDoesNotMakeUpForAForeignSshPort() throws Exception {
    try (ServerSocket openssh = new ServerSocket(0, 16, InetAddress.getLoopbackAddress())) {
      Thread t = new Thread(() -> {
        try (Socket s = openssh.accept()) {
          s.getOutputStream().write("SSH-2.0-OpenSSH_9.6\r\n".getBytes(StandardCharsets.US_ASCII));
        } catch (Exception ignored) {
          // closed
        }
      });
      t.setDaemon(true);
      t.start();
      Node n = new Node("gerrit-1", URI.create("http://127.0.0.1:" + http.getAddress().getPort()),
          new Endpoint("127.0.0.1", openssh.getLocalPort()), 100, 1, AdminState.ACTIVE);

      ProbeResult r = probe.probe(n, "/config/server/version", TIMEOUT).get(10, TimeUnit.SECONDS);

      assertThat(r.ok()).isFalse();
      assertThat(r.error()).hasValueSatisfying(e -> assertThat(e).contains("not Gerrit's"));
    }
  }

  @Test
  void anHttpsNodeWhoseCertificateIsNotTrustedFailsBeforeAnyRequest(@TempDir Path tmp)
      throws Exception {
    Path store = tmp.resolve("node.p12");
    Process keytool = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "node", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
        "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
        "-storetype", "PKCS12", "-keystore", store.toString(),
        "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
    String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(keytool.exitValue()).as(out).isZero();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (var in = java.nio.file.Files.newInputStream(store)) {
      ks.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "changeit".toCharArray());
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(kmf.getKeyManagers(), null, null);
    HttpsServer https =
        HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    https.setHttpsConfigurator(new HttpsConfigurator(tls));
    https.createContext("/", exchange -> {
      seen.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    https.start();
    try {
      Node n = new Node("gerrit-1",
          URI.create("https://127.0.0.1:" + https.getAddress().getPort()),
          new Endpoint("127.0.0.1", ssh.getLocalPort()), 100, 1, AdminState.ACTIVE);

      ProbeResult r = probe.probeHttp(n, "/config/server/version", TIMEOUT)
          .get(10, TimeUnit.SECONDS);

      // A self-signed certificate is not among the JDK's trusted ones: no request is sent.
      assertThat(r.ok()).isFalse();
      assertThat(r.error()).hasValueSatisfying(e -> assertThat(e)
          .startsWith("TLS with the node failed: ").containsIgnoringCase("certification path"));
      assertThat(seen).isEmpty();
    } finally {
      https.stop(0);
    }
  }
}
