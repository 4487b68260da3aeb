package org.gerritproxy.routing.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** Space-Saving: bounded memory, counts never too low, heavy hitters always kept. */
class TopTalkersTest {

  @Test
  void countsTheHeaviestFirst() {
    TopTalkers t = new TopTalkers(3);
    for (String k : "a b a c a b".split(" ")) {
      t.count(k);
    }
    assertThat(t.top()).extracting(TopTalkers.Talker::key).containsExactly("a", "b", "c");
    assertThat(t.top().get(0).count()).isEqualTo(3);
  }

  @Test
  void longKeysAreCut() {
    TopTalkers t = new TopTalkers(2);
    t.count("x".repeat(10_000));
    assertThat(t.top().get(0).key()).hasSize(TopTalkers.MAX_KEY_LENGTH);
  }

  @Property
  void boundedAndHeavyHittersKept(@ForAll @Size(max = 500) List<@IntRange(min = 0, max = 40) Integer> stream,
      @ForAll @IntRange(min = 1, max = 10) int capacity) {
    TopTalkers t = new TopTalkers(capacity);
    stream.forEach(k -> t.count("k" + k));
    List<TopTalkers.Talker> top = t.top();
    assertThat(top.size()).isLessThanOrEqualTo(capacity);
    for (int k = 0; k <= 40; k++) {
      String key = "k" + k;
      long truth = stream.stream().filter(x -> x.equals(Integer.parseInt(key.substring(1)))).count();
      top.stream().filter(x -> x.key().equals(key)).findFirst().ifPresentOrElse(
          x -> assertThat(x.count()).isGreaterThanOrEqualTo(truth)
              .isLessThanOrEqualTo(truth + x.overcount()),
          () -> assertThat(truth).as("dropped %s", key).isLessThanOrEqualTo(stream.size() / capacity));
    }
  }
}
