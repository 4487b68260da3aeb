package org.gerritproxy.http;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** A raw HTTP/1.1 client over a socket: sends exactly the bytes a test writes, parses replies. */
final class RawHttp implements AutoCloseable {

  /** A parsed response; {@code complete} is false when the connection ended inside the body. */
  record Response(int status, List<String[]> headers, byte[] body, long bodyLength, boolean complete) {
    Optional<String> header(String name) {
      return headers.stream().filter(h -> h[0].equalsIgnoreCase(name)).map(h -> h[1]).findFirst();
    }

    List<String> headers(String name) {
      return headers.stream().filter(h -> h[0].equalsIgnoreCase(name)).map(h -> h[1]).toList();
    }

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  RawHttp(InetSocketAddress address) throws IOException {
    this(new Socket(address.getAddress(), address.getPort()));
  }

  RawHttp(Socket socket) throws IOException {
    this.socket = socket;
    socket.setSoTimeout(30_000);
    this.in = new java.io.BufferedInputStream(socket.getInputStream(), 65536);
    this.out = socket.getOutputStream();
  }

  RawHttp send(String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    return this;
  }

  RawHttp sendBytes(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
    return this;
  }

  OutputStream output() {
    return out;
  }

  /** Reads one response; the body is kept up to {@code keep} bytes, the rest only counted. */
  Response read(boolean head, int keep) throws IOException {
    String statusLine = line();
    if (statusLine == null) {
      throw new EOFException("connection closed before a response");
    }
    int status = Integer.parseInt(statusLine.split(" ")[1]);
    List<String[]> headers = new ArrayList<>();
    String l;
    while ((l = line()) != null && !l.isEmpty()) {
      int c = l.indexOf(':');
      headers.add(new String[] {l.substring(0, c).trim(), l.substring(c + 1).trim()});
    }
    Response shape = new Response(status, headers, new byte[0], 0, true);
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    long[] length = {0};
    boolean complete = true;
    if (head || status / 100 == 1 || status == 204 || status == 304) {
      // no body
    } else if (shape.header("Transfer-Encoding").map(v -> v.toLowerCase(Locale.ROOT).contains("chunked")).orElse(false)) {
      while (true) {
        String size = line();
        if (size == null) {
          complete = false;
          break;
        }
        int n = Integer.parseInt(size.split(";")[0].trim(), 16);
        if (n == 0) {
          while ((l = line()) != null && !l.isEmpty()) {
            // trailers
          }
          complete = l != null;
          break;
        }
        if (!copy(n, body, keep, length)) {
          complete = false;
          break;
        }
        line();
      }
    } else if (shape.header("Content-Length").isPresent()) {
      long n = Long.parseLong(shape.header("Content-Length").get());
      complete = copy(n, body, keep, length);
    } else {
      copy(Long.MAX_VALUE, body, keep, length);
    }
    return new Response(status, headers, body.toByteArray(), length[0], complete);
  }

  Response read() throws IOException {
    return read(false, 1 << 20);
  }

  /** True when the server closed the connection (EOF or reset) within the socket timeout. */
  boolean closedByServer() {
    try {
      return in.read() < 0;
    } catch (IOException e) {
      return true;
    }
  }

  private boolean copy(long n, ByteArrayOutputStream body, int keep, long[] length) throws IOException {
    byte[] buf = new byte[65536];
    long left = n;
    while (left > 0) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (r < 0) {
        return n == Long.MAX_VALUE;
      }
      if (body.size() < keep) {
        body.write(buf, 0, Math.min(r, keep - body.size()));
      }
      length[0] += r;
      left -= r;
    }
    return true;
  }

  private String line() throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        int len = sb.length();
        if (len > 0 && sb.charAt(len - 1) == '\r') {
          sb.setLength(len - 1);
        }
        return sb.toString();
      }
      sb.append((char) c);
    }
    return sb.length() == 0 ? null : sb.toString();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
