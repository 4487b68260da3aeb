package org.gerritproxy.core.health;

import java.time.Duration;

/** How the network channel probes each node, and how live traffic counts ({@code [health]}). */
public record ProbeSettings(
    Duration interval, Duration timeout, int fall, int rise, int trafficFall, String path) {

  public ProbeSettings {
    if (interval.isZero() || interval.isNegative()) {
      throw new IllegalArgumentException("health.interval must be positive");
    }
    if (fall < 1 || rise < 1 || trafficFall < 1) {
      throw new IllegalArgumentException(
          "health.fall, health.rise and health.trafficFall must be at least 1");
    }
  }
}
