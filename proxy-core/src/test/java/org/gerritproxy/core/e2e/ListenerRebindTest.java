package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload that changes {@code [httpd]}, {@code [sshd]} or {@code [admin]} listenAddress moves the
 * listener; when the new address is taken, the old listener stays and {@code /health}, the
 * dashboard and the log say a restart (or a reload once the address is free) is needed.
 */
@ExtendWith(GerritClusterExtension.class)
class ListenerRebindTest {
  @TempDir Path dir;
  GerritCluster cluster;
  ProxyFixture proxy;

  @BeforeEach
  void start(GerritCluster cluster) throws Exception {
    this.cluster = cluster;
    proxy = ProxyFixture.withStaticMaster(dir, cluster, "gerrit-1");
    proxy.awaitMaster("gerrit-1");
  }

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void changedListenAddressesAreReboundOnReload() throws Exception {
    int oldHttp = proxy.process().httpAddress().getPort();
    int oldSsh = proxy.process().sshAddress().getPort();
    int oldAdmin = proxy.process().adminAddress().getPort();
    int http = freePort();
    int ssh = freePort();
    int admin = freePort();

    assertThat(reload(http, ssh, admin)).isTrue();

    assertThat(proxy.process().httpAddress().getPort()).isEqualTo(http);
    assertThat(proxy.process().sshAddress().getPort()).isEqualTo(ssh);
    assertThat(proxy.process().adminAddress().getPort()).isEqualTo(admin);
    HttpResponse<String> version = proxy.get("/config/server/version", null, null);
    assertThat(version.statusCode()).as("Gerrit through the new HTTP port").isEqualTo(200);
    assertThat(banner(ssh)).startsWith("SSH-2.0-GerritProxy_");
    HttpResponse<String> health = adminGet(admin, "/health");
    assertThat(health.body()).contains("\"restartNeeded\" : [ ]").contains("moved from");

    awaitRefused(oldHttp, "the old HTTP port");
    awaitRefused(oldSsh, "the old SSH port");
    awaitRefused(oldAdmin, "the old admin port");
  }

  @Test
  void aTakenAddressKeepsTheOldListenerAndSaysARestartIsNeeded() throws Exception {
    int oldHttp = proxy.process().httpAddress().getPort();
    int admin = proxy.process().adminAddress().getPort();
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      assertThat(reload(taken.getLocalPort(), 0, 0))
          .as("the rest of the configuration is in force").isTrue();

      assertThat(proxy.process().httpAddress().getPort()).isEqualTo(oldHttp);
      assertThat(proxy.get("/config/server/version", null, null).statusCode())
          .as("the old HTTP listener serves on").isEqualTo(200);
      String health = adminGet(admin, "/health").body();
      assertThat(health).contains("restartNeeded")
          .contains("[httpd] listenAddress = 127.0.0.1:" + taken.getLocalPort() + " cannot be bound")
          .contains("HTTP is still served on");
      assertThat(adminGet(admin, "/").body()).contains("Restart needed")
          .contains("cannot be bound");
    }
    // Once the address is free, a reload of the same file moves the listener after all.
    assertThat(proxy.process().reload()).isTrue();
    assertThat(proxy.process().httpAddress().getPort()).isNotEqualTo(oldHttp);
    assertThat(adminGet(admin, "/health").body()).contains("\"restartNeeded\" : [ ]");
  }

  /** Rewrites the file with these ports (0: as before, any port) and reloads. */
  private boolean reload(int http, int ssh, int admin) throws IOException {
    String text = ProxyFixture.configText(cluster.nodes(), ProxyFixture.staticMaster("gerrit-1"));
    text = replacePort(text, "httpd", http);
    text = replacePort(text, "sshd", ssh);
    text = replacePort(text, "admin", admin);
    Files.writeString(dir.resolve("proxy.config"), text);
    return proxy.process().reload();
  }

  private static String replacePort(String text, String section, int port) {
    if (port == 0) {
      return text;
    }
    String was = "[" + section + "]\n\tlistenAddress = 127.0.0.1:0";
    assertThat(text).contains(was);
    return text.replace(was, "[" + section + "]\n\tlistenAddress = 127.0.0.1:" + port);
  }

  private HttpResponse<String> adminGet(int port, String path) throws Exception {
    return proxy.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String banner(int port) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      InputStream in = s.getInputStream();
      StringBuilder line = new StringBuilder();
      for (int c; (c = in.read()) >= 0 && c != '\n' && line.length() < 255; ) {
        line.append((char) c);
      }
      return line.toString();
    }
  }

  /** Bounded: the old listeners are closed at once (admin: after answering), not at some point. */
  private static void awaitRefused(int port, String what) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError(what + " " + port + " still accepts connections after 10 s");
        }
      } catch (ConnectException refused) {
        return;
      }
      Thread.sleep(100);
    }
  }
}
