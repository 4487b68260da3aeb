package org.gerritproxy.core.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An L4 load balancer on loopback, as HAProxy with {@code send-proxy} / {@code send-proxy-v2} is:
 * it accepts on 127.0.0.1, connects to the proxy from its own source address, writes a PROXY
 * protocol header naming the client it is told to name, then relays the bytes both ways.
 * Bounded: daemon threads, at most {@value #MAX_CONNECTIONS} connections at a time.
 */
final class ProxyProtocolBalancer implements AutoCloseable {
  private static final int MAX_CONNECTIONS = 16;
  static final byte[] V2_SIGNATURE = {
    0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A
  };

  private final InetSocketAddress target;
  private final InetAddress source;
  private final ServerSocket server;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "balancer");
    t.setDaemon(true);
    return t;
  });
  private volatile byte[] header = new byte[0];

  /**
   * @param target the proxy's listener
   * @param source the balancer's own address toward the proxy (127.0.0.2: another loopback)
   */
  ProxyProtocolBalancer(InetSocketAddress target, InetAddress source) throws IOException {
    this(InetAddress.getLoopbackAddress(), target, source);
  }

  /**
   * @param listen where it accepts (::1 makes it a plain IPv6 front for an IPv4 server while it
   *     sends no header)
   */
  ProxyProtocolBalancer(InetAddress listen, InetSocketAddress target, InetAddress source)
      throws IOException {
    this.target = target;
    this.source = source;
    this.server = new ServerSocket(0, 50, listen);
    threads.execute(this::acceptLoop);
  }

  int port() {
    return server.getLocalPort();
  }

  /** The next connections name {@code client} in a version 1 header. */
  void sendV1(InetSocketAddress client) {
    header = v1(client, target);
  }

  /** The next connections name {@code client} in a version 2 (binary) header. */
  void sendV2(InetSocketAddress client) {
    header = v2(client, target);
  }

  /** The next connections carry no header. */
  void sendNone() {
    header = new byte[0];
  }

  static byte[] v1(InetSocketAddress client, InetSocketAddress to) {
    boolean v4 = client.getAddress() instanceof Inet4Address;
    String dst = v4 ? to.getAddress().getHostAddress() : "::ffff:" + to.getAddress().getHostAddress();
    return ("PROXY " + (v4 ? "TCP4 " : "TCP6 ") + client.getAddress().getHostAddress() + " "
        + dst + " " + client.getPort() + " " + to.getPort() + "\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  static byte[] v2(InetSocketAddress client, InetSocketAddress to) {
    boolean v4 = client.getAddress() instanceof Inet4Address;
    byte[] src = client.getAddress().getAddress();
    byte[] dst = v4 ? to.getAddress().getAddress() : mapped(to.getAddress().getAddress());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(V2_SIGNATURE);
    out.write(0x21); // version 2, PROXY
    out.write(v4 ? 0x11 : 0x21); // TCP over IPv4 / IPv6
    int length = 2 * src.length + 4;
    out.write(length >> 8);
    out.write(length & 0xff);
    out.writeBytes(src);
    out.writeBytes(dst);
    out.write(client.getPort() >> 8);
    out.write(client.getPort() & 0xff);
    out.write(to.getPort() >> 8);
    out.write(to.getPort() & 0xff);
    return out.toByteArray();
  }

  /** {@code ::ffff:a.b.c.d} as 16 bytes (an InetAddress of it would turn back into IPv4). */
  private static byte[] mapped(byte[] a) {
    if (a.length == 16) {
      return a;
    }
    byte[] b = new byte[16];
    b[10] = (byte) 0xff;
    b[11] = (byte) 0xff;
    System.arraycopy(a, 0, b, 12, 4);
    return b;
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return;
      }
      if (open.size() >= 2 * MAX_CONNECTIONS) {
        closeQuietly(client);
        continue;
      }
      threads.execute(() -> relay(client));
    }
  }

  private void relay(Socket client) {
    Socket upstream = new Socket();
    open.add(client);
    open.add(upstream);
    try {
      upstream.bind(new InetSocketAddress(source, 0));
      upstream.connect(target, 10_000);
      upstream.getOutputStream().write(header);
      upstream.getOutputStream().flush();
      threads.execute(() -> pipe(upstream, client));
      pipe(client, upstream);
    } catch (IOException e) {
      closeQuietly(client);
      closeQuietly(upstream);
    }
  }

  private void pipe(Socket from, Socket to) {
    byte[] buf = new byte[32 * 1024];
    try (InputStream in = from.getInputStream()) {
      OutputStream out = to.getOutputStream();
      for (int n; (n = in.read(buf)) >= 0; ) {
        out.write(buf, 0, n);
        out.flush();
      }
      to.shutdownOutput();
    } catch (IOException e) {
      closeQuietly(to);
    } finally {
      closeQuietly(from);
      open.remove(from);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    open.forEach(ProxyProtocolBalancer::closeQuietly);
    threads.shutdownNow();
  }
}
