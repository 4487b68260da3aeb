package org.gerritproxy.routing.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class ReceiveCommandsTest {
  private static final String A = "a".repeat(40);
  private static final String B = "b".repeat(40);
  private static final String Z = RefTarget.ZERO_ID;

  static String pkt(String s) {
    return String.format("%04x", s.getBytes(StandardCharsets.UTF_8).length + 4) + s;
  }

  /** A push as git sends it: the commands, the flush, then the pack. */
  static byte[] push(String... commands) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < commands.length; i++) {
      b.append(pkt(commands[i] + (i == 0 ? "\0report-status side-band-64k agent=git/2.43" : "")
          + "\n"));
    }
    b.append("0000PACK\u0000\u0000\u0000\u0002binary follows");
    return b.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  @Test
  void readsEachCommandUpToTheFlushPacket() {
    ReceiveCommands r = new ReceiveCommands();
    r.feed(push(Z + " " + A + " refs/for/master", B + " " + Z + " refs/heads/old"));
    assertThat(r.state()).isEqualTo(ReceiveCommands.State.DONE);
    assertThat(r.commands()).contains(List.of(new RefTarget("refs/for/master", A),
        new RefTarget("refs/heads/old", Z)));
  }

  @Property
  void readsTheSameHoweverTheBytesAreSplit(@ForAll @IntRange(min = 1, max = 200) int piece) {
    byte[] all = push(Z + " " + A + " refs/heads/main", A + " " + B + " refs/changes/01/1/meta");
    ReceiveCommands r = new ReceiveCommands();
    for (int i = 0; i < all.length; i += piece) {
      r.feed(all, i, Math.min(piece, all.length - i));
    }
    assertThat(r.commands()).contains(List.of(new RefTarget("refs/heads/main", A),
        new RefTarget("refs/changes/01/1/meta", B)));
  }

  @Test
  void isNotDoneBeforeTheFlushPacket() {
    ReceiveCommands r = new ReceiveCommands();
    r.feed(pkt(Z + " " + A + " refs/heads/main\0caps\n").getBytes(StandardCharsets.UTF_8));
    assertThat(r.state()).isEqualTo(ReceiveCommands.State.READING);
    assertThat(r.commands()).isEmpty();
  }

  @Test
  void skipsTheShallowLinesOfAShallowClient() {
    ReceiveCommands r = new ReceiveCommands();
    r.feed((pkt("shallow " + B + "\n") + pkt(Z + " " + A + " refs/heads/x\0caps\n") + "0000")
        .getBytes(StandardCharsets.UTF_8));
    assertThat(r.commands()).contains(List.of(new RefTarget("refs/heads/x", A)));
  }

  @Test
  void aSignedPushOrGarbageIsUnreadable() {
    for (String body : List.of(pkt("push-cert\0caps\n") + "0000", "GET / HTTP/1.1\r\n",
        pkt("zz " + A + " refs/heads/x\n") + "0000", "0002")) {
      ReceiveCommands r = new ReceiveCommands();
      r.feed(body.getBytes(StandardCharsets.UTF_8));
      assertThat(r.state()).as(body).isEqualTo(ReceiveCommands.State.UNREADABLE);
      assertThat(r.commands()).isEmpty();
    }
  }

  @Test
  void anEndlessCommandListIsUnreadable() {
    ReceiveCommands r = new ReceiveCommands();
    byte[] line = pkt(Z + " " + A + " refs/heads/" + "x".repeat(100) + "\n")
        .getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream many = new ByteArrayOutputStream();
    while (many.size() <= ReceiveCommands.MAX_BYTES) {
      many.writeBytes(line);
    }
    r.feed(many.toByteArray());
    assertThat(r.state()).isEqualTo(ReceiveCommands.State.UNREADABLE);
  }
}
