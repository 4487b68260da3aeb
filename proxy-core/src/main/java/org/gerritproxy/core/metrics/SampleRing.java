package org.gerritproxy.core.metrics;

import java.util.ArrayList;
import java.util.List;

/**
 * The last {@code capacity} samples of one node, oldest overwritten first. Kept as parallel
 * arrays of primitives, so its size is fixed when it is made: 28 bytes a sample (plus the arrays'
 * headers), about 2.5 kB for the 90 samples of 15 minutes at 10 s, whatever the traffic.
 * Not thread-safe: its owner locks.
 */
final class SampleRing {
  /** Bytes one sample takes in the arrays: end (8), interval, requests, errors, p99, sessions (4 each). */
  static final int BYTES_PER_SAMPLE = 8 + 4 + 4 + 4 + 4 + 4;

  private final long[] end;
  private final int[] interval;
  private final int[] requests;
  private final int[] errors;
  private final float[] p99;
  private final int[] sessions;
  private int next;
  private int size;

  SampleRing(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("a ring needs room for one sample at least: " + capacity);
    }
    end = new long[capacity];
    interval = new int[capacity];
    requests = new int[capacity];
    errors = new int[capacity];
    p99 = new float[capacity];
    sessions = new int[capacity];
  }

  int capacity() {
    return end.length;
  }

  int size() {
    return size;
  }

  void add(TrafficSample s) {
    end[next] = s.endMillis();
    interval[next] = s.intervalMillis();
    requests[next] = s.requests();
    errors[next] = s.errors();
    p99[next] = (float) s.p99Millis();
    sessions[next] = s.sessions();
    next = (next + 1) % end.length;
    size = Math.min(size + 1, end.length);
  }

  /** Oldest first. */
  List<TrafficSample> samples() {
    List<TrafficSample> out = new ArrayList<>(size);
    int first = (next - size + end.length) % end.length;
    for (int k = 0; k < size; k++) {
      int i = (first + k) % end.length;
      out.add(new TrafficSample(end[i], interval[i], requests[i], errors[i], p99[i], sessions[i]));
    }
    return out;
  }
}
