package org.gerritproxy.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A Gerrit stand-in on loopback: records what it receives and answers as a test tells it. */
final class TestBackend implements AutoCloseable {

  /**
   * One request as the backend saw it; {@code complete} is false when its connection ended before
   * the body did (the proxy aborted it), so a cut-off body is never mistaken for a whole one.
   */
  record Received(String method, String uri, HttpHeaders headers, String body, long bodyBytes,
      boolean complete) {}

  /** Called when a request's headers arrive; returns true when it answered (or reset) itself. */
  interface OnHead {
    boolean handle(ChannelHandlerContext ctx, HttpRequest request);
  }

  /** Called when a request is complete. */
  interface Responder {
    void respond(ChannelHandlerContext ctx, Received request);
  }

  final String name;
  final AtomicInteger connections = new AtomicInteger();
  /** Connections open now: the proxy's pooled and busy connections to this node. */
  final AtomicInteger open = new AtomicInteger();
  final AtomicInteger requests = new AtomicInteger();
  final List<Received> received = new CopyOnWriteArrayList<>();
  volatile OnHead onHead = (ctx, r) -> false;
  volatile Responder responder;
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel server;

  TestBackend(String name) throws InterruptedException {
    this.name = name;
    this.responder = (ctx, r) -> ctx.writeAndFlush(text(200, "hello from " + name));
    server = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            connections.incrementAndGet();
            open.incrementAndGet();
            ch.closeFuture().addListener(f -> open.decrementAndGet());
            ch.pipeline().addLast(new HttpServerCodec());
            ch.pipeline().addLast(new Handler());
          }
        })
        .bind(new InetSocketAddress("127.0.0.1", 0))
        .sync()
        .channel();
  }

  int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + port());
  }

  Received last() {
    return received.get(received.size() - 1);
  }

  static FullHttpResponse text(int status, String body) {
    ByteBuf content = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
    FullHttpResponse r = new DefaultFullHttpResponse(
        HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), content);
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
    return r;
  }

  /** Closes the connection with a TCP reset rather than a FIN. */
  static void reset(ChannelHandlerContext ctx) {
    ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
    ctx.close();
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.MILLISECONDS).syncUninterruptibly();
  }

  private final class Handler extends SimpleChannelInboundHandler<HttpObject> {
    private HttpRequest request;
    private ByteArrayOutputStream body;
    private long bodyBytes;
    private boolean handled;

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
      if (msg instanceof HttpRequest r) {
        requests.incrementAndGet();
        request = r;
        body = new ByteArrayOutputStream();
        bodyBytes = 0;
        handled = onHead.handle(ctx, r);
        if (!handled && HttpUtil.is100ContinueExpected(r)) {
          ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        }
      }
      if (msg instanceof HttpContent c) {
        bodyBytes += c.content().readableBytes();
        if (body.size() < 1 << 20) {
          byte[] b = new byte[c.content().readableBytes()];
          c.content().getBytes(c.content().readerIndex(), b);
          body.write(b, 0, b.length);
        }
        if (c instanceof LastHttpContent && request != null) {
          HttpHeaders h = new DefaultHttpHeaders().set(request.headers());
          Received rec = new Received(request.method().name(), request.uri(), h,
              body.toString(StandardCharsets.ISO_8859_1), bodyBytes, c.decoderResult().isSuccess());
          received.add(rec);
          request = null;
          if (!handled && rec.complete()) {
            responder.respond(ctx, rec);
          }
        }
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      if (request != null) {
        // The connection ended inside a request (Netty's decoder emits no last chunk then).
        HttpHeaders h = new DefaultHttpHeaders().set(request.headers());
        received.add(new Received(request.method().name(), request.uri(), h,
            body.toString(StandardCharsets.ISO_8859_1), bodyBytes, false));
        request = null;
      }
      super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
