import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.gerritproxy.ssh.KeyFiles;

/**
 * Idle connections for bench/run: opens N HTTP keep-alive connections (each answers one small
 * GET, then stays open) or N authenticated SSH sessions, prints "ready N", holds them until
 * standard input closes or the hold time ends, then closes them all.
 *
 * <pre>
 * java -cp gerrit-proxy.jar bench/IdleClients.java http HOST PORT N HOLD-SECONDS PATH
 * java -cp gerrit-proxy.jar bench/IdleClients.java ssh HOST PORT N HOLD-SECONDS USER KEY-FILE
 * </pre>
 */
public final class IdleClients {
  public static void main(String[] args) throws Exception {
    String kind = args[0];
    String host = args[1];
    int port = Integer.parseInt(args[2]);
    int count = Integer.parseInt(args[3]);
    long holdSeconds = Long.parseLong(args[4]);
    List<AutoCloseable> open = new ArrayList<>(count);
    SshClient client = null;
    long t0 = System.nanoTime();
    try {
      if (kind.equals("http")) {
        byte[] request = ("GET " + args[5] + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < count; i++) {
          open.add(httpKeepAlive(new InetSocketAddress(host, port), request));
        }
      } else if (kind.equals("ssh")) {
        KeyPair key = KeyFiles.load(Path.of(args[6]));
        client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
        client.start();
        // A few logins at a time: each is a key exchange and a signature on both sides, about a
        // second apiece on a machine busy with other builds, and one after the other 1,000 of
        // them outlasted bench/run's patience.
        SshClient c = client;
        java.util.concurrent.ExecutorService pool =
            java.util.concurrent.Executors.newFixedThreadPool(4);
        List<java.util.concurrent.Future<ClientSession>> logins = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          logins.add(pool.submit(() -> {
            ClientSession session = c.connect(args[5], host, port)
                .verify(Duration.ofSeconds(120)).getSession();
            session.addPublicKeyIdentity(key);
            session.auth().verify(Duration.ofSeconds(120));
            return session;
          }));
        }
        try {
          for (java.util.concurrent.Future<ClientSession> login : logins) {
            open.add(login.get());
          }
        } finally {
          pool.shutdown();
        }
      } else {
        throw new IllegalArgumentException("kind is http or ssh, not " + kind);
      }
      System.out.printf("ready %d %d ms%n", open.size(), (System.nanoTime() - t0) / 1_000_000);
      System.out.flush();
      // bench/run holds a pipe on standard input: the hold ends when it writes a line or closes it.
      Thread stdin = new Thread(() -> {
        try {
          System.in.read();
        } catch (IOException ignored) {
          // the hold ends either way
        }
      });
      stdin.setDaemon(true);
      stdin.start();
      stdin.join(holdSeconds * 1000);
    } finally {
      for (AutoCloseable c : open) {
        try {
          c.close();
        } catch (Exception ignored) {
          // closing anyway
        }
      }
      if (client != null) {
        client.stop();
      }
    }
  }

  /** Connects, sends one GET, reads the whole answer (Content-Length), and keeps the socket. */
  private static SocketChannel httpKeepAlive(InetSocketAddress to, byte[] request)
      throws IOException {
    SocketChannel ch = SocketChannel.open(to);
    ch.write(ByteBuffer.wrap(request));
    ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
    int headerEnd = -1;
    int contentLength = -1;
    while (true) {
      if (ch.read(buf) < 0) {
        ch.close();
        throw new IOException("the server closed a keep-alive connection after "
            + buf.position() + " bytes");
      }
      String seen = new String(buf.array(), 0, buf.position(), StandardCharsets.ISO_8859_1);
      if (headerEnd < 0) {
        headerEnd = seen.indexOf("\r\n\r\n");
        if (headerEnd >= 0) {
          if (!seen.startsWith("HTTP/1.1 200")) {
            ch.close();
            throw new IOException("not a 200: " + seen.lines().findFirst().orElse(""));
          }
          String lower = seen.substring(0, headerEnd).toLowerCase();
          int at = lower.indexOf("content-length:");
          if (at < 0) {
            ch.close();
            throw new IOException("no Content-Length in the answer");
          }
          int eol = lower.indexOf("\r\n", at);
          contentLength = Integer.parseInt(
              lower.substring(at + 15, eol < 0 ? lower.length() : eol).trim());
        }
      }
      if (headerEnd >= 0 && buf.position() >= headerEnd + 4 + contentLength) {
        return ch;
      }
    }
  }
}
