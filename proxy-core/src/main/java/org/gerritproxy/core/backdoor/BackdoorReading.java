package org.gerritproxy.core.backdoor;

import java.time.Instant;
import java.util.Optional;
import org.gerritproxy.routing.Heartbeat;

/**
 * The backdoor channel's verdict on one node, with when its sequence last moved (on this
 * proxy's clock) and a sentence saying why.
 */
public record BackdoorReading(
    Heartbeat heartbeat,
    Optional<HeartbeatRecord> last,
    Optional<Instant> lastChanged,
    String why) {

  public static BackdoorReading notConfigured() {
    return new BackdoorReading(Heartbeat.NOT_CONFIGURED, Optional.empty(), Optional.empty(),
        "backdoor.type = none: no second channel");
  }

  public static BackdoorReading notYetRead() {
    return new BackdoorReading(Heartbeat.UNKNOWN, Optional.empty(), Optional.empty(),
        "the backdoor has not been read yet");
  }
}
