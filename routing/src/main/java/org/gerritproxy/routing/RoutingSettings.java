package org.gerritproxy.routing;

import java.time.Duration;
import java.util.Objects;

/**
 * The {@code [routing]} section.
 *
 * @param writes where writes go
 * @param readYourWrites how long after a write the writer's reads go to the master too ({@link
 *     ReadYourWrites}); zero turns it off
 */
public record RoutingSettings(WritesMode writes, Duration readYourWrites) {

  public RoutingSettings {
    Objects.requireNonNull(writes, "writes");
    Objects.requireNonNull(readYourWrites, "readYourWrites");
    if (readYourWrites.isNegative()) {
      throw new IllegalArgumentException("readYourWrites must not be negative");
    }
  }

  public static RoutingSettings defaults() {
    return new RoutingSettings(WritesMode.MASTER, Duration.ofSeconds(10));
  }
}
