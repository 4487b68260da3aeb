package org.gerritproxy.core.metrics;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Traffic per node, HTTP requests and SSH commands together, for the dashboard: totals since start
 * and requests per second over the last ten seconds (a ring of one-second buckets, so a burst
 * shows at once and fades within ten seconds).
 */
public final class NodeTraffic {
  static final int WINDOW_SECONDS = 10;

  /** What the dashboard shows for one node. */
  public record Totals(long requests, double requestsPerSecond, long bytesIn, long bytesOut) {
    public static final Totals NONE = new Totals(0, 0, 0, 0);
  }

  private final LongSupplier millis;
  private final Map<String, Meter> meters = new ConcurrentHashMap<>();

  /** @param millis the clock, in milliseconds (a fake one in tests) */
  public NodeTraffic(LongSupplier millis) {
    this.millis = millis;
  }

  /** Counts one finished request or command served by {@code node}. */
  public void record(String node, long bytesIn, long bytesOut) {
    meters.computeIfAbsent(node, n -> new Meter()).record(millis.getAsLong() / 1000, bytesIn, bytesOut);
  }

  /** Every node that has served something, by name. */
  public Map<String, Totals> snapshot() {
    long second = millis.getAsLong() / 1000;
    Map<String, Totals> out = new TreeMap<>();
    meters.forEach((node, m) -> out.put(node, m.totals(second)));
    return out;
  }

  public Totals of(String node) {
    Meter m = meters.get(node);
    return m == null ? Totals.NONE : m.totals(millis.getAsLong() / 1000);
  }

  private static final class Meter {
    private final long[] bucketSecond = new long[WINDOW_SECONDS + 1];
    private final long[] bucketCount = new long[WINDOW_SECONDS + 1];
    private long requests;
    private long bytesIn;
    private long bytesOut;

    synchronized void record(long second, long in, long out) {
      int i = (int) (second % bucketSecond.length);
      if (bucketSecond[i] != second) {
        bucketSecond[i] = second;
        bucketCount[i] = 0;
      }
      bucketCount[i]++;
      requests++;
      bytesIn += in;
      bytesOut += out;
    }

    /** The rate counts the ten full seconds before {@code now}, not the one still filling. */
    synchronized Totals totals(long now) {
      long recent = 0;
      for (int i = 0; i < bucketSecond.length; i++) {
        long age = now - bucketSecond[i];
        if (age >= 1 && age <= WINDOW_SECONDS) {
          recent += bucketCount[i];
        }
      }
      return new Totals(requests, recent / (double) WINDOW_SECONDS, bytesIn, bytesOut);
    }
  }
}
