package org.gerritproxy.core.metrics;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The last minutes of every node, for the dashboard's pictures: requests, errors and latencies are
 * counted as they finish, and {@link #sample} (every 10 s by default) closes the interval into a
 * fixed ring per node. Memory is bounded by the number of configured nodes, not by traffic: about
 * {@value #CAPACITY} samples of {@value SampleRing#BYTES_PER_SAMPLE} bytes plus 79 latency
 * counters, under 3 kB a node.
 */
public final class TrafficHistory {
  /** 15 minutes at the default 10 s interval. */
  public static final int CAPACITY = 90;

  private final int capacity;
  private final Map<String, Recorder> nodes = new ConcurrentHashMap<>();

  public TrafficHistory() {
    this(CAPACITY);
  }

  TrafficHistory(int capacity) {
    this.capacity = capacity;
  }

  public int capacity() {
    return capacity;
  }

  /** Counts one request or command that {@code node} finished, in the interval now filling. */
  public void record(String node, long durationNanos, boolean error) {
    nodes.computeIfAbsent(node, n -> new Recorder(capacity)).record(durationNanos / 1e6, error);
  }

  /**
   * Closes the interval now filling for each of {@code configured} and starts the next; nodes no
   * longer configured are forgotten, so a reload that removes a node frees its ring.
   *
   * @param sessions SSH sessions open now, by node
   */
  public void sample(long nowMillis, Map<String, Integer> sessions, Collection<String> configured) {
    nodes.keySet().retainAll(Set.copyOf(configured));
    for (String node : configured) {
      nodes.computeIfAbsent(node, n -> new Recorder(capacity))
          .close(nowMillis, sessions.getOrDefault(node, 0));
    }
  }

  /** Every node's samples, oldest first, by name. */
  public Map<String, List<TrafficSample>> snapshot() {
    Map<String, List<TrafficSample>> out = new TreeMap<>();
    nodes.forEach((node, r) -> out.put(node, r.samples()));
    return out;
  }

  private static final class Recorder {
    private final SampleRing ring;
    private final LatencyBuckets latency = new LatencyBuckets();
    private int errors;
    private long startMillis = -1;

    Recorder(int capacity) {
      ring = new SampleRing(capacity);
    }

    synchronized void record(double millis, boolean error) {
      latency.add(millis);
      if (error) {
        errors++;
      }
    }

    synchronized void close(long nowMillis, int sessions) {
      if (startMillis >= 0 && nowMillis > startMillis) {
        ring.add(new TrafficSample(nowMillis, (int) Math.min(Integer.MAX_VALUE, nowMillis - startMillis),
            latency.total(), errors, latency.quantileMillis(0.99), sessions));
      }
      // The first call only starts an interval: a partial one would show a false rate.
      startMillis = nowMillis;
      latency.clear();
      errors = 0;
    }

    synchronized List<TrafficSample> samples() {
      return ring.samples();
    }
  }
}
