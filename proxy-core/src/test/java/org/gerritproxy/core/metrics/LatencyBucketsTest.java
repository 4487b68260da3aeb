package org.gerritproxy.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The per-interval histogram behind the dashboard's p99: fixed buckets, 19 % wide. */
class LatencyBucketsTest {

  @ParameterizedTest(name = "{0} ms goes to bucket {1}")
  @CsvSource({
      "0, 0", "0.5, 0", "0.51, 1", "0.594, 1", "0.6, 2", "1, 4", "1.0001, 5", "2, 8", "1000, 44",
      "300000, 77", "1e9, 78", "NaN, 0", "-3, 0"})
  void bucketOfALatency(double millis, int bucket) {
    assertThat(LatencyBuckets.bucketOf(millis)).isEqualTo(bucket);
  }

  @ParameterizedTest(name = "{0}: p99 = {1} ms")
  @CsvSource(delimiter = ';', value = {
      "'';NaN",
      "1;1",
      "1 1 1 1 1 1 1 1 1 1000;1024",
      // 99 fast and one slow: the slow one is the 1 %, so the p99 is the fast bucket.
      "'1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 "
          + "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 "
          + "1 1 1 1 1 1 1 1 1 1 5000';1",
      "1e9;311743.5"})
  void p99OfAnInterval(String latencies, String expected) {
    LatencyBuckets b = new LatencyBuckets();
    Arrays.stream(latencies.trim().split(" +")).filter(s -> !s.isEmpty())
        .mapToDouble(Double::parseDouble).forEach(b::add);
    double p99 = b.quantileMillis(0.99);
    if (expected.equals("NaN")) {
      assertThat(p99).isNaN();
    } else {
      assertThat(p99).isCloseTo(Double.parseDouble(expected), org.assertj.core.data.Offset.offset(0.1));
    }
  }

  @Property
  void theQuantileIsAtLeastTheTrueOneAndAtMostNineteenPercentAbove(
      @ForAll @Size(min = 1, max = 300) double[] sample, @ForAll @DoubleRange(min = 0.01, max = 1) double q) {
    // Latencies from 0.5 ms to 200 s, the range the buckets resolve.
    double[] millis = Arrays.stream(sample).map(x -> 0.5 + Math.abs(x % 200_000)).sorted().toArray();
    LatencyBuckets b = new LatencyBuckets();
    Arrays.stream(millis).forEach(b::add);
    double exact = millis[(int) Math.ceil(q * millis.length) - 1];
    double estimate = b.quantileMillis(q);
    assertThat(estimate).isGreaterThanOrEqualTo(exact * (1 - 1e-9));
    assertThat(estimate).isLessThanOrEqualTo(Math.max(exact * Math.pow(2, 0.25), 0.5) * (1 + 1e-9));
  }

  @Property
  void theBoundsRiseAndEveryLatencyFitsUnderItsBucketsBound(
      @ForAll @DoubleRange(min = 0, max = 1e7) double millis) {
    int i = LatencyBuckets.bucketOf(millis);
    assertThat(millis).isLessThanOrEqualTo(LatencyBuckets.upperMillis(i) * (1 + 1e-9));
    if (i > 0) {
      assertThat(millis).isGreaterThan(LatencyBuckets.upperMillis(i - 1) * (1 - 1e-9));
    }
  }

  @Property(tries = 1)
  void clearingForgetsTheInterval() {
    LatencyBuckets b = new LatencyBuckets();
    b.add(10);
    b.clear();
    assertThat(b.total()).isZero();
    assertThat(b.quantileMillis(0.99)).isNaN();
  }
}
