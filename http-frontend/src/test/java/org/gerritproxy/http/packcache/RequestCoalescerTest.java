package org.gerritproxy.http.packcache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.gerritproxy.http.packcache.RequestCoalescer.Part;
import org.junit.jupiter.api.Test;

/**
 * Rounds of identical requests: the first leads at once; who comes while a round is under way
 * waits for the next one, whose answer is made after it came.
 */
class RequestCoalescerTest {

  /** One client: the parts it was told, in order. */
  static final class Client {
    final List<Part> told = new ArrayList<>();
    boolean alive = true;

    void join(RequestCoalescer c, String key) {
      c.join(key, told::add, () -> alive);
    }

    Part only() {
      assertThat(told).hasSize(1);
      return told.get(0);
    }
  }

  static final RequestCoalescer.SharedAnswer ANSWER = new RequestCoalescer.SharedAnswer(200,
      List.of(Map.entry("Content-Type", "application/x-git-upload-pack-result")),
      "0000".getBytes(java.nio.charset.StandardCharsets.US_ASCII), "gerrit-1");

  @Test
  void whoComesDuringARoundGetsTheNextRoundsAnswer() {
    RequestCoalescer c = new RequestCoalescer();
    Client a = new Client();
    Client b = new Client();
    Client d = new Client();
    a.join(c, "k");
    assertThat(a.only()).isInstanceOf(Part.Lead.class);
    b.join(c, "k");
    d.join(c, "k");
    assertThat(b.told).as("b came after a's request was sent: it waits").isEmpty();
    ((Part.Lead) a.only()).round().publish(Optional.of(ANSWER));
    // a's answer may predate b and d: b leads the next round, d follows it.
    assertThat(b.only()).isInstanceOf(Part.Lead.class);
    assertThat(d.told).isEmpty();
    RequestCoalescer.Round second = ((Part.Lead) b.only()).round();
    assertThat(second.followers()).isEqualTo(1);
    Client late = new Client();
    late.join(c, "k");
    second.publish(Optional.of(ANSWER));
    assertThat(d.only()).isEqualTo(new Part.Answer(ANSWER));
    assertThat(late.only()).as("came after b was sent: leads the third").isInstanceOf(Part.Lead.class);
    ((Part.Lead) late.only()).round().publish(Optional.of(ANSWER));
    assertThat(c.rounds()).isZero();
  }

  @Test
  void anUnshareableAnswerSendsEachFollowerAlone() {
    RequestCoalescer c = new RequestCoalescer();
    Client a = new Client();
    a.join(c, "k");
    RequestCoalescer.Round first = ((Part.Lead) a.only()).round();
    Client b = new Client();
    Client d = new Client();
    Client e = new Client();
    b.join(c, "k");
    d.join(c, "k");
    e.join(c, "k");
    first.publish(Optional.empty());
    RequestCoalescer.Round second = ((Part.Lead) b.only()).round();
    second.publish(Optional.empty()); // e.g. a 401: each asks Gerrit with its own request
    assertThat(d.only()).isInstanceOf(Part.Alone.class);
    assertThat(e.only()).isInstanceOf(Part.Alone.class);
    second.publish(Optional.of(ANSWER)); // only the first publication counts
    assertThat(d.told).hasSize(1);
    assertThat(c.rounds()).isZero();
  }

  @Test
  void keysNeverMixAndAClientThatLeftIsNotMadeLeader() {
    RequestCoalescer c = new RequestCoalescer();
    Client alice = new Client();
    Client bob = new Client();
    alice.join(c, "alice");
    bob.join(c, "bob");
    assertThat(alice.only()).isInstanceOf(Part.Lead.class);
    assertThat(bob.only()).as("another key leads at once").isInstanceOf(Part.Lead.class);
    Client gone = new Client();
    Client next = new Client();
    gone.join(c, "alice");
    next.join(c, "alice");
    gone.alive = false;
    ((Part.Lead) alice.only()).round().publish(Optional.of(ANSWER));
    assertThat(gone.told).isEmpty();
    assertThat(next.only()).isInstanceOf(Part.Lead.class);
    ((Part.Lead) next.only()).round().publish(Optional.empty());
    ((Part.Lead) bob.only()).round().publish(Optional.empty());
    assertThat(c.rounds()).isZero();
  }
}
