package org.gerritproxy.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * The client side of TLS toward a Gerrit node whose URL is {@code https}: the JDK's trusted
 * certificates, and the node's host name checked against its certificate. One place for every
 * connection the proxy makes to a node over Netty (the relay and the health probe), so they
 * trust alike.
 */
public final class NodeTls {
  private static volatile SslContext context;

  private NodeTls() {}

  /**
   * A handler for a new connection to {@code host:port}.
   *
   * @throws IllegalStateException when TLS cannot be set up at all in this JVM
   */
  public static SslHandler handler(ByteBufAllocator alloc, String host, int port) {
    SslHandler ssl = context().newHandler(alloc, host, port);
    SSLEngine engine = ssl.engine();
    SSLParameters params = engine.getSSLParameters();
    params.setEndpointIdentificationAlgorithm("HTTPS");
    engine.setSSLParameters(params);
    return ssl;
  }

  private static SslContext context() {
    SslContext ctx = context;
    if (ctx == null) {
      synchronized (NodeTls.class) {
        if (context == null) {
          try {
            context = SslContextBuilder.forClient().build();
          } catch (SSLException e) {
            throw new IllegalStateException("cannot set up TLS towards the Gerrit nodes", e);
          }
        }
        ctx = context;
      }
    }
    return ctx;
  }
}
