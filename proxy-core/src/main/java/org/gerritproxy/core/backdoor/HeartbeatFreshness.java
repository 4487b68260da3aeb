package org.gerritproxy.core.backdoor;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.gerritproxy.routing.Heartbeat;

/**
 * Judges heartbeats fresh or stale on this proxy's own clock: a heartbeat is fresh while its
 * sequence has changed within {@code staleAfter} of now, so clock skew between hosts does not
 * matter. Not thread-safe: the cluster view calls it from its one thread.
 */
public final class HeartbeatFreshness {
  private final Clock clock;
  private final Map<String, Seen> seen = new HashMap<>();
  private Duration staleAfter;

  private record Seen(HeartbeatRecord beat, Instant changedAt) {}

  public HeartbeatFreshness(Clock clock, Duration staleAfter) {
    this.clock = clock;
    this.staleAfter = staleAfter;
  }

  public void staleAfter(Duration value) {
    this.staleAfter = value;
  }

  /** Takes in one successful read of the backdoor and returns {@code node}'s verdict. */
  public BackdoorReading observe(String node, Optional<HeartbeatRecord> beat) {
    Instant now = clock.instant();
    Seen before = seen.get(node);
    if (beat.isPresent()) {
      // A first sighting counts as a change: presuming a living node dead could replace a
      // master for a split. It goes stale if the sequence then fails to move within staleAfter.
      if (before == null || before.beat().sequence() != beat.get().sequence()) {
        seen.put(node, new Seen(beat.get(), now));
      } else {
        seen.put(node, new Seen(beat.get(), before.changedAt()));
      }
    }
    return judge(node, now, "");
  }

  /** The backdoor could not be read: verdicts age on what was last seen. */
  public BackdoorReading readFailed(String node, String problem) {
    return judge(node, clock.instant(), " (the backdoor cannot be read: " + problem + ")");
  }

  private BackdoorReading judge(String node, Instant now, String note) {
    Seen s = seen.get(node);
    if (s == null) {
      return new BackdoorReading(Heartbeat.STALE, Optional.empty(), Optional.empty(),
          "no heartbeat from " + node + " in the backdoor" + note);
    }
    Duration age = Duration.between(s.changedAt(), now);
    String sequence = "sequence " + s.beat().sequence() + " last moved "
        + age.toMillis() + " ms ago";
    if (age.compareTo(staleAfter) > 0) {
      return new BackdoorReading(Heartbeat.STALE, Optional.of(s.beat()), Optional.of(s.changedAt()),
          sequence + ", more than staleAfter " + staleAfter.toMillis() + " ms" + note);
    }
    if (s.beat().healthy()) {
      return new BackdoorReading(Heartbeat.FRESH_HEALTHY, Optional.of(s.beat()),
          Optional.of(s.changedAt()), sequence + "; its agent says Gerrit answers" + note);
    }
    return new BackdoorReading(Heartbeat.FRESH_UNHEALTHY, Optional.of(s.beat()),
        Optional.of(s.changedAt()), sequence + "; its agent says Gerrit does not answer: "
            + s.beat().detail() + note);
  }
}
