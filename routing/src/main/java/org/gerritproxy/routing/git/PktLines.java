package org.gerritproxy.routing.git;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Git's pkt-line framing (four hex digits of length, then the payload): {@code 0000} flush, and
 * in protocol v2 {@code 0001} delimiter and {@code 0002} response end. One reader for every
 * place the proxy reads git's own bytes (ref advertisements, v2 requests and answers).
 */
public final class PktLines {

  /** A whole message is at most this large; git's own limit per line is 65520 bytes. */
  static final int MAX_LINE = 65520;

  /** One pkt-line: a special packet ({@code payload} null) or a data line. */
  public record Line(Kind kind, byte[] payload) {
    public String text() {
      String s = new String(payload, StandardCharsets.UTF_8);
      return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }
  }

  /** What a packet is. */
  public enum Kind { DATA, FLUSH, DELIM, RESPONSE_END }

  private PktLines() {}

  /**
   * Every pkt-line of {@code body}, which must end exactly after its last line.
   *
   * @throws IllegalArgumentException when the framing is broken, saying where
   */
  public static List<Line> parse(byte[] body) {
    List<Line> lines = new ArrayList<>();
    int at = 0;
    while (at < body.length) {
      int length = length(body, at);
      if (length < 4) {
        lines.add(new Line(special(length), null));
        at += 4;
        continue;
      }
      if (length == 4 || at + length > body.length) {
        throw new IllegalArgumentException("a pkt-line at byte " + at + " claims " + length
            + " bytes, but " + (body.length - at) + " remain: it runs past the end");
      }
      byte[] payload = java.util.Arrays.copyOfRange(body, at + 4, at + length);
      lines.add(new Line(Kind.DATA, payload));
      at += length;
    }
    return lines;
  }

  /** The length field at {@code at}; 0, 1, 2 are the special packets. */
  public static int length(byte[] b, int at) {
    if (at + 4 > b.length) {
      throw new IllegalArgumentException("a pkt-line at byte " + at + " is cut short");
    }
    int n = 0;
    for (int i = 0; i < 4; i++) {
      int d = Character.digit(b[at + i], 16);
      if (d < 0) {
        throw new IllegalArgumentException("a pkt-line at byte " + at + " has no hex length");
      }
      n = n * 16 + d;
    }
    if (n == 3 || n > MAX_LINE + 4) {
      throw new IllegalArgumentException("a pkt-line at byte " + at + " has the invalid length " + n);
    }
    return n;
  }

  private static Kind special(int length) {
    return switch (length) {
      case 0 -> Kind.FLUSH;
      case 1 -> Kind.DELIM;
      default -> Kind.RESPONSE_END;
    };
  }

  /** {@code text} framed as one data pkt-line. */
  public static byte[] data(String text) {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[payload.length + 4];
    byte[] head = String.format("%04x", payload.length + 4).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(head, 0, out, 0, 4);
    System.arraycopy(payload, 0, out, 4, payload.length);
    return out;
  }

  public static final byte[] FLUSH = {'0', '0', '0', '0'};
  public static final byte[] DELIM = {'0', '0', '0', '1'};
}
