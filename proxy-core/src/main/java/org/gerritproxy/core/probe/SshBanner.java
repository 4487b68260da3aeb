package org.gerritproxy.core.probe;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.gerritproxy.routing.Endpoint;

/**
 * The SSH half of the network probe: connects to a node's SSH port and reads its version line,
 * which must be Gerrit's ({@code SSH-2.0-GerritCodeReview_…}); sends nothing, so no session opens.
 */
final class SshBanner {
  static final String PREFIX = "SSH-2.0-GerritCodeReview_";
  private static final int MAX_LINE = 255; // RFC 4253: the version line is at most 255 bytes

  // Blocking reads, each bounded by the probe timeout; daemon threads so they never hold a JVM.
  private static final ExecutorService READERS = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "ssh-banner-probe");
    t.setDaemon(true);
    return t;
  });

  private SshBanner() {}

  /** Empty when the banner is Gerrit's; otherwise why the SSH port failed the probe. */
  static CompletableFuture<Optional<String>> check(Endpoint ssh, Duration timeout) {
    return CompletableFuture.supplyAsync(() -> read(ssh, timeout), READERS);
  }

  static Optional<String> read(Endpoint ssh, Duration timeout) {
    int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(ssh.host(), ssh.port()), millis);
      socket.setSoTimeout(millis);
      // Buffered: the banner comes in one segment, and a read per byte is a system call each.
      InputStream in = new BufferedInputStream(socket.getInputStream(), MAX_LINE + 2);
      // A server may send other lines before its version line (RFC 4253, 4.2).
      for (int lines = 0; lines < 10; lines++) {
        String line = readLine(in);
        if (line == null) {
          return Optional.of("SSH port " + ssh + " closed without a banner");
        }
        if (line.startsWith("SSH-")) {
          return line.startsWith(PREFIX)
              ? Optional.empty()
              : Optional.of("SSH port " + ssh + " is not Gerrit's: its banner is " + line);
        }
      }
      return Optional.of("SSH port " + ssh + " sent no SSH version line");
    } catch (SocketTimeoutException e) {
      return Optional.of("no SSH banner from " + ssh + " within the probe timeout");
    } catch (java.net.ConnectException e) {
      return Optional.of("SSH connection to " + ssh + " refused");
    } catch (IOException e) {
      return Optional.of("SSH probe of " + ssh + " failed: " + e.getMessage());
    }
  }

  private static String readLine(InputStream in) throws IOException {
    byte[] buf = new byte[MAX_LINE];
    int n = 0;
    while (n < MAX_LINE) {
      int b = in.read();
      if (b < 0) {
        return n == 0 ? null : new String(buf, 0, n, StandardCharsets.US_ASCII);
      }
      if (b == '\n') {
        break;
      }
      if (b != '\r') {
        buf[n++] = (byte) b;
      }
    }
    return new String(buf, 0, n, StandardCharsets.US_ASCII);
  }
}
