package org.gerritproxy.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Read-your-writes for SSH: a user who just wrote reads from the master for a while. */
class RecentWritersTest {
  final AtomicLong nanos = new AtomicLong(5_000_000_000L);
  final RecentWriters recent = new RecentWriters(nanos::get);

  @Test
  void aWriterReadsFromTheMasterWithinTheWindowOnly() {
    assertThat(recent.wroteWithin("alice", Duration.ofSeconds(10))).isFalse();
    recent.wrote("alice");
    nanos.addAndGet(Duration.ofSeconds(9).toNanos());
    assertThat(recent.wroteWithin("alice", Duration.ofSeconds(10))).isTrue();
    assertThat(recent.wroteWithin("bob", Duration.ofSeconds(10))).isFalse();
    nanos.addAndGet(Duration.ofSeconds(2).toNanos());
    assertThat(recent.wroteWithin("alice", Duration.ofSeconds(10))).isFalse();
  }

  @Test
  void aZeroWindowTurnsItOff() {
    recent.wrote("alice");
    assertThat(recent.wroteWithin("alice", Duration.ZERO)).isFalse();
  }
}
