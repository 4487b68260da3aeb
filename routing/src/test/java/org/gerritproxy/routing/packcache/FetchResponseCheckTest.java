package org.gerritproxy.routing.packcache;

import org.gerritproxy.routing.git.PktLines;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.gerritproxy.routing.packcache.FetchResponseCheck.State;
import org.junit.jupiter.api.Test;

/** Only a whole, error-free fetch answer counts as complete. */
class FetchResponseCheckTest {

  static final byte[] PACK = "PACK\0\0\0\2 some pack bytes".getBytes();

  static byte[] whole() {
    return Pkt.concat(Pkt.of("shallow-info", "shallow " + "a".repeat(40), "0001", "packfile"),
        Pkt.band(2, "Counting objects: 3\n".getBytes()), Pkt.band(1, PACK),
        Pkt.band(1, new byte[70_000 - 70_000 + 1000]), PktLines.FLUSH);
  }

  static State check(byte[] answer) {
    FetchResponseCheck c = new FetchResponseCheck();
    c.feed(answer, 0, answer.length);
    return c.finish();
  }

  @Test
  void aWholeAnswerIsComplete() {
    assertThat(check(whole())).isEqualTo(State.COMPLETE);
    assertThat(check(Pkt.concat(Pkt.of("packfile"), Pkt.band(1, PACK), PktLines.FLUSH)))
        .isEqualTo(State.COMPLETE);
  }

  @Test
  void errorsAreNeverComplete() {
    assertThat(check(Pkt.of("ERR upload-pack: not our ref " + "a".repeat(40))))
        .isEqualTo(State.FAILED);
    assertThat(check(Pkt.concat(Pkt.of("packfile"), Pkt.band(1, PACK),
        Pkt.band(3, "fatal: out of memory".getBytes()), PktLines.FLUSH))).isEqualTo(State.FAILED);
    assertThat(check(Pkt.of("0000"))).as("nothing").isEqualTo(State.FAILED);
    assertThat(check(Pkt.concat(Pkt.of("packfile"), Pkt.band(1, PACK), PktLines.DELIM,
        Pkt.of("shallow-info"), PktLines.FLUSH))).as("packfile not last").isEqualTo(State.FAILED);
    assertThat(check(Pkt.concat(whole(), PktLines.FLUSH))).as("trailing bytes")
        .isEqualTo(State.FAILED);
    assertThat(check("HTTP/1.1 500".getBytes())).isEqualTo(State.FAILED);
  }

  @Test
  void acknowledgmentsAloneAreWholeButNoPack() {
    assertThat(check(Pkt.of("acknowledgments", "NAK", "0000"))).isEqualTo(State.WITHOUT_PACK);
    assertThat(check(Pkt.of("acknowledgments", "ACK " + "a".repeat(40), "0000")))
        .isEqualTo(State.WITHOUT_PACK);
    assertThat(check(Pkt.concat(Pkt.of("acknowledgments", "ACK " + "a".repeat(40), "ready",
        "0001", "packfile"), Pkt.band(1, PACK), PktLines.FLUSH)))
        .as("ready, then the pack in the same answer").isEqualTo(State.COMPLETE);
    assertThat(check(Pkt.of("acknowledgments", "0001", "0000"))).as("an empty section")
        .isEqualTo(State.FAILED);
  }

  @Property
  void everyCutShortAnswerFails(@ForAll @IntRange(min = 0, max = 1200) int cut) {
    byte[] w = whole();
    int at = Math.min(cut, w.length - 1);
    assertThat(check(java.util.Arrays.copyOf(w, at))).isEqualTo(State.FAILED);
  }

  @Property
  void howTheBytesAreSplitDoesNotMatter(@ForAll @IntRange(min = 1, max = 700) int chunk) {
    byte[] w = whole();
    FetchResponseCheck c = new FetchResponseCheck();
    for (int at = 0; at < w.length; at += chunk) {
      c.feed(w, at, Math.min(chunk, w.length - at));
    }
    assertThat(c.finish()).isEqualTo(State.COMPLETE);
  }
}
