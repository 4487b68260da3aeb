package org.gerritproxy.core.probe;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The outcome of one network probe of one node.
 *
 * @param answered the node accepted the connection and answered HTTP, whatever the status: a
 *     node that fails its health check but answers can still serve panic reads
 */
public record ProbeResult(
    boolean ok, boolean answered, Instant at, Duration latency, Optional<String> error) {

  public static ProbeResult success(Instant at, Duration latency) {
    return new ProbeResult(true, true, at, latency, Optional.empty());
  }

  /** No answer at all: refused, reset, timed out. */
  public static ProbeResult failure(Instant at, Duration latency, String error) {
    return new ProbeResult(false, false, at, latency, Optional.of(error));
  }

  /** It answered, but not as a healthy node does (a status other than 200, no SSH banner). */
  public static ProbeResult unhealthy(Instant at, Duration latency, String error) {
    return new ProbeResult(false, true, at, latency, Optional.of(error));
  }
}
