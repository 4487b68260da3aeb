package org.gerritproxy.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The fixed ring of samples per node: the newest {@code capacity}, oldest first, nothing more. */
class SampleRingTest {

  @Property
  void holdsTheLastCapacitySamplesInOrder(@ForAll @IntRange(min = 1, max = 120) int capacity,
      @ForAll @IntRange(min = 0, max = 400) int added) {
    SampleRing ring = new SampleRing(capacity);
    List<TrafficSample> all = new ArrayList<>();
    for (int i = 0; i < added; i++) {
      TrafficSample s = sample(i);
      all.add(s);
      ring.add(s);
      assertThat(ring.size()).isLessThanOrEqualTo(capacity);
    }
    List<TrafficSample> expected = all.subList(Math.max(0, added - capacity), added);
    assertThat(ring.samples()).usingRecursiveFieldByFieldElementComparator()
        .containsExactlyElementsOf(expected.stream().map(SampleRingTest::asStored).toList());
    assertThat(ring.capacity()).isEqualTo(capacity);
  }

  @Test
  void aRingWithNoRoomIsRefused() {
    assertThatThrownBy(() -> new SampleRing(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("room for one sample");
  }

  @Test
  void aMissingLatencyStaysMissing() {
    SampleRing ring = new SampleRing(2);
    ring.add(new TrafficSample(10_000, 10_000, 0, 0, Double.NaN, 3));
    assertThat(ring.samples().get(0).p99Millis()).isNaN();
    assertThat(ring.samples().get(0).sessions()).isEqualTo(3);
  }

  @Test
  void impossibleSamplesAreRefused() {
    assertThatThrownBy(() -> new TrafficSample(0, 1000, 1, 2, 1, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a sample");
    assertThatThrownBy(() -> new TrafficSample(0, 0, 0, 0, 1, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static TrafficSample sample(int i) {
    return new TrafficSample(1_000_000L + i * 10_000L, 10_000, i, i / 3, 1.5 * i, i % 7);
  }

  /** The ring keeps p99 as a float: 4 bytes, finer than the buckets it comes from. */
  private static TrafficSample asStored(TrafficSample s) {
    return new TrafficSample(s.endMillis(), s.intervalMillis(), s.requests(), s.errors(),
        (float) s.p99Millis(), s.sessions());
  }
}
