package org.gerritproxy.core.backdoor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Optional;
import org.gerritproxy.routing.Heartbeat;
import org.junit.jupiter.api.Test;

/** Freshness is judged on the proxy's clock: only a moving sequence keeps a heartbeat fresh. */
class HeartbeatFreshnessTest {
  private final FakeClock clock = new FakeClock();
  private final HeartbeatFreshness freshness = new HeartbeatFreshness(clock, Duration.ofSeconds(5));

  private static Optional<HeartbeatRecord> beat(long sequence, boolean healthy) {
    return Optional.of(new HeartbeatRecord("gerrit-1", sequence, healthy,
        healthy ? "" : "connection refused"));
  }

  @Test
  void aNodeThatNeverWroteAHeartbeatIsStale() {
    BackdoorReading r = freshness.observe("gerrit-1", Optional.empty());
    assertThat(r.heartbeat()).isEqualTo(Heartbeat.STALE);
    assertThat(r.why()).contains("no heartbeat");
  }

  @Test
  void aFirstSightingCountsAsFreshSoThatALivingNodeIsNeverPresumedDeadAtStart() {
    assertThat(freshness.observe("gerrit-1", beat(7, true)).heartbeat())
        .isEqualTo(Heartbeat.FRESH_HEALTHY);
  }

  @Test
  void aMovingSequenceStaysFreshForAsLongAsItMoves() {
    for (long s = 1; s <= 20; s++) {
      assertThat(freshness.observe("gerrit-1", beat(s, true)).heartbeat())
          .isEqualTo(Heartbeat.FRESH_HEALTHY);
      clock.advance(Duration.ofSeconds(4));
    }
  }

  @Test
  void aSequenceThatStandsStillGoesStaleAfterStaleAfter() {
    freshness.observe("gerrit-1", beat(1, true));
    clock.advance(Duration.ofSeconds(5));
    assertThat(freshness.observe("gerrit-1", beat(1, true)).heartbeat())
        .as("exactly staleAfter is still fresh").isEqualTo(Heartbeat.FRESH_HEALTHY);
    clock.advance(Duration.ofMillis(1));
    BackdoorReading r = freshness.observe("gerrit-1", beat(1, true));
    assertThat(r.heartbeat()).isEqualTo(Heartbeat.STALE);
    assertThat(r.why()).contains("more than staleAfter");
  }

  @Test
  void theWritersClockIsIgnoredOnlyTheSequenceCounts() {
    // The record carries no time at all: a writer whose clock is hours off changes nothing.
    freshness.observe("gerrit-1", beat(1, true));
    clock.advance(Duration.ofSeconds(4));
    freshness.observe("gerrit-1", beat(2, true));
    clock.advance(Duration.ofSeconds(4));
    assertThat(freshness.observe("gerrit-1", beat(2, true)).heartbeat())
        .isEqualTo(Heartbeat.FRESH_HEALTHY);
  }

  @Test
  void aSequenceThatGoesBackwardsAfterAnAgentRestartStillCountsAsMoving() {
    freshness.observe("gerrit-1", beat(100, true));
    clock.advance(Duration.ofSeconds(4));
    freshness.observe("gerrit-1", beat(3, true));
    clock.advance(Duration.ofSeconds(4));
    assertThat(freshness.observe("gerrit-1", beat(3, true)).heartbeat())
        .isEqualTo(Heartbeat.FRESH_HEALTHY);
  }

  @Test
  void aFreshHeartbeatThatReportsGerritUnhealthyIsFreshUnhealthyWithTheAgentsReason() {
    BackdoorReading r = freshness.observe("gerrit-1", beat(1, false));
    assertThat(r.heartbeat()).isEqualTo(Heartbeat.FRESH_UNHEALTHY);
    assertThat(r.why()).contains("connection refused");
  }

  @Test
  void anUnreadableBackdoorAgesTheLastHeartbeatUntilItIsStale() {
    freshness.observe("gerrit-1", beat(1, true));
    clock.advance(Duration.ofSeconds(3));
    assertThat(freshness.readFailed("gerrit-1", "timeout").heartbeat())
        .isEqualTo(Heartbeat.FRESH_HEALTHY);
    clock.advance(Duration.ofSeconds(3));
    BackdoorReading r = freshness.readFailed("gerrit-1", "timeout");
    assertThat(r.heartbeat()).isEqualTo(Heartbeat.STALE);
    assertThat(r.why()).contains("cannot be read: timeout");
  }

  @Test
  void aShorterStaleAfterTakesEffectOnTheNextJudgement() {
    freshness.observe("gerrit-1", beat(1, true));
    clock.advance(Duration.ofSeconds(2));
    freshness.staleAfter(Duration.ofSeconds(1));
    assertThat(freshness.observe("gerrit-1", beat(1, true)).heartbeat())
        .isEqualTo(Heartbeat.STALE);
  }

  @Test
  void nodesAreJudgedApart() {
    freshness.observe("gerrit-1", beat(1, true));
    freshness.observe("gerrit-2", Optional.of(new HeartbeatRecord("gerrit-2", 1, true, "")));
    clock.advance(Duration.ofSeconds(6));
    freshness.observe("gerrit-2", Optional.of(new HeartbeatRecord("gerrit-2", 2, true, "")));
    assertThat(freshness.observe("gerrit-1", beat(1, true)).heartbeat()).isEqualTo(Heartbeat.STALE);
    assertThat(freshness.observe("gerrit-2", Optional.of(new HeartbeatRecord("gerrit-2", 2, true, "")))
        .heartbeat()).isEqualTo(Heartbeat.FRESH_HEALTHY);
  }

  /** A clock that moves only when told. */
  static final class FakeClock extends Clock {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
