package org.gerritproxy.core.metrics;

import java.util.Arrays;

/**
 * Latencies of one sampling interval in fixed buckets, for a p99 per interval: each bucket is
 * 2^(1/4) (about 19 %) wider than the one before, from 0.5 ms to about 5 minutes, so a quantile is
 * known to within 19 % from 79 counters whatever the traffic. Not thread-safe: its owner locks.
 */
final class LatencyBuckets {
  static final double FIRST_MILLIS = 0.5;
  /** Buckets per doubling. */
  static final int STEPS = 4;
  /** Bucket {@code i} holds latencies up to {@code upperMillis(i)}; the last one everything above. */
  static final int COUNT = 79;

  private final int[] counts = new int[COUNT];
  private int total;

  /** The upper bound of bucket {@code i}, in milliseconds; infinite for the last one. */
  static double upperMillis(int i) {
    return i == COUNT - 1 ? Double.POSITIVE_INFINITY : FIRST_MILLIS * Math.pow(2, i / (double) STEPS);
  }

  static int bucketOf(double millis) {
    if (!(millis > FIRST_MILLIS)) { // also NaN
      return 0;
    }
    int i = (int) Math.ceil(STEPS * Math.log(millis / FIRST_MILLIS) / Math.log(2) - 1e-9);
    return Math.min(i, COUNT - 1);
  }

  void add(double millis) {
    counts[bucketOf(millis)]++;
    total++;
  }

  int total() {
    return total;
  }

  /**
   * The upper bound of the bucket that holds quantile {@code q} (0 &lt; q &lt;= 1): the latency
   * that {@code q} of the interval's requests did not exceed, rounded up to a bucket. NaN when the
   * interval saw no request; the last finite bound when the quantile lies past it.
   */
  double quantileMillis(double q) {
    if (total == 0) {
      return Double.NaN;
    }
    long rank = (long) Math.ceil(q * total);
    long seen = 0;
    for (int i = 0; i < COUNT; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return Math.min(upperMillis(i), upperMillis(COUNT - 2));
      }
    }
    return upperMillis(COUNT - 2);
  }

  void clear() {
    Arrays.fill(counts, 0);
    total = 0;
  }
}
