package org.gerritproxy.core.probe;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.gerritproxy.http.NodeTls;

/**
 * The HTTP half of the network probe: one {@code GET} on a connection of its own, sent with
 * {@code Connection: close} as HAProxy's checks are, and judged by its status line alone.
 *
 * <p>On one event-loop thread of its own rather than the JDK's {@code HttpClient}, whose executor
 * and selector hand-offs made it the largest part of an idle proxy's CPU: about 1.1 ms per probe
 * there, about 0.8 ms here (bench/NOTES.md, "A full run after the SSH hang fix, and the probe on
 * Netty"). A connection per probe has nothing to go stale between probes, so no probe can fail on
 * a connection the node closed while it sat idle.
 */
final class HttpCheck implements AutoCloseable {

  static final String USER_AGENT = "gerrit-proxy-probe";
  private static final int MAX_HEAD = 64 * 1024;

  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
      new DefaultThreadFactory("health-probe", true), NioIoHandler.newFactory());
  private final Bootstrap bootstrap = new Bootstrap()
      .group(group)
      .channel(NioSocketChannel.class)
      .option(ChannelOption.TCP_NODELAY, true);

  /**
   * The status code of {@code GET target}; fails with a {@link TimeoutException} when no status
   * line came within {@code timeout} (connecting included), or with the connection's failure.
   */
  CompletableFuture<Integer> status(URI target, Duration timeout) {
    CompletableFuture<Integer> status = new CompletableFuture<>();
    boolean https = "https".equalsIgnoreCase(target.getScheme());
    String host = target.getHost();
    if (host == null || !(https || "http".equalsIgnoreCase(target.getScheme()))) {
      status.completeExceptionally(new IllegalArgumentException("not an http(s) URL: " + target));
      return status;
    }
    int port = target.getPort() >= 0 ? target.getPort() : https ? 443 : 80;
    long millis = Math.max(1, timeout.toMillis());
    ChannelFuture connect = bootstrap.clone()
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, millis))
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (https) {
              ch.pipeline().addLast("tls", NodeTls.handler(ch.alloc(), host, port));
            }
            // Room for big heads (a node behind a front that sets cookies or a CSP), as the
            // relay allows: a head the codec refused would fail a healthy node's probe.
            ch.pipeline().addLast("http", new HttpClientCodec(8192, MAX_HEAD, 8192));
            ch.pipeline().addLast("check", new StatusLine(request(target, host, port), status));
          }
        })
        .connect(host, port);
    Channel ch = connect.channel();
    connect.addListener(f -> {
      if (!f.isSuccess()) {
        status.completeExceptionally(f.cause());
      }
    });
    // One deadline for the whole probe, connecting and TLS included.
    var deadline = ch.eventLoop().schedule(
        () -> status.completeExceptionally(new TimeoutException()), millis, TimeUnit.MILLISECONDS);
    // The one place that ends the connection, however the probe ended.
    status.whenComplete((code, error) -> {
      deadline.cancel(false);
      ch.close();
    });
    return status;
  }

  private static FullHttpRequest request(URI target, String host, int port) {
    String path = target.getRawPath() == null || target.getRawPath().isEmpty()
        ? "/" : target.getRawPath();
    if (target.getRawQuery() != null) {
      path += "?" + target.getRawQuery();
    }
    FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
    boolean defaultPort = target.getPort() < 0;
    r.headers()
        .set(HttpHeaderNames.HOST, defaultPort ? host : host + ":" + port)
        .set(HttpHeaderNames.USER_AGENT, USER_AGENT)
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    return r;
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  /** Sends the request once connected, and completes with the status of the answer. */
  private static final class StatusLine extends ChannelInboundHandlerAdapter {
    private final FullHttpRequest request;
    private final CompletableFuture<Integer> status;

    StatusLine(FullHttpRequest request, CompletableFuture<Integer> status) {
      this.request = request;
      this.status = status;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ctx.writeAndFlush(request).addListener(f -> {
        if (!f.isSuccess()) {
          status.completeExceptionally(f.cause());
        }
      });
      ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof HttpResponse r) {
          if (r.decoderResult().isFailure()) {
            status.completeExceptionally(new IOException(
                "not an HTTP answer: " + r.decoderResult().cause().getMessage()));
          } else {
            status.complete(r.status().code()); // the body is not read: the status says it all
          }
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      status.completeExceptionally(new IOException("the connection closed without an answer"));
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      status.completeExceptionally(cause); // which closes the connection
    }
  }
}
