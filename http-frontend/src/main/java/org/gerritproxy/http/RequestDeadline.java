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
  /** When the current phase's deadline passes (System.nanoTime()); meaningless IN_EXCHANGE. */
  private long deadline;
  /**
   * One timer at a time, as Netty's IdleStateHandler keeps it: a request moves the deadline but
   * leaves a timer that fires earlier in place, and the timer, when it fires early, waits for the
   * rest. A kept-alive connection then schedules nothing per request (the timer fires about once
   * per header timeout); only a deadline earlier than the pending timer schedules a new one.
   */
  private ScheduledFuture<?> timer;
  private long timerAt;

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
    enter(Phase.RECEIVING_HEADERS, headerTimeoutNanos);
    bytesSeen = false;
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf buf && buf.isReadable()) {
      bytesSeen = true;
      if (phase == Phase.IDLE) {
        enter(Phase.RECEIVING_HEADERS, headerTimeoutNanos);
      }
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
    ctx.fireChannelInactive();
  }

  /** The previous exchange is over; the connection now waits for the next request. */
  void awaitRequest() {
    bytesSeen = false;
    enter(Phase.IDLE, idleTimeoutNanos);
  }

  /** A request's headers are complete: no deadline until the exchange is over. */
  void exchangeStarted() {
    phase = Phase.IN_EXCHANGE; // a pending timer finds nothing to do when it fires
  }

  private void enter(Phase next, long timeoutNanos) {
    phase = next;
    deadline = System.nanoTime() + timeoutNanos;
    if (timer != null && timerAt - deadline <= 0) {
      return; // the pending timer fires first and then waits for the rest
    }
    if (timer != null) {
      timer.cancel(false);
    }
    arm(deadline);
  }

  private void arm(long at) {
    timerAt = at;
    timer = ctx.executor().schedule(this::fired, at - System.nanoTime(), TimeUnit.NANOSECONDS);
  }

  private void fired() {
    timer = null;
    if (phase == Phase.IN_EXCHANGE || !ctx.channel().isActive()) {
      return;
    }
    if (System.nanoTime() - deadline < 0) {
      arm(deadline); // moved on since this timer was set
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
}
