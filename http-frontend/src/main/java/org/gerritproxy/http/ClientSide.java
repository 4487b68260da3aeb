package org.gerritproxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;

/**
 * What the node's side of an exchange ({@link BackendHandler}) may ask of and tell the client's
 * side ({@link FrontendHandler}): where the response goes, and how the response got on. Every
 * call is made on the client connection's event loop, with the exchange it concerns; a call about
 * an exchange that is over is ignored.
 */
interface ClientSide {

  /** The client's connection: the response is written there. */
  ChannelHandlerContext client();

  /** True when the client's connection closes after this exchange (the server shuts down). */
  boolean isDraining();

  /** The node's last chunk was read; it is on its way to the client. */
  void responseReceived(Exchange e);

  /** The response's last byte reached the client. */
  void responseWritten(Exchange e);

  /** The node's connection {@code backend} failed before its response was complete. */
  void backendFailed(Exchange e, Throwable cause, Channel backend);

  /** A write to the client failed: the client is gone. */
  void clientWriteFailed(Exchange e, Throwable cause);
}
