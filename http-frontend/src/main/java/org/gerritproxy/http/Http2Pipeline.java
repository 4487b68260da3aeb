package org.gerritproxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP/2 for TLS clients that ask for it by ALPN. Netty's codecs speak the protocol: {@link
 * Http2FrameCodec} on the connection, and through {@link Http2MultiplexHandler} one child channel
 * per stream whose {@link Http2StreamFrameToHttpObjectCodec} turns the stream into the HTTP/1
 * objects a {@link FrontendHandler} handles. So each stream is one exchange, relayed to a node
 * over HTTP/1.1 like any other, and everything the proxy does to a request (routing, headers,
 * refusals, limits, the access log) is the same code for both protocols.
 *
 * <p>What HTTP/2 adds, and how it is bounded:
 *
 * <ul>
 *   <li>Backpressure is HTTP/2 flow control. A stream's request body is read (and its window
 *       refunded to the client) only as the node takes it, because each child channel reads one
 *       message at a time like an HTTP/1.1 connection. A response is read from the node only once
 *       what was read before is written, and a write completes only when the client's stream
 *       window lets it out: a stream the client never reads holds its node back, not memory.
 *   <li>{@link #MAX_CONCURRENT_STREAMS} streams at once per connection (the exchanges of many
 *       HTTP/1.1 connections on one), refused beyond with REFUSED_STREAM.
 *   <li>Header blocks (HEADERS and all its CONTINUATION frames) are bounded by {@code
 *       httpd.maxHeaderSize}, as HTTP/1.1 headers are: a stream just over it is answered 431 and
 *       reset; a block far over it, or a run of {@link #MAX_SMALL_CONTINUATIONS} small
 *       CONTINUATION frames (the 2024 CONTINUATION floods), is a connection error (GOAWAY).
 *   <li>Rapid reset (CVE-2023-44487): more than {@link #MAX_RESETS_PER_WINDOW} RST_STREAM frames
 *       from a client in {@link #RESET_WINDOW_SECONDS}s ends its connection with GOAWAY
 *       ENHANCE_YOUR_CALM. A stream the client resets is closed at once, and its node
 *       connection with it.
 *   <li>A connection with no stream open for {@code httpd.idleTimeout} is closed, PINGs or not.
 * </ul>
 *
 * <p>The connection-level parts (codec, idle clock, the refusals' words) live here; {@link
 * FrontendHandler} only learns that its channel may be one stream, which carries one exchange.
 */
final class Http2Pipeline {

  private static final Logger LOG = LoggerFactory.getLogger(Http2Pipeline.class);

  /**
   * Streams open at once on one connection. A browser opens some tens; more from one client is a
   * crowd of exchanges, each holding a node connection, that HTTP/1.1 would spread over as many
   * connections.
   */
  static final int MAX_CONCURRENT_STREAMS = 100;
  /**
   * RST_STREAM frames a client may send in {@link #RESET_WINDOW_SECONDS}: a browser cancels
   * streams as a user navigates away, but not 200 every half minute.
   */
  static final int MAX_RESETS_PER_WINDOW = 200;
  static final int RESET_WINDOW_SECONDS = 30;
  /**
   * CONTINUATION frames under 8k a header block may have: header blocks that legitimately need
   * more come in few large frames.
   */
  static final int MAX_SMALL_CONTINUATIONS = 16;

  /** How many streams' windows the connection's receive window holds. */
  static final int CONNECTION_WINDOW_STREAMS = 16;

  private Http2Pipeline() {}

  /**
   * Waits for the TLS handshake, then builds the rest of the pipeline for the protocol the client
   * chose: {@code http1} for HTTP/1.1 (and clients that name none), HTTP/2 for {@code h2}.
   */
  static final class Negotiation extends ApplicationProtocolNegotiationHandler {
    private final HttpFrontendSettings settings;
    private final HttpFrontend frontend;
    private final Consumer<ChannelPipeline> http1;

    Negotiation(HttpFrontendSettings settings, HttpFrontend frontend,
        Consumer<ChannelPipeline> http1) {
      super(ApplicationProtocolNames.HTTP_1_1);
      this.settings = settings;
      this.frontend = frontend;
      this.http1 = http1;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      // Reads are asked for one at a time (AUTO_READ is off); the handshake needs the first, and
      // TLS asks for the rest itself. The handlers of the chosen protocol hear of the active
      // connection once they are there.
      ctx.read();
    }

    @Override
    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
      ChannelPipeline p = ctx.pipeline();
      if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
        install(ctx, settings, frontend);
      } else {
        // This handler is the last one yet: the HTTP/1.1 handlers go after it, and it steps aside
        // once this returns, handing on what TLS decrypted meanwhile.
        http1.accept(p);
      }
      ctx.fireChannelActive();
    }

    @Override
    protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
      // Scanners, old clients, wrong ports: routine, and no concern of the operator.
      LOG.debug("{}: TLS handshake with {} failed: {}", settings.proxyName(),
          ctx.channel().remoteAddress(), cause.toString());
      ctx.close();
    }
  }

  /** Makes {@code ctx}'s connection an HTTP/2 one: the codec, then one child per stream. */
  private static void install(ChannelHandlerContext ctx, HttpFrontendSettings s,
      HttpFrontend frontend) {
    Http2Settings local = Http2Settings.defaultSettings()
        .maxConcurrentStreams(MAX_CONCURRENT_STREAMS)
        .maxHeaderListSize(s.maxHeaderSize());
    Http2FrameCodec codec = new CodecBuilder(s)
        .initialSettings(local)
        .decoderEnforceMaxRstFramesPerWindow(MAX_RESETS_PER_WINDOW, RESET_WINDOW_SECONDS)
        .decoderEnforceMaxSmallContinuationFrames(MAX_SMALL_CONTINUATIONS)
        // Server shutdown closes the connection: GOAWAY, then the streams under way may finish
        // within the shutdown's own timeout, which ends whatever is left.
        .gracefulShutdownTimeoutMillis(-1)
        .build();
    Http2MultiplexHandler streams = new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel stream) {
        // One message at a time, as on an HTTP/1.1 connection: the request body is read only as
        // the node takes it, and the client's window is refunded only then.
        stream.config().setOption(ChannelOption.AUTO_READ, false);
        ChannelPipeline p = stream.pipeline();
        p.addLast("h2-own-buffers", new OwnBuffers()); // sees the frames the codec makes
        p.addLast("h2-http", new Http2StreamFrameToHttpObjectCodec(true));
        p.addLast("h2-request", new RequestFromStream());
        p.addLast("flow", new FlowControlHandler());
        p.addLast("proxy", new FrontendHandler(frontend, s));
      }
    });
    ChannelPipeline p = ctx.pipeline();
    String name = ctx.name();
    p.addAfter(name, "h2", codec);
    p.addAfter("h2", "h2-idle", new CloseWhenIdle(codec, s));
    p.addAfter("h2-idle", "h2-streams", streams);
    p.addAfter("h2-streams", "h2-errors", new Errors(s.proxyName()));
    // The connection's receive window, shared by all its streams, is widened from one stream's
    // (64 KB) to CONNECTION_WINDOW_STREAMS streams': a stream whose body waits (its node is slow,
    // or its fetch waits for a slot) then holds back only itself, not every upload on the
    // connection. Unread data stays bounded: each stream's window is still 64 KB. (Written from
    // the handler after the codec, so that the codec turns it into its WINDOW_UPDATE.)
    p.context("h2-idle").writeAndFlush(new DefaultHttp2WindowUpdateFrame(
        (CONNECTION_WINDOW_STREAMS - 1) * Http2CodecUtil.DEFAULT_WINDOW_SIZE));
    // HTTP/2 has its own flow control, per stream and per connection: the connection reads as
    // fast as the client sends, and the windows bound what it can send.
    ctx.channel().config().setAutoRead(true);
  }

  /**
   * The connection's codec; it answers a stream whose header block is over {@code
   * httpd.maxHeaderSize} with a 431 that says so (Netty's own has no body), before its reset.
   */
  private static final class CodecBuilder extends Http2FrameCodecBuilder {
    private final HttpFrontendSettings settings;

    CodecBuilder(HttpFrontendSettings settings) {
      this.settings = settings;
      server(true);
    }

    @Override
    protected Http2FrameCodec build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
        Http2Settings initialSettings) {
      Http2FrameCodec codec = new Http2FrameCodec(encoder, decoder, initialSettings,
          decoupleCloseAndGoAway(), flushPreface()) {
        @Override
        protected void handleServerHeaderDecodeSizeError(ChannelHandlerContext ctx,
            Http2Stream stream) {
          ByteBuf body = ByteBufUtil.writeUtf8(ctx.alloc(), "The request headers are larger"
              + " than the " + settings.maxHeaderSize() + " bytes this proxy accepts; send"
              + " fewer or smaller headers (cookies, tokens).\n");
          Http2Headers h = new DefaultHttp2Headers()
              .status(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE.codeAsText())
              .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
              .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
          encoder().writeHeaders(ctx, stream.id(), h, 0, false, ctx.newPromise());
          encoder().writeData(ctx, stream.id(), body, 0, true, ctx.newPromise());
          try {
            // Out now, ahead of the reset that follows: a reset stream's queued data is dropped.
            encoder().flowController().writePendingBytes();
          } catch (Http2Exception e) {
            LOG.debug("{}: the 431 to {} could not be written: {}", settings.proxyName(),
                clientOf(ctx.channel()), e.toString());
          }
        }

        @Override
        protected void onConnectionError(ChannelHandlerContext ctx, boolean outbound,
            Throwable cause, Http2Exception http2Ex) {
          Http2Exception told = http2Ex == null ? null : refusal(http2Ex, settings);
          if (told != null) {
            LOG.info("{}: HTTP/2 connection from {} refused: {}", settings.proxyName(),
                clientOf(ctx.channel()), told.getMessage());
          }
          super.onConnectionError(ctx, outbound, cause, told);
        }
      };
      codec.gracefulShutdownTimeoutMillis(gracefulShutdownTimeoutMillis());
      return codec;
    }
  }

  /**
   * What the client reads in the GOAWAY's debug data (and the operator in the log) when the
   * client broke the protocol or a limit: Netty's reason, what it means and what to do.
   */
  static Http2Exception refusal(Http2Exception e, HttpFrontendSettings s) {
    String why = e.getMessage() == null ? e.error().name() : e.getMessage();
    String advice;
    if (why.startsWith("Maximum number of RST frames")) {
      advice = "more than " + MAX_RESETS_PER_WINDOW + " streams were reset within "
          + RESET_WINDOW_SECONDS + "s (rapid reset); open fewer streams that you then cancel";
    } else if (why.contains("continuations frames")) {
      advice = "a header block came in too many small CONTINUATION frames; send headers in few"
          + " frames";
    } else if (why.startsWith("Header size exceeded")) {
      advice = "the request headers are far larger than the " + s.maxHeaderSize()
          + " bytes this proxy accepts; send fewer or smaller headers (cookies, tokens)";
    } else {
      advice = "the connection broke the HTTP/2 protocol; reconnect";
    }
    return new Http2Exception(e.error(), s.proxyName() + " closed this HTTP/2 connection: "
        + advice + " (" + why + ").", e.shutdownHint());
  }

  /** The client's address, as the PROXY header named it when there was one. */
  private static Object clientOf(Channel connection) {
    java.net.InetSocketAddress proxied = connection.attr(ProxyProtocol.CLIENT).get();
    return proxied != null ? proxied : connection.remoteAddress();
  }

  /**
   * The end of the connection's pipeline: what the codec reports of a connection it is closing
   * (with GOAWAY, logged there) needs no second word.
   */
  private static final class Errors extends ChannelInboundHandlerAdapter {
    private final String proxyName;

    Errors(String proxyName) {
      this.proxyName = proxyName;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("{}: HTTP/2 connection from {}: {}", proxyName, clientOf(ctx.channel()),
          cause.toString());
    }
  }

  /**
   * Closes (GOAWAY first) a connection that had no stream open for the idle timeout, as an idle
   * HTTP/1.1 connection is closed. Counted from the last stream's end, not from the last frame:
   * PINGs or SETTINGS every few minutes must not keep an empty connection open for ever, nor
   * must a header block begun and never finished (it opens no stream).
   */
  private static final class CloseWhenIdle extends ChannelInboundHandlerAdapter {
    private final Http2FrameCodec codec;
    private final HttpFrontendSettings settings;
    private final long idleNanos;
    /** When the last stream closed (or the connection began), by System.nanoTime(). */
    private long idleSince = System.nanoTime();
    private ScheduledFuture<?> timer;

    CloseWhenIdle(Http2FrameCodec codec, HttpFrontendSettings settings) {
      this.codec = codec;
      this.settings = settings;
      this.idleNanos = settings.idleTimeout().toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      codec.connection().addListener(new Http2ConnectionAdapter() {
        @Override
        public void onStreamClosed(Http2Stream stream) {
          idleSince = System.nanoTime();
        }
      });
      check(ctx, idleNanos);
    }

    private void check(ChannelHandlerContext ctx, long inNanos) {
      timer = ctx.executor().schedule(() -> {
        if (!ctx.channel().isActive()) {
          return;
        }
        long idleFor = System.nanoTime() - idleSince;
        if (codec.connection().numActiveStreams() > 0) {
          check(ctx, idleNanos); // busy: look again a timeout from now
        } else if (idleFor >= idleNanos) {
          LOG.debug("{}: closing idle HTTP/2 connection from {}", settings.proxyName(),
              clientOf(ctx.channel()));
          ctx.close();
        } else {
          check(ctx, idleNanos - idleFor);
        }
      }, inNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (timer != null) {
        timer.cancel(false);
      }
      ctx.fireChannelInactive();
    }
  }

  /**
   * Hands a stream's request to its {@link FrontendHandler} as HTTP/1.1 gives it: the head
   * first, its body after, so that a bodyless request (one HEADERS frame, which the codec makes a
   * {@link FullHttpRequest}) ends only once its node is chosen, as on HTTP/1.1. The codec's own
   * {@code x-http2-*} headers (stream id, scheme) stay here; they are nothing to a node.
   */
  private static final class RequestFromStream extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest request) {
        request.headers().remove(HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text());
        request.headers().remove(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text());
        if (msg instanceof FullHttpRequest full) {
          ctx.fireChannelRead(new DefaultHttpRequest(full.protocolVersion(), full.method(),
              full.uri(), full.headers()));
          ctx.fireChannelRead(new DefaultLastHttpContent(full.content(),
              full.trailingHeaders()));
          return;
        }
      }
      ctx.fireChannelRead(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof Http2ResetFrame reset) {
        // The client cancelled the stream. Netty tells the stream's channel at once, but closes it
        // only when its reader asks for more, and a FrontendHandler asks for nothing while its
        // node connects or thinks: close now, and with it the exchange and its node connection.
        LOG.debug("client reset HTTP/2 stream {} ({})", ((Http2StreamChannel) ctx.channel())
            .stream().id(), reset.errorCode());
        ctx.close();
      }
      ctx.fireUserEventTriggered(evt);
    }
  }

  /** True when {@code ch} is one stream of an HTTP/2 connection. */
  static boolean isStream(Channel ch) {
    return ch instanceof Http2StreamChannel;
  }

  /** The client's TCP connection of {@code ch}: itself, or the connection a stream is on. */
  static Channel connection(Channel ch) {
    return isStream(ch) ? ch.parent() : ch;
  }

  /**
   * Gives each body piece bound for an HTTP/2 stream a buffer of its own. What the node's HTTP/1.1
   * decoder hands on are slices of its read buffer; the HTTP/2 flow controller keeps such a slice
   * queued while the client's window is shut and later splits it again, and by then the decoder
   * may have let go of what it was sliced from: TLS then met a freed buffer and the whole
   * connection failed (Http2Test's unread stream showed it). One copy per piece, on HTTP/2 only.
   */
  private static final class OwnBuffers extends io.netty.channel.ChannelOutboundHandlerAdapter {
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, io.netty.channel.ChannelPromise promise) {
      if (msg instanceof io.netty.handler.codec.http2.Http2DataFrame data
          && data.content().isReadable()) {
        io.netty.buffer.ByteBuf own = ctx.alloc().buffer(data.content().readableBytes());
        own.writeBytes(data.content(), data.content().readerIndex(),
            data.content().readableBytes());
        io.netty.handler.codec.http2.Http2DataFrame copy =
            new io.netty.handler.codec.http2.DefaultHttp2DataFrame(own, data.isEndStream(),
                data.padding());
        if (data.stream() != null) {
          copy.stream(data.stream());
        }
        data.release();
        ctx.write(copy, promise);
        return;
      }
      ctx.write(msg, promise);
    }
  }
}
