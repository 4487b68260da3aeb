package org.gerritproxy.core.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A loopback TCP relay between the proxy and one node, to fake a network split: {@link #cut()}
 * drops every connection and closes new ones at once; {@link #heal()} lets them through again.
 * Bounded: at most {@value #MAX_CONNECTIONS} connections at a time, daemon threads only.
 */
final class TcpRelay implements AutoCloseable {
  private static final int MAX_CONNECTIONS = 64;

  private final InetSocketAddress target;
  private final ServerSocket server;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "tcp-relay");
    t.setDaemon(true);
    return t;
  });
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile boolean cut;
  private volatile long bytesPerSecond;
  private final java.util.concurrent.atomic.AtomicLong delivered =
      new java.util.concurrent.atomic.AtomicLong();

  TcpRelay(InetSocketAddress target) throws IOException {
    this.target = target;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    threads.execute(this::acceptLoop);
  }

  int port() {
    return server.getLocalPort();
  }

  /** Drops every open connection; new ones are closed as soon as they are accepted. */
  void cut() {
    cut = true;
    open.forEach(TcpRelay::closeQuietly);
  }

  void heal() {
    cut = false;
  }

  /**
   * Resets every open connection (an RST, as a stateful firewall or a crashed load balancer
   * sends), while new connections still go through: a glitch, not a split.
   */
  void reset() {
    for (Socket s : open) {
      try {
        s.setSoLinger(true, 0);
      } catch (IOException ignored) {
        // closed already
      }
      closeQuietly(s);
    }
  }

  /** Bytes passed from the target back to the relay's clients so far. */
  long delivered() {
    return delivered.get();
  }

  /** Slows the target's answers down to about this many bytes a second; 0 for full speed. */
  void throttle(long bytesPerSecond) {
    this.bytesPerSecond = bytesPerSecond;
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      if (cut || open.size() >= 2 * MAX_CONNECTIONS) {
        closeQuietly(client);
        continue;
      }
      Socket backend = new Socket();
      try {
        backend.connect(target, 2000);
      } catch (IOException e) {
        closeQuietly(client);
        closeQuietly(backend);
        continue;
      }
      open.add(client);
      open.add(backend);
      threads.execute(() -> pipe(client, backend, false));
      threads.execute(() -> pipe(backend, client, true));
    }
  }

  private void pipe(Socket from, Socket to, boolean answers) {
    byte[] buffer = new byte[16384];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buffer, 0, answers && bytesPerSecond > 0 ? 4096 : buffer.length)) >= 0) {
        out.write(buffer, 0, n);
        out.flush();
        if (answers) {
          delivered.addAndGet(n);
          long rate = bytesPerSecond;
          if (rate > 0) {
            Thread.sleep(Math.max(1, n * 1000L / rate));
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // one side went away; close both below
    } finally {
      closeQuietly(from);
      closeQuietly(to);
      open.remove(from);
      open.remove(to);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    closeQuietly(server);
    cut();
    threads.shutdownNow();
  }

  private static void closeQuietly(ServerSocket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
