package org.gerritproxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.gerritproxy.routing.Cidr;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PROXY protocol (HAProxy's, v1 and v2) on the HTTP listener. A connection from an {@code
 * [httpd] proxyProtocolFrom} source (an L4 load balancer) must start with a header, read by
 * Netty's {@link HAProxyMessageDecoder}; the client it names is the client for stickiness, {@code
 * X-Forwarded-For} and the access logs. A connection from any other source that starts with one
 * is refused: its word about the client is not to be taken (cf. GO-2024-2853).
 */
final class ProxyProtocol {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyProtocol.class);

  /** The client a PROXY header named, on the client's channel. */
  static final AttributeKey<InetSocketAddress> CLIENT = AttributeKey.valueOf("proxied-client");

  private static final byte[] V1 = "PROXY ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] V2 = {
    0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A
  };

  private ProxyProtocol() {}

  /** Puts the handlers a connection from {@code remote} needs at the head of its pipeline. */
  static void install(ChannelPipeline p, SocketAddress remote, List<Cidr> from, String proxy) {
    InetAddress source = remote instanceof InetSocketAddress i ? i.getAddress() : null;
    if (Cidr.anyContains(from, source)) {
      p.addLast("proxy-protocol", new HAProxyMessageDecoder());
      p.addLast("proxied-client", new ProxiedClient(proxy));
    } else {
      p.addLast("no-proxy-protocol", new RefuseHeader(proxy));
    }
  }

  /** Takes the header's client as the connection's, then steps aside. */
  private static final class ProxiedClient extends ChannelInboundHandlerAdapter {
    private final String proxy;
    private boolean refused;

    ProxiedClient(String proxy) {
      this.proxy = proxy;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof HAProxyMessage header)) {
        ctx.fireChannelRead(msg);
        return;
      }
      try {
        // LOCAL is the balancer speaking for itself (a health check): its own address stands.
        if (header.command() == HAProxyCommand.PROXY && header.sourceAddress() != null) {
          ctx.channel().attr(CLIENT).set(new InetSocketAddress(
              InetAddresses.literal(header.sourceAddress()), header.sourcePort()));
        }
      } catch (IllegalArgumentException e) {
        refuse(ctx, proxy, "a PROXY protocol header with a bad address (" + e.getMessage() + ")");
        return;
      } finally {
        ReferenceCountUtil.release(header);
      }
      ctx.pipeline().remove(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof HAProxyProtocolException) {
        if (refused) {
          return; // the decoder goes on failing line by line until the close: said once
        }
        refused = true;
        refuse(ctx, proxy, "no valid PROXY protocol header, which [httpd] proxyProtocolFrom"
            + " requires of this source (" + cause.getMessage() + ")");
      } else {
        ctx.fireExceptionCaught(cause);
      }
    }
  }

  /** Lets a connection through once its first bytes are not a PROXY header; refuses one that is. */
  private static final class RefuseHeader extends ByteToMessageDecoder {
    private final String proxy;

    RefuseHeader(String proxy) {
      this.proxy = proxy;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      int n = in.readableBytes();
      boolean maybeV1 = startsWith(in, V1);
      boolean maybeV2 = startsWith(in, V2);
      if ((maybeV1 && n >= V1.length) || (maybeV2 && n >= V2.length)) {
        in.skipBytes(n);
        refuse(ctx, proxy, "a PROXY protocol header from a source not in [httpd]"
            + " proxyProtocolFrom");
      } else if (!maybeV1 && !maybeV2) {
        ctx.pipeline().remove(this); // hands on what it holds
      } // else too few bytes to tell yet: the decoder reads on

    }

    /** True when the bytes so far are a beginning of {@code prefix}. */
    private static boolean startsWith(ByteBuf in, byte[] prefix) {
      int m = Math.min(in.readableBytes(), prefix.length);
      return ByteBufUtil.equals(in, in.readerIndex(), io.netty.buffer.Unpooled.wrappedBuffer(prefix),
          0, m);
    }
  }

  private static void refuse(ChannelHandlerContext ctx, String proxy, String why) {
    LOG.warn("{}: HTTP connection from {} refused: {}", proxy, ctx.channel().remoteAddress(), why);
    ctx.close();
  }

  /** Literal addresses only: a header's text must never send the proxy to DNS. */
  private static final class InetAddresses {
    static InetAddress literal(String text) {
      boolean v4 = text.matches("\\d{1,3}(\\.\\d{1,3}){3}");
      if (!v4 && !text.contains(":")) {
        throw new IllegalArgumentException("'" + text + "' is not an IP address");
      }
      try {
        return InetAddress.getByName(text);
      } catch (java.net.UnknownHostException e) {
        throw new IllegalArgumentException("'" + text + "' is not an IP address", e);
      }
    }
  }
}
