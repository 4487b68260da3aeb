package org.gerritproxy.core.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Optional;
import org.gerritproxy.http.ServerTls;
import org.gerritproxy.routing.Endpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operators' listener ({@code [admin] listenAddress}): the dashboard, {@code /health} and
 * friends. Small requests only; bodies are refused past a few kilobytes. When a token is
 * configured every request must carry it as {@code Authorization: Bearer TOKEN}. With a
 * certificate ({@code [admin] sslCertificate}/{@code sslKey}) only HTTPS is served.
 */
public final class AdminServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

  /** What the admin listener serves; implemented by the proxy process. */
  public interface Pages {
    /** {@code GET /health}: true when healthy (200), and the JSON document. */
    Response health();

    /** {@code GET /}: the dashboard, as HTML. */
    Response dashboard();

    /** {@code GET /metrics}: Prometheus text format. */
    Response metrics();

    /** {@code POST /reload}: re-reads the configuration now. */
    Response reload();
  }

  /** One answer: status, content type, body. */
  public record Response(int status, String contentType, String body) {}

  private final Endpoint listen;
  private volatile Optional<String> token;
  /** Null: plain HTTP. Read by each new connection, so a reloaded certificate applies to those. */
  private volatile SslContext tls;
  private final Pages pages;
  private EventLoopGroup group;
  private Channel channel;

  public AdminServer(Endpoint listen, Optional<String> token, Pages pages) {
    this.listen = listen;
    this.token = token;
    this.pages = pages;
  }

  /**
   * Serves HTTPS with the PEM {@code certificate} chain and its {@code key}, read now.
   *
   * @throws IllegalArgumentException when they cannot be used for TLS
   */
  public AdminServer(Endpoint listen, Optional<String> token, Path certificate, Path key,
      Pages pages) {
    this(listen, token, pages);
    this.tls = ServerTls.context("admin", certificate, key);
  }

  /**
   * Reads the certificate and key again: connections accepted from now on get them. On failure
   * the previous ones stay in use.
   *
   * @throws IllegalArgumentException when they cannot be used for TLS
   * @throws IllegalStateException when this server serves plain HTTP
   */
  public void reloadTls(Path certificate, Path key) {
    if (tls == null) {
      throw new IllegalStateException("the admin listener serves plain HTTP; HTTPS needs a restart");
    }
    tls = ServerTls.context("admin", certificate, key);
  }

  /** Requires {@code token} from now on (a reload changed it); empty: no token needed. */
  public void token(Optional<String> token) {
    this.token = token;
  }

  /**
   * Binds and starts serving.
   *
   * @throws java.io.IOException when the address cannot be bound
   */
  public InetSocketAddress start() throws InterruptedException, java.io.IOException {
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    ServerBootstrap b = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            SslContext context = tls;
            if (context != null) {
              // A plain-HTTP request on this port fails the handshake: nothing is answered in clear.
              ch.pipeline().addLast("tls", context.newHandler(ch.alloc()));
            }
            ch.pipeline().addLast(
                new ReadTimeoutHandler(30),
                new HttpServerCodec(8192, 8192, 8192),
                new HttpObjectAggregator(16 * 1024),
                new Handler());
          }
        });
    InetSocketAddress address = listen.isWildcard()
        ? new InetSocketAddress(listen.port())
        : new InetSocketAddress(listen.host(), listen.port());
    var bound0 = b.bind(address).await();
    if (!bound0.isSuccess()) {
      close();
      throw new java.io.IOException(bound0.cause().getMessage(), bound0.cause());
    }
    channel = bound0.channel();
    InetSocketAddress bound = (InetSocketAddress) channel.localAddress();
    log.info("Admin listener on {}://{}:{}/", tls == null ? "http" : "https",
        listen.isWildcard() ? "0.0.0.0" : listen.host(), bound.getPort());
    return bound;
  }

  @Override
  public void close() {
    if (channel != null) {
      channel.close().syncUninterruptibly();
    }
    if (group != null) {
      group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      Response response;
      if (!request.decoderResult().isSuccess()) {
        response = text(400, "The request could not be parsed as HTTP/1.1.");
      } else if (!authorized(request)) {
        response = text(401, "This admin endpoint needs the token: send 'Authorization: Bearer TOKEN'"
            + " with the [admin] token of the proxy's configuration.");
      } else {
        response = route(request);
      }
      FullHttpResponse out = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
          HttpResponseStatus.valueOf(response.status()),
          Unpooled.copiedBuffer(response.body(), StandardCharsets.UTF_8));
      out.headers().set(HttpHeaderNames.CONTENT_TYPE, response.contentType());
      out.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
      out.headers().set("X-Content-Type-Options", "nosniff");
      HttpUtil.setContentLength(out, out.content().readableBytes());
      boolean keepAlive = HttpUtil.isKeepAlive(request);
      if (!keepAlive) {
        out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      }
      var f = ctx.writeAndFlush(out);
      if (!keepAlive) {
        f.addListener(ChannelFutureListener.CLOSE);
      }
    }

    private Response route(FullHttpRequest request) {
      String path = path(request.uri());
      HttpMethod method = request.method();
      boolean read = method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD);
      switch (path) {
        case "/health":
          return read ? pages.health() : notAllowed("GET");
        case "/":
          return read ? pages.dashboard() : notAllowed("GET");
        case "/metrics":
          return read ? pages.metrics() : notAllowed("GET");
        case "/reload":
          return method.equals(HttpMethod.POST) ? pages.reload() : notAllowed("POST");
        default:
          return text(404, "No such admin page: " + path + ". Try / (dashboard), /health, /metrics or POST /reload.");
      }
    }

    /**
     * The path of a request target, also in absolute form ({@code GET http://host/health}, which
     * HTTP/1.1 servers must accept): only the path counts, the host named is never contacted.
     */
    private String path(String target) {
      if (target.regionMatches(true, 0, "http://", 0, 7)
          || target.regionMatches(true, 0, "https://", 0, 8)) {
        try {
          String p = new java.net.URI(target).getRawPath();
          return p == null || p.isEmpty() ? "/" : new QueryStringDecoder(p).path();
        } catch (java.net.URISyntaxException e) {
          return target; // answered 404 like any unknown page
        }
      }
      return new QueryStringDecoder(target).path();
    }

    private boolean authorized(FullHttpRequest request) {
      Optional<String> token = AdminServer.this.token;
      if (token.isEmpty()) {
        return true;
      }
      String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
      if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
        return false;
      }
      byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
      return MessageDigest.isEqual(given, token.get().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.debug("Admin connection failed", cause);
      ctx.close();
    }
  }

  static Response text(int status, String message) {
    return new Response(status, "text/plain; charset=utf-8", message + "\n");
  }

  private static Response notAllowed(String allowed) {
    return text(405, "Method not allowed here; use " + allowed + ".");
  }
}
