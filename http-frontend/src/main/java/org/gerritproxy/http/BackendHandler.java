package org.gerritproxy.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;
import java.util.Optional;

/**
 * The backend-to-client direction: relays a node's response to the client, reading the next
 * piece from the node only once what the previous read gave was written to the client.
 *
 * <p>What one read from the node decodes into (often a whole small response: head, body and end)
 * is written to the client unflushed, and flushed once, at the end of the response or of the read
 * ({@link #channelReadComplete}): one write system call per read, not one per message.
 */
final class BackendHandler extends ChannelInboundHandlerAdapter {

  private Exchange exchange;
  private ClientSide frontend;
  /** The response header naming the node, when configured. */
  private Optional<String> nodeHeader = Optional.empty();
  private Throwable failure;
  /** Closes the client when a write to it fails; one per exchange. */
  private ChannelFutureListener onWriteFailure;
  /** The last write of this read that is not flushed yet; null when there is none. */
  private ChannelFuture unflushed;

  /** Serves {@code e} from now on; null when the connection goes back to the pool. */
  void bind(Exchange e, ClientSide f, Optional<String> nodeHeader) {
    this.exchange = e;
    this.frontend = f;
    this.nodeHeader = nodeHeader;
    this.failure = null;
    this.unflushed = null;
    this.onWriteFailure = e == null ? null : w -> {
      if (!w.isSuccess()) {
        f.clientWriteFailed(e, w.cause());
      }
    };
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Exchange e = exchange;
    if (e == null) {
      // Nothing was asked on this idle connection: whatever came is not ours to relay.
      ReferenceCountUtil.release(msg);
      ctx.close();
      return;
    }
    if (msg instanceof HttpObject o && o.decoderResult().isFailure()) {
      ReferenceCountUtil.release(msg);
      fail(ctx, o.decoderResult().cause());
      return;
    }
    if (msg instanceof HttpResponse r) {
      if (!head(ctx, e, r)) {
        ReferenceCountUtil.release(msg);
        return;
      }
    }
    if (msg instanceof HttpContent c) {
      content(ctx, e, c);
    }
  }

  /** Relays the response head; false when the response cannot be relayed. */
  private boolean head(ChannelHandlerContext ctx, Exchange e, HttpResponse r) {
    int code = r.status().code();
    if (code == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
      fail(ctx, new IllegalStateException("the node switched protocols though no upgrade was asked"));
      return false;
    }
    if (r.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
      e.interimStarted();
      boolean expected = code != 100 || HttpUtil.is100ContinueExpected(e.request);
      if (e.clientIsHttp11() && expected) {
        DefaultFullHttpResponse interim = new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, r.status(), Unpooled.EMPTY_BUFFER,
            ProxyHeaders.endToEnd(r.headers()), new DefaultHttpHeaders());
        frontend.client().writeAndFlush(interim).addListener(f -> {
          if (f.isSuccess()) {
            ctx.read();
          } else {
            frontend.clientWriteFailed(e, f.cause());
          }
        });
      } else {
        ctx.read();
      }
      return true;
    }

    e.headRelayed();
    e.status = code;
    HttpResponse out = ProxyHeaders.toClient(r, nodeHeader, e.node);
    boolean bodyless = e.request.method().equals(HttpMethod.HEAD)
        || code == HttpResponseStatus.NO_CONTENT.code()
        || code == HttpResponseStatus.NOT_MODIFIED.code();
    boolean chunked = HttpUtil.isTransferEncodingChunked(r);
    boolean hasLength = !chunked && r.headers().contains(HttpHeaderNames.CONTENT_LENGTH);
    boolean keepAlive = e.clientKeepAlive && !frontend.isDraining();
    // Without chunking or a length the node ends its body by closing: never reuse that one.
    e.backendReusable = HttpUtil.isKeepAlive(r) && (bodyless || chunked || hasLength);
    if (!bodyless && !hasLength) {
      if (e.clientIsHttp11()) {
        out.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
      } else {
        keepAlive = false; // an HTTP/1.0 client reads to the end of the connection
      }
    }
    e.clientKeepAlive = keepAlive;
    if (!keepAlive) {
      out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (!e.clientIsHttp11()) {
      out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    unflushed = frontend.client().write(out).addListener(onWriteFailure);
    return true;
  }

  private void content(ChannelHandlerContext ctx, Exchange e, HttpContent c) {
    boolean last = c instanceof LastHttpContent;
    if (e.responseState() == Exchange.ResponseState.INTERIM) {
      // The end of a 1xx: the real response follows; the read was asked for already.
      c.release();
      if (last) {
        e.interimEnded();
      }
      return;
    }
    e.responseBytes += c.content().readableBytes();
    if (!last) {
      unflushed = frontend.client().write(c).addListener(onWriteFailure);
      return;
    }
    e.responseReceived();
    ClientSide f = frontend; // responseReceived() unbinds this handler from the exchange
    f.responseReceived(e);
    // The end of the response flushes everything before it too: a small response is one write.
    unflushed = null;
    f.client().writeAndFlush(c).addListener(w -> {
      if (w.isSuccess()) {
        f.responseWritten(e);
      } else {
        f.clientWriteFailed(e, w.cause());
      }
    });
  }

  /**
   * The end of one read from the node: sends the client what it gave, and reads the next piece
   * only once that is written, so a slow client holds the node back by TCP flow control.
   */
  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    ChannelFuture written = unflushed;
    if (written != null) {
      unflushed = null;
      frontend.client().flush();
      // Backpressure, as in Netty's proxy example: the node is read again only once this is out.
      written.addListener(w -> {
        if (w.isSuccess()) {
          ctx.read();
        } // else onWriteFailure closes the client
      });
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    Exchange e = exchange;
    if (e != null && !e.nodeDone()) {
      frontend.backendFailed(
          e, failure != null ? failure : new ClosedChannelException(), ctx.channel());
    }
    exchange = null;
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    fail(ctx, cause);
  }

  private void fail(ChannelHandlerContext ctx, Throwable cause) {
    if (failure == null) {
      failure = cause;
    }
    ctx.close(); // channelInactive reports it
  }
}
