package org.gerritproxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * An HTTP/2 client over TLS that writes frames byte for byte, so that a test can send what no
 * well-behaved client library would: floods, resets, oversized header blocks, windows never
 * refunded. Header blocks are HPACK-encoded by Netty's encoder; everything else is hand-built.
 */
final class RawH2 implements AutoCloseable {

  static final int DATA = 0;
  static final int HEADERS = 1;
  static final int RST_STREAM = 3;
  static final int SETTINGS = 4;
  static final int PING = 6;
  static final int GOAWAY = 7;
  static final int WINDOW_UPDATE = 8;
  static final int CONTINUATION = 9;
  static final int END_STREAM = 0x1;
  static final int END_HEADERS = 0x4;

  /** @param headers a HEADERS frame's, decoded (every block is, to keep HPACK's table in step) */
  record Frame(int type, int flags, int stream, byte[] payload, Http2Headers headers) {
    int errorCode() {
      int at = type == GOAWAY ? 4 : 0;
      return ByteBuffer.wrap(payload, at, 4).getInt();
    }

    /** A GOAWAY's debug data. */
    String debug() {
      return new String(payload, 8, payload.length - 8, StandardCharsets.UTF_8);
    }
  }

  /** A stream's response: its status and body, or the reset that ended it. */
  record Response(int status, String body, int resetCode) {}

  private final SSLSocket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private final DefaultHttp2HeadersEncoder hpack = new DefaultHttp2HeadersEncoder();
  private final DefaultHttp2HeadersDecoder hpackIn = new DefaultHttp2HeadersDecoder(false);

  /**
   * Connects, agrees on h2 by ALPN and sends the preface with {@code initialWindow} as the
   * stream window the proxy may fill before this client refunds it.
   */
  RawH2(InetSocketAddress proxy, int initialWindow) throws Exception {
    this(proxy, initialWindow, null);
  }

  /** The same, with {@code proxyHeader} (a PROXY protocol v1 line) sent before TLS. */
  RawH2(InetSocketAddress proxy, int initialWindow, String proxyHeader) throws Exception {
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, new TrustManager[] {new TrustAll()}, null);
    java.net.Socket plain = new java.net.Socket("127.0.0.1", proxy.getPort());
    if (proxyHeader != null) {
      plain.getOutputStream().write(proxyHeader.getBytes(StandardCharsets.US_ASCII));
      plain.getOutputStream().flush();
    }
    socket = (SSLSocket) tls.getSocketFactory().createSocket(plain, "127.0.0.1", proxy.getPort(),
        true);
    SSLParameters p = socket.getSSLParameters();
    p.setApplicationProtocols(new String[] {"h2"});
    socket.setSSLParameters(p);
    socket.setSoTimeout(10_000);
    socket.startHandshake();
    if (!"h2".equals(socket.getApplicationProtocol())) {
      throw new IllegalStateException("ALPN chose " + socket.getApplicationProtocol());
    }
    in = new DataInputStream(socket.getInputStream());
    out = socket.getOutputStream();
    out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    // SETTINGS_INITIAL_WINDOW_SIZE (4)
    frame(SETTINGS, 0, 0, ByteBuffer.allocate(6).putShort((short) 4).putInt(initialWindow).array());
    out.flush();
  }

  RawH2(InetSocketAddress proxy) throws Exception {
    this(proxy, 65_535);
  }

  /** The HPACK block of a request. */
  byte[] headerBlock(String method, String path, Map<String, String> extra) throws Exception {
    Http2Headers h = new DefaultHttp2Headers()
        .method(method).path(path).scheme("https").authority("review.example.com");
    extra.forEach(h::add);
    ByteBuf buf = Unpooled.buffer();
    try {
      hpack.encodeHeaders(0, h, buf);
      byte[] b = new byte[buf.readableBytes()];
      buf.readBytes(b);
      return b;
    } finally {
      buf.release();
    }
  }

  /** A whole request without a body on {@code stream}. */
  void get(int stream, String path) throws Exception {
    frame(HEADERS, END_HEADERS | END_STREAM, stream, headerBlock("GET", path, Map.of()));
    out.flush();
  }

  /**
   * {@code block} as a HEADERS frame and as many CONTINUATION frames as 16k frames need, the
   * last with END_HEADERS; {@code flags} go on the HEADERS frame.
   */
  void headers(int stream, int flags, byte[] block) throws IOException {
    int at = 0;
    do {
      int n = Math.min(16_000, block.length - at);
      boolean last = at + n == block.length;
      frame(at == 0 ? HEADERS : CONTINUATION, (at == 0 ? flags : 0) | (last ? END_HEADERS : 0),
          stream, java.util.Arrays.copyOfRange(block, at, at + n));
      at += n;
    } while (at < block.length);
  }

  void frame(int type, int flags, int stream, byte[] payload) throws IOException {
    byte[] h = new byte[9];
    h[0] = (byte) (payload.length >>> 16);
    h[1] = (byte) (payload.length >>> 8);
    h[2] = (byte) payload.length;
    h[3] = (byte) type;
    h[4] = (byte) flags;
    ByteBuffer.wrap(h, 5, 4).putInt(stream);
    out.write(h);
    out.write(payload);
  }

  /**
   * A frame the protocol asks of this client (acknowledgements, window updates): the proxy may
   * have closed the connection meanwhile, having said all it had to, which is no error here.
   */
  private void quietly(int type, int flags, int stream, byte[] payload) {
    try {
      frame(type, flags, stream, payload);
      out.flush();
    } catch (IOException e) {
      // closed by the proxy: what it sent before is still read
    }
  }

  void reset(int stream) throws IOException {
    frame(RST_STREAM, 0, stream, ByteBuffer.allocate(4).putInt(0x8).array()); // CANCEL
  }

  void flush() throws IOException {
    out.flush();
  }

  /** The next frame, acknowledging SETTINGS and PINGs on the way; null at the end of the stream. */
  Frame next() throws IOException {
    while (true) {
      int len;
      try {
        len = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
      } catch (EOFException | javax.net.ssl.SSLException e) {
        return null;
      } catch (java.net.SocketException e) {
        return null; // reset by the proxy after its GOAWAY
      }
      int type = in.readUnsignedByte();
      int flags = in.readUnsignedByte();
      int stream = in.readInt() & 0x7fffffff;
      byte[] payload = new byte[len];
      in.readFully(payload);
      if (type == SETTINGS && (flags & 0x1) == 0) {
        quietly(SETTINGS, 0x1, 0, new byte[0]);
        continue;
      }
      if (type == PING && (flags & 0x1) == 0) {
        quietly(PING, 0x1, 0, payload);
        continue;
      }
      if (type == DATA && len > 0) {
        // The connection's window is always refunded, a stream's only as response() reads it:
        // so a stream left unread stops only itself, as with a client that stops reading one.
        quietly(WINDOW_UPDATE, 0, 0, ByteBuffer.allocate(4).putInt(len).array());
      }
      Http2Headers headers = null;
      if (type == HEADERS) {
        ByteBuf block = Unpooled.wrappedBuffer(payload);
        try {
          headers = hpackIn.decodeHeaders(stream, block);
        } catch (io.netty.handler.codec.http2.Http2Exception e) {
          throw new IOException("undecodable headers from the proxy", e);
        } finally {
          block.release();
        }
      }
      return new Frame(type, flags, stream, payload, headers);
    }
  }

  /** Reads until {@code stream} ends, refunding the windows of what it reads. */
  Response response(int stream) throws Exception {
    int status = -1;
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      Frame f = next();
      if (f == null) {
        throw new EOFException("the connection ended before stream " + stream + " did");
      }
      if (f.type() == GOAWAY) {
        throw new IllegalStateException("GOAWAY: " + f.debug());
      }
      if (f.stream() != stream) {
        continue;
      }
      if (f.type() == HEADERS && f.headers().status() != null) {
        status = Integer.parseInt(f.headers().status().toString());
      }
      if (f.type() == DATA) {
        body.write(f.payload());
        if (f.payload().length > 0) {
          byte[] n = ByteBuffer.allocate(4).putInt(f.payload().length).array();
          quietly(WINDOW_UPDATE, 0, stream, n);
        }
      }
      if (f.type() == RST_STREAM) {
        return new Response(status, body.toString(StandardCharsets.UTF_8), f.errorCode());
      }
      if ((f.flags() & END_STREAM) != 0) {
        return new Response(status, body.toString(StandardCharsets.UTF_8), -1);
      }
    }
  }

  /** Reads until the proxy's GOAWAY; null when the connection ends without one. */
  Frame goAway() throws IOException {
    try {
      while (true) {
        Frame f = next();
        if (f == null || f.type() == GOAWAY) {
          return f;
        }
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("neither GOAWAY nor a close within the socket timeout", e);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  /** The tests' certificate is self-signed; trust is not what they test. */
  private static final class TrustAll implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
