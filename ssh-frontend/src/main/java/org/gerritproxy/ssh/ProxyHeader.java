package org.gerritproxy.ssh;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * The PROXY protocol header (HAProxy's, versions 1 and 2) that an L4 load balancer writes ahead of
 * the client's bytes to name the real client. Netty has a decoder for the HTTP listener; MINA SSHD
 * only offers the hook ({@code ServerProxyAcceptor}), so this reads the header for SSH.
 */
final class ProxyHeader {
  /** Version 2 starts with these twelve bytes. */
  static final byte[] V2_SIGNATURE = {
    0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A
  };
  static final byte[] V1_PREFIX = "PROXY ".getBytes(StandardCharsets.US_ASCII);
  /** The longest version 1 header, CRLF included (the specification's 107 bytes). */
  static final int V1_MAX = 107;
  /** Version 2 headers larger than this (TLVs beyond the addresses) are refused as a flood. */
  static final int V2_MAX = 16 + 2048;

  /** What the bytes seen so far are. */
  sealed interface Reading {}

  /** Too few bytes to tell yet. */
  record NeedMore() implements Reading {}

  /** Not a PROXY header: the client's own protocol starts here. */
  record Absent() implements Reading {}

  /**
   * A whole header, {@code length} bytes long.
   *
   * @param client the real client; empty when the balancer speaks for itself (v2 LOCAL, v1
   *     UNKNOWN, a health check), so the connection's own address stands
   */
  record Header(int length, Optional<InetSocketAddress> client) implements Reading {}

  private ProxyHeader() {}

  /**
   * Reads {@code b[from..to)}.
   *
   * @throws IllegalArgumentException when it is a PROXY header but a malformed one
   */
  static Reading read(byte[] b, int from, int to) {
    int n = to - from;
    if (startsWith(b, from, n, V2_SIGNATURE)) {
      return n < V2_SIGNATURE.length ? new NeedMore() : v2(b, from, n);
    }
    if (startsWith(b, from, n, V1_PREFIX)) {
      return n < V1_PREFIX.length ? new NeedMore() : v1(b, from, n);
    }
    return new Absent();
  }

  /** True when the first {@code min(n, prefix.length)} bytes are those of {@code prefix}. */
  private static boolean startsWith(byte[] b, int from, int n, byte[] prefix) {
    int m = Math.min(n, prefix.length);
    return Arrays.equals(b, from, from + m, prefix, 0, m);
  }

  private static Reading v1(byte[] b, int from, int n) {
    int end = -1;
    for (int i = 0; i + 1 < Math.min(n, V1_MAX); i++) {
      if (b[from + i] == '\r' && b[from + i + 1] == '\n') {
        end = i;
        break;
      }
    }
    if (end < 0) {
      if (n >= V1_MAX) {
        throw new IllegalArgumentException("PROXY v1 header without CRLF in its first "
            + V1_MAX + " bytes");
      }
      return new NeedMore();
    }
    String line = new String(b, from, end, StandardCharsets.US_ASCII);
    String[] f = line.split(" ", -1);
    if (f.length >= 2 && f[1].equals("UNKNOWN")) {
      return new Header(end + 2, Optional.empty());
    }
    if (f.length != 6 || !(f[1].equals("TCP4") || f[1].equals("TCP6"))) {
      throw new IllegalArgumentException("malformed PROXY v1 header '" + line + "'");
    }
    InetAddress source = literal(f[2], f[1].equals("TCP4") ? 4 : 16, line);
    literal(f[3], f[1].equals("TCP4") ? 4 : 16, line);
    int port = port(f[4], line);
    port(f[5], line);
    return new Header(end + 2, Optional.of(new InetSocketAddress(source, port)));
  }

  private static Reading v2(byte[] b, int from, int n) {
    if (n < 16) {
      return new NeedMore();
    }
    int verCmd = b[from + 12] & 0xff;
    int family = b[from + 13] & 0xff;
    int length = ((b[from + 14] & 0xff) << 8) | (b[from + 15] & 0xff);
    if ((verCmd >> 4) != 2 || (verCmd & 0x0f) > 1) {
      throw new IllegalArgumentException("PROXY v2 header of unknown version or command 0x"
          + Integer.toHexString(verCmd));
    }
    if (16 + length > V2_MAX) {
      throw new IllegalArgumentException("PROXY v2 header of " + (16 + length)
          + " bytes, more than " + V2_MAX);
    }
    if (n < 16 + length) {
      return new NeedMore();
    }
    boolean local = (verCmd & 0x0f) == 0;
    int addressBytes = switch (family) {
      case 0x11 -> 4; // TCP over IPv4
      case 0x21 -> 16; // TCP over IPv6
      default -> 0; // UNSPEC, UDP, unix sockets: no TCP client to name
    };
    if (local || addressBytes == 0) {
      return new Header(16 + length, Optional.empty());
    }
    if (length < 2 * addressBytes + 4) {
      throw new IllegalArgumentException("PROXY v2 header too short for its addresses");
    }
    byte[] source = Arrays.copyOfRange(b, from + 16, from + 16 + addressBytes);
    int portAt = from + 16 + 2 * addressBytes;
    int port = ((b[portAt] & 0xff) << 8) | (b[portAt + 1] & 0xff);
    try {
      return new Header(16 + length,
          Optional.of(new InetSocketAddress(InetAddress.getByAddress(source), port)));
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("PROXY v2 header with a bad address", e);
    }
  }

  private static InetAddress literal(String text, int bytes, String line) {
    boolean shape = bytes == 4 ? text.matches("\\d{1,3}(\\.\\d{1,3}){3}")
        : text.matches("[0-9a-fA-F:.]+") && text.contains(":");
    if (shape) {
      try {
        InetAddress a = InetAddress.getByName(text); // a literal: no lookup
        if (a.getAddress().length == bytes) {
          return a;
        }
      } catch (UnknownHostException e) {
        // reported below
      }
    }
    throw new IllegalArgumentException("malformed address '" + text + "' in PROXY v1 header '"
        + line + "'");
  }

  private static int port(String text, String line) {
    if (!text.matches("\\d{1,5}") || Integer.parseInt(text) > 65535) {
      throw new IllegalArgumentException("malformed port '" + text + "' in PROXY v1 header '"
          + line + "'");
    }
    return Integer.parseInt(text);
  }
}
