package org.gerritproxy.routing.git;

/**
 * Finds where messages end in a stream of pkt-lines that arrives in pieces of any size. In
 * protocol v2 every request and every answer (the capability advertisement, an {@code ls-refs}
 * answer, a {@code fetch} answer with its side-band pack) ends with a flush-pkt, and no flush-pkt
 * occurs inside one; so counting flush-pkts tells a relay which message a byte belongs to without
 * copying the stream.
 *
 * <p>Reads only the four-digit length headers and skips the payloads; a length header split across
 * two pieces is fine. Not thread-safe: one stream, one reader.
 */
public final class PktMessages {

  /** Digits of the length header read so far, 0 to 3. */
  private int headerDigits;
  private int header;
  /** Payload bytes of the current line still to skip. */
  private int payloadLeft;

  /**
   * Reads {@code bytes[from..to)} up to and including the next flush-pkt.
   *
   * @return the index just past that flush-pkt, or -1 when the range holds none (it was read
   *     whole, and the next call goes on where it ended)
   * @throws IllegalArgumentException when a length header is not four hex digits or names an
   *     impossible length: the stream is no pkt-line stream
   */
  public int endOfMessage(byte[] bytes, int from, int to) {
    int at = from;
    while (at < to) {
      if (payloadLeft > 0) {
        int skip = Math.min(payloadLeft, to - at);
        payloadLeft -= skip;
        at += skip;
        continue;
      }
      int d = Character.digit(bytes[at++], 16);
      if (d < 0) {
        throw new IllegalArgumentException("a pkt-line length is not four hex digits");
      }
      header = header * 16 + d;
      if (++headerDigits < 4) {
        continue;
      }
      int length = header;
      headerDigits = 0;
      header = 0;
      if (length == 0) {
        return at;
      }
      if (length == 3 || length > PktLines.MAX_LINE + 4) {
        throw new IllegalArgumentException("a pkt-line has the invalid length " + length);
      }
      payloadLeft = Math.max(0, length - 4); // 1 and 2 are delim-pkt and response-end: no payload
    }
    return -1;
  }
}
