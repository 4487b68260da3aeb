package org.gerritproxy.routing.admission;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The heaviest keys of an unbounded stream (accounts, User-Agents) in bounded memory, by the
 * Space-Saving algorithm (Metwally, Agrawal, El Abbadi 2005): at most {@code capacity} counters;
 * a new key takes the smallest counter's place and inherits its count, so a count is never too low
 * and is too high by at most that inherited part. Any key seen more than {@code total / capacity}
 * times is guaranteed to be listed. Thread-safe.
 */
public final class TopTalkers {

  /** A key, its count, and how much of that count may belong to keys it replaced. */
  public record Talker(String key, long count, long overcount) {}

  /** Longer keys are cut: a client chooses its User-Agent, and memory must stay bounded. */
  static final int MAX_KEY_LENGTH = 120;

  private final int capacity;
  private final Map<String, long[]> counters = new HashMap<>(); // {count, overcount}

  public TopTalkers(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, not " + capacity);
    }
    this.capacity = capacity;
  }

  public synchronized void count(String key) {
    String k = key.length() > MAX_KEY_LENGTH ? key.substring(0, MAX_KEY_LENGTH) : key;
    long[] c = counters.get(k);
    if (c != null) {
      c[0]++;
      return;
    }
    if (counters.size() < capacity) {
      counters.put(k, new long[] {1, 0});
      return;
    }
    // O(capacity) per new key: capacity is small (a dashboard's worth), and this stays simple.
    String smallest = null;
    long min = Long.MAX_VALUE;
    for (Map.Entry<String, long[]> e : counters.entrySet()) {
      if (e.getValue()[0] < min) {
        min = e.getValue()[0];
        smallest = e.getKey();
      }
    }
    counters.remove(smallest);
    counters.put(k, new long[] {min + 1, min});
  }

  /** The counted keys, the heaviest first (ties by key, so that the order is stable). */
  public synchronized List<Talker> top() {
    List<Talker> all = new ArrayList<>(counters.size());
    counters.forEach((k, c) -> all.add(new Talker(k, c[0], c[1])));
    all.sort(Comparator.comparingLong(Talker::count).reversed().thenComparing(Talker::key));
    return all;
  }

  public int capacity() {
    return capacity;
  }
}
