package org.gerritproxy.core.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.gerritproxy.routing.Endpoint;
import org.junit.jupiter.api.Test;

/** The SSH half of the network probe accepts Gerrit's banner and nothing else. */
class SshBannerTest {

  private static String probe(String banner) throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread t = new Thread(() -> {
        try (Socket s = server.accept()) {
          if (banner != null) {
            OutputStream out = s.getOutputStream();
            out.write(banner.getBytes(StandardCharsets.US_ASCII));
            out.flush();
          }
          Thread.sleep(1000);
        } catch (Exception ignored) {
          // the probe hung up
        }
      });
      t.setDaemon(true);
      t.start();
      return SshBanner.read(new Endpoint("127.0.0.1", server.getLocalPort()),
          Duration.ofMillis(300)).orElse("ok");
    }
  }

  @Test
  void gerritsBannerPasses() throws Exception {
    assertThat(probe("SSH-2.0-GerritCodeReview_(dev) (APACHE-SSHD-2.12.0)\r\n")).isEqualTo("ok");
  }

  @Test
  void linesBeforeTheVersionLineAreSkipped() throws Exception {
    assertThat(probe("welcome\r\nSSH-2.0-GerritCodeReview_3.10.2 (APACHE-SSHD-2.12.0)\r\n"))
        .isEqualTo("ok");
  }

  @Test
  void anotherSshServerFailsWithItsBannerInTheReason() throws Exception {
    assertThat(probe("SSH-2.0-OpenSSH_9.2p1\r\n")).contains("not Gerrit's").contains("OpenSSH");
  }

  @Test
  void silenceFailsWithinTheTimeout() throws Exception {
    assertThat(probe(null)).contains("within the probe timeout");
  }

  @Test
  void aClosedPortIsRefused() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    assertThat(SshBanner.read(new Endpoint("127.0.0.1", port), Duration.ofMillis(300)))
        .hasValueSatisfying(why -> assertThat(why).contains("refused"));
  }
}
