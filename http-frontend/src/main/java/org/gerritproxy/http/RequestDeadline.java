package org.gerritproxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The clock of a client connection between requests: closes a kept-alive connection left idle,
 * and signals {@link #HEADERS_TOO_SLOW} when a request's headers take too long (slowloris).
 *
 * <p>It sits before the HTTP decoder because only there can it see a request's first byte: the
 * header deadline runs from that byte (from the connection's start for the first request), the
 * idle deadline until it.
 */
final class RequestDeadline extends ChannelInboundHandlerAdapter {

  /** Fired down the pipeline when the header deadline passes with bytes of a request received. */
  static final Object HEADERS_TOO_SLOW = new Object() {
    @Override
    public String toString() {
      return "HEADERS_TOO_SLOW";
    }
  };

  private enum Phase {
    /** Between requests, waiting for a first byte. */
    IDLE,
    /** A request has begun; its headers are not complete yet. */
    RECEIVING_HEADERS,
    /** A request's headers are complete; its exchange runs without a deadline from here. */
    IN_EXCHANGE
  }

  private final long headerTimeoutNanos;
  private final long idleTimeoutNanos;
  private ChannelHandlerContext ctx;
  private Phase phase = Phase.IN_EXCHANGE;
  private boolean bytesSeen;
  private ScheduledFuture<?> timer;

  RequestDeadline(Duration headerTimeout, Duration idleTimeout) {
    this.headerTimeoutNanos = headerTimeout.toNanos();
    this.idleTimeoutNanos = idleTimeout.toNanos();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    // A new connection's first request gets the header deadline from the start: a client that
    // connects and dawdles is the slowloris case, not a kept-alive client between requests.
    phase = Phase.RECEIVING_HEADERS;
    bytesSeen = false;
    schedule(headerTimeoutNanos);
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf buf && buf.isReadable()) {
      bytesSeen = true;
      if (phase == Phase.IDLE) {
        phase = Phase.RECEIVING_HEADERS;
        schedule(headerTimeoutNanos);
      }
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancel();
    ctx.fireChannelInactive();
  }

  /** The previous exchange is over; the connection now waits for the next request. */
  void awaitRequest() {
    phase = Phase.IDLE;
    bytesSeen = false;
    schedule(idleTimeoutNanos);
  }

  /** A request's headers are complete. */
  void exchangeStarted() {
    phase = Phase.IN_EXCHANGE;
    cancel();
  }

  private void schedule(long nanos) {
    cancel();
    Phase armedFor = phase;
    timer = ctx.executor().schedule(() -> expired(armedFor), nanos, TimeUnit.NANOSECONDS);
  }

  private void expired(Phase armedFor) {
    timer = null;
    if (phase != armedFor || !ctx.channel().isActive()) {
      return;
    }
    if (phase == Phase.RECEIVING_HEADERS && bytesSeen) {
      phase = Phase.IN_EXCHANGE;
      ctx.fireUserEventTriggered(HEADERS_TOO_SLOW);
    } else {
      // Nothing was asked: close quietly, as any server closes an idle keep-alive connection.
      ctx.close();
    }
  }

  private void cancel() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }
}
