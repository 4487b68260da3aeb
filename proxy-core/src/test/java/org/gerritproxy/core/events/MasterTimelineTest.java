package org.gerritproxy.core.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Optional;
import org.gerritproxy.routing.WriteMaster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The master's timeline: a period per (master, epoch), marks for elections, drains, reloads. */
class MasterTimelineTest {
  private final MasterTimeline timeline = new MasterTimeline();

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(delimiter = '|', value = {
      "election      | gerrit-2 is write master (epoch 3): gerrit-1 is DOWN | FAILOVER",
      "election      | no write master (epoch 3): no node is UP             | FAILOVER",
      "reload        | configuration reloaded from /etc/proxy.config        | RELOAD",
      "reload-failed | the configuration was not reloaded                   | RELOAD",
      "node-state    | gerrit-2 is DRAINING (was UP): state = drain          | DRAIN",
      "node-state    | gerrit-2 is DOWN (was UP): no answer                  | ''",
      "start         | gerrit-proxy p starting                              | ''",
      "read-pool     | gerrit-1 takes no new reads                          | ''"})
  void whichEventsMakeMarks(String kind, String message, String mark) {
    Optional<MasterTimeline.Kind> expected = mark.isEmpty() ? Optional.empty()
        : Optional.of(MasterTimeline.Kind.valueOf(mark));
    assertThat(MasterTimeline.Kind.of(new ClusterEvent(Instant.EPOCH, kind, message)))
        .isEqualTo(expected);
  }

  @Test
  void aPeriodStartsOnlyWhenTheMasterOrTheEpochChanges() {
    timeline.observe(t(0), WriteMaster.none("starting"));
    timeline.observe(t(1), master("gerrit-1", 1));
    timeline.observe(t(2), master("gerrit-1", 1));
    timeline.observe(t(3), master("gerrit-1", 2));
    timeline.observe(t(4), master("gerrit-2", 3));

    assertThat(timeline.view().periods()).extracting(MasterTimeline.Period::from)
        .containsExactly(t(0), t(1), t(3), t(4));
    assertThat(timeline.view().periods().get(3).node()).contains("gerrit-2");
  }

  @Test
  void bothListsStayBounded() {
    for (int i = 0; i < 1000; i++) {
      timeline.observe(t(i), master("gerrit-" + (i % 2), i));
      timeline.mark(new ClusterEvent(t(i), "reload", "reload " + i));
      timeline.mark(new ClusterEvent(t(i), "start", "not a mark"));
    }
    MasterTimeline.View v = timeline.view();
    assertThat(v.periods()).hasSize(MasterTimeline.PERIODS);
    assertThat(v.marks()).hasSize(MasterTimeline.MARKS);
    assertThat(v.marks().get(v.marks().size() - 1).text()).isEqualTo("reload 999");
    assertThat(v.periods().get(0).epoch()).isEqualTo(1000 - MasterTimeline.PERIODS);
  }

  private static WriteMaster master(String node, long epoch) {
    return new WriteMaster(Optional.of(node), epoch, "test");
  }

  private static Instant t(int seconds) {
    return Instant.ofEpochSecond(1_700_000_000L + seconds);
  }
}
