package org.gerritproxy.core.election;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.gerritproxy.record.MasterRecord;
import org.gerritproxy.core.backdoor.JdbcBackdoor;
import org.gerritproxy.core.events.EventLog;
import org.gerritproxy.routing.WriteMaster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The record's epoch never goes back, whichever proxy publishes and in which mode. */
class MasterPublisherTest {
  @TempDir java.nio.file.Path dir;

  private static WriteMaster master(String node, long epoch) {
    return new WriteMaster(Optional.ofNullable(node), epoch, "test");
  }

  private static MasterRecord record(String node, long epoch) {
    return new MasterRecord(Optional.ofNullable(node), epoch);
  }

  @Test
  void zooKeeperEpochsArePublishedOnlyWhenHigherThanTheStoredOne() {
    assertThat(MasterPublisher.next(Optional.empty(), master("gerrit-1", 4), true))
        .contains(record("gerrit-1", 4));
    assertThat(MasterPublisher.next(Optional.of(record("gerrit-2", 7)), master("gerrit-1", 6), true))
        .as("a stale proxy's older epoch").isEmpty();
    assertThat(MasterPublisher.next(Optional.of(record("gerrit-2", 7)), master("gerrit-2", 7), true))
        .as("already published by the leader").isEmpty();
    assertThat(MasterPublisher.next(Optional.of(record("gerrit-2", 7)), master(null, 8), true))
        .contains(record(null, 8));
  }

  @Test
  void localEpochsRiseAboveTheStoredOneOnEveryChangeOfMaster() {
    assertThat(MasterPublisher.next(Optional.of(record("gerrit-2", 7)), master("gerrit-1", 1), false))
        .as("a restarted proxy counts from 1 again").contains(record("gerrit-1", 8));
    assertThat(MasterPublisher.next(Optional.of(record("gerrit-1", 8)), master("gerrit-1", 2), false))
        .as("the same master").isEmpty();
    assertThat(MasterPublisher.next(Optional.of(record("gerrit-1", 3)), master("gerrit-2", 9), false))
        .contains(record("gerrit-2", 9));
  }

  @Test
  void publishesEachChangeInTheBackdoor() throws Exception {
    String url = "jdbc:h2:file:" + dir.resolve("record").toAbsolutePath();
    EventLog events = new EventLog(Clock.systemUTC(), 20);
    try (JdbcBackdoor door = new JdbcBackdoor(url, Optional.of("sa"), Optional.of(""));
        MasterPublisher publisher = new MasterPublisher(door, false, events)) {
      door.compareAndSetMaster(Optional.empty(), record("gerrit-2", 7));
      publisher.masterChanged(master("gerrit-1", 1), epoch -> true);
      // The event is recorded just after the record is written, on the publisher's thread: wait
      // for both, or a check between the two would miss the event.
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (!(door.readMaster().equals(Optional.of(record("gerrit-1", 8)))
              && events.recent().stream().anyMatch(e -> e.message().contains("epoch 8")))
          && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(door.readMaster()).contains(record("gerrit-1", 8));
      assertThat(events.recent()).anySatisfy(e -> assertThat(e.message())
          .contains("published the write master record gerrit-1 at epoch 8"));
    }
  }
}
