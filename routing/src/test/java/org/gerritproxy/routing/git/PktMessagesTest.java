package org.gerritproxy.routing.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PktMessagesTest {

  /** What protocol v2 sends: an advertisement, a request, an answer with a side-band pack. */
  private static final byte[] ADVERTISEMENT = concat(PktLines.data("version 2\n"),
      PktLines.data("ls-refs=unborn\n"), PktLines.data("fetch=shallow\n"), PktLines.FLUSH);
  private static final byte[] FETCH = concat(PktLines.data("command=fetch\n"),
      PktLines.data("agent=git/2.39\n"), PktLines.DELIM,
      PktLines.data("want 0123456789012345678901234567890123456789\n"),
      PktLines.data("done\n"), PktLines.FLUSH);
  private static final byte[] ANSWER = concat(PktLines.data("packfile\n"),
      sideBand(1, "PACK\0\0\0\2 0000 0001 not a flush: payload bytes are skipped"),
      sideBand(2, "Counting objects: 3, done.\n"), PktLines.FLUSH);

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "'an advertisement ends after its flush-pkt', 0",
      "'a request ends after its flush-pkt', 1",
      "'an answer ends after its flush-pkt, whatever its pack holds', 2",
  })
  void eachMessageEndsJustAfterItsFlushPkt(String what, int which) {
    byte[] m = new byte[][] {ADVERTISEMENT, FETCH, ANSWER}[which];
    assertThat(new PktMessages().endOfMessage(m, 0, m.length)).isEqualTo(m.length);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "'a delim-pkt ends nothing', 0001",
      "'a response-end ends nothing', 0002",
      "'an empty data line ends nothing', 0004",
      "'a data line ends nothing', 0009hello",
      "'a cut length header is kept for the next piece', 000",
  })
  void aRangeWithoutFlushPktEndsNothing(String what, String bytes) {
    byte[] b = bytes.getBytes(StandardCharsets.US_ASCII);
    assertThat(new PktMessages().endOfMessage(b, 0, b.length)).isEqualTo(-1);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "'not hex', 00g0",
      "'length 3 is no packet', 0003",
      "'longer than git allows', fff5",
      "'a stray newline', '\n000'",
  })
  void aStreamThatIsNoPktLineStreamIsRefused(String what, String bytes) {
    byte[] b = bytes.getBytes(StandardCharsets.US_ASCII);
    assertThatThrownBy(() -> new PktMessages().endOfMessage(b, 0, b.length))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** However the stream is cut into pieces, the messages end at the same bytes. */
  @Property
  void piecesOfAnySizeFindTheSameEnds(
      @ForAll @Size(min = 1, max = 30) List<@IntRange(min = 1, max = 40) Integer> pieces) {
    byte[] stream = concat(ADVERTISEMENT, FETCH, ANSWER, FETCH, ANSWER);
    List<Integer> expected = List.of(ADVERTISEMENT.length,
        ADVERTISEMENT.length + FETCH.length,
        ADVERTISEMENT.length + FETCH.length + ANSWER.length,
        ADVERTISEMENT.length + 2 * FETCH.length + ANSWER.length,
        stream.length);
    PktMessages m = new PktMessages();
    List<Integer> ends = new ArrayList<>();
    int at = 0;
    int i = 0;
    while (at < stream.length) {
      int to = Math.min(stream.length, at + pieces.get(i++ % pieces.size()));
      int from = at;
      int end;
      while ((end = m.endOfMessage(stream, from, to)) >= 0) {
        ends.add(end);
        from = end;
      }
      at = to;
    }
    assertThat(ends).isEqualTo(expected);
  }

  private static byte[] sideBand(int band, String text) {
    byte[] t = text.getBytes(StandardCharsets.ISO_8859_1);
    byte[] line = new byte[t.length + 5];
    System.arraycopy(String.format("%04x", line.length).getBytes(StandardCharsets.US_ASCII), 0,
        line, 0, 4);
    line[4] = (byte) band;
    System.arraycopy(t, 0, line, 5, t.length);
    return line;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      o.writeBytes(p);
    }
    return o.toByteArray();
  }
}
