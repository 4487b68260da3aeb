package org.gerritproxy.core.metrics;

/**
 * What one node did in one sampling interval, for the dashboard's pictures.
 *
 * @param endMillis when the interval ended (epoch milliseconds)
 * @param intervalMillis how long it was
 * @param requests requests and SSH commands the node finished in it
 * @param errors of those, the ones that failed on the node's side or were refused (clients that
 *     hung up are not counted)
 * @param p99Millis the 99th percentile of their latency, rounded up to a bucket (within 19 %);
 *     NaN when there was no request
 * @param sessions SSH sessions open to the node when the interval ended
 */
public record TrafficSample(long endMillis, int intervalMillis, int requests, int errors,
    double p99Millis, int sessions) {

  public TrafficSample {
    if (intervalMillis <= 0 || requests < 0 || errors < 0 || errors > requests || sessions < 0) {
      throw new IllegalArgumentException("not a sample: " + intervalMillis + " ms, " + requests
          + " requests, " + errors + " errors, " + sessions + " sessions");
    }
  }

  public double requestsPerSecond() {
    return requests * 1000.0 / intervalMillis;
  }
}
