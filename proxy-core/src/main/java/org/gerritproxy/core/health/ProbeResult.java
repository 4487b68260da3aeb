package org.gerritproxy.core.health;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** The outcome of one network probe of one node. */
public record ProbeResult(boolean ok, Instant at, Duration latency, Optional<String> error) {

  public static ProbeResult success(Instant at, Duration latency) {
    return new ProbeResult(true, at, latency, Optional.empty());
  }

  public static ProbeResult failure(Instant at, Duration latency, String error) {
    return new ProbeResult(false, at, latency, Optional.of(error));
  }
}
