package org.gerritproxy.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.util.AttributeKey;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.gerritproxy.routing.Node;

/**
 * Connections to the Gerrit nodes, kept alive between requests: one small pool per (event loop,
 * node), touched only from its own event loop, so a frontend channel and its backend channel
 * always share a thread and no pool needs a lock.
 */
final class BackendConnections {

  /**
   * Idle connections kept per node and event loop; more are closed. Each client connection holds
   * at most one backend connection at a time, so this bounds reuse only beyond 1024 busy clients
   * per event loop; below it every request finds a kept connection (a new connection per request
   * costs a handshake and, on the node, a thread hand-off: at 256 clients and a cap of 32 half the
   * requests paid it).
   */
  private static final int MAX_IDLE = 1024;
  /** Below Jetty's (and Gerrit's httpd.idleTimeout) 30s default, so the node rarely closes first. */
  private static final Duration MAX_KEEP_IDLE = Duration.ofSeconds(15);

  /**
   * The buffers the node's responses are read into: pooled, whatever their size. Netty's default
   * allocator pools only buffers up to 16.5 KB when the JVM's direct memory limit is 512 MB or
   * less (it follows -Xmx, and the launcher's is 512m), and allocates every larger one afresh:
   * each 64 KB read of a clone's pack was a new direct buffer, zeroed and later freed by the
   * cleaner, 8-11% of the proxy's CPU during a bulk download (bench/NOTES.md, "HTTP, fourth
   * round"). 1 MB chunks (8 KB pages, order 7), one arena per core: a few MB at most, taken once
   * bulk bodies flowed; nothing is held by an idle connection.
   */
  private static final ByteBufAllocator READ_BUFFERS = new PooledByteBufAllocator(true, 0,
      Math.max(1, Runtime.getRuntime().availableProcessors()), 8192, 7, 256, 64,
      PooledByteBufAllocator.defaultUseCacheForAllThreads());

  /**
   * Reads from a node grow up to 256 KB (Netty's default stops at 64 KB) while a body keeps
   * filling them, and start at 2 KB, so a small response still takes a small buffer. A bulk
   * body then costs a quarter of the read and write system calls: each read is relayed to the
   * client and flushed before the next (backpressure), so fewer, larger pieces are fewer calls
   * on both sides.
   */
  private static final int MAX_READ = 256 * 1024;

  private static final AttributeKey<ScheduledFuture<?>> IDLE_TIMER =
      AttributeKey.valueOf(BackendConnections.class, "idleTimer");

  private final Bootstrap bootstrap;
  /** Read per connection and per release, so that a reload's timeouts apply to the next one. */
  private final Supplier<HttpFrontendSettings> settings;
  private final Map<EventLoop, Map<String, ArrayDeque<Channel>>> idle = new ConcurrentHashMap<>();
  private final Map<URI, String> keys = new ConcurrentHashMap<>();

  BackendConnections(Bootstrap bootstrap, Supplier<HttpFrontendSettings> settings) {
    this.bootstrap = bootstrap
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.ALLOCATOR, READ_BUFFERS)
        .option(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(64, 2048, MAX_READ))
        .option(ChannelOption.TCP_NODELAY, true);
    this.settings = settings;
  }

  /** A live idle connection to {@code node} on {@code loop}, most recently used first; or null. */
  Channel pooled(EventLoop loop, Node node) {
    ArrayDeque<Channel> queue = queue(loop, node);
    Channel ch;
    while ((ch = queue.pollLast()) != null) {
      ScheduledFuture<?> timer = ch.attr(IDLE_TIMER).getAndSet(null);
      if (timer != null) {
        timer.cancel(false);
      }
      if (ch.isActive()) {
        return ch;
      }
    }
    return null;
  }

  /** Opens a new connection to {@code node} from {@code loop}. */
  ChannelFuture connect(EventLoop loop, Node node) {
    URI uri = node.http();
    boolean tls = "https".equalsIgnoreCase(uri.getScheme());
    String host = uri.getHost();
    int port = uri.getPort() >= 0 ? uri.getPort() : tls ? 443 : 80;
    HttpFrontendSettings now = settings.get();
    // Gerrit's responses carry big headers (CSP, cookies): allow more than we accept from clients.
    int maxHeaderSize = Math.max(64 * 1024, now.maxHeaderSize());
    ChannelFuture f = bootstrap.clone(loop)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
            (int) Math.min(Integer.MAX_VALUE, now.connectTimeout().toMillis()))
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (tls) {
              ch.pipeline().addLast("tls", NodeTls.handler(ch.alloc(), host, port));
            }
            ch.pipeline().addLast("http", new HttpClientCodec(8192, maxHeaderSize, 64 * 1024));
            ch.pipeline().addLast("relay", new BackendHandler());
          }
        })
        .connect(host, port);
    String key = key(node);
    Channel ch = f.channel();
    ch.closeFuture().addListener(closed -> {
      ArrayDeque<Channel> queue = idleOn(loop).get(key);
      if (queue != null) {
        queue.remove(ch);
      }
    });
    return f;
  }

  /** Keeps {@code ch} for the next request to {@code node}, or closes it when enough are kept. */
  void release(Channel ch, Node node) {
    if (!ch.isActive()) {
      return;
    }
    ArrayDeque<Channel> queue = queue(ch.eventLoop(), node);
    if (queue.size() >= MAX_IDLE) {
      ch.close();
      return;
    }
    queue.addLast(ch);
    Duration idleTimeout = settings.get().idleTimeout();
    Duration keep = idleTimeout.compareTo(MAX_KEEP_IDLE) < 0 ? idleTimeout : MAX_KEEP_IDLE;
    ch.attr(IDLE_TIMER).set(ch.eventLoop().schedule(() -> {
      if (queue.remove(ch)) {
        ch.close();
      }
    }, keep.toNanos(), TimeUnit.NANOSECONDS));
    // A read outstanding while idle lets us see the node close the connection (or babble).
    ch.read();
  }

  private ArrayDeque<Channel> queue(EventLoop loop, Node node) {
    return idleOn(loop).computeIfAbsent(key(node), k -> new ArrayDeque<>());
  }

  private Map<String, ArrayDeque<Channel>> idleOn(EventLoop loop) {
    return idle.computeIfAbsent(loop, l -> new HashMap<>());
  }

  /** The pool a node's connections go to: one per scheme and authority (computed once per URI). */
  private String key(Node node) {
    return keys.computeIfAbsent(node.http(), uri -> uri.getScheme().toLowerCase(Locale.ROOT)
        + "://" + ProxyHeaders.authority(uri).toLowerCase(Locale.ROOT));
  }
}
