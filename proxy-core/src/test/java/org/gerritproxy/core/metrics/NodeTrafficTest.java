package org.gerritproxy.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Per-node traffic for the dashboard, on a fake clock. */
class NodeTrafficTest {
  private final AtomicLong now = new AtomicLong(1_000_000);
  private final NodeTraffic traffic = new NodeTraffic(now::get);

  @Test
  void totalsAddUpRequestsAndBytesEachWay() {
    traffic.record("gerrit-1", 10, 1000);
    traffic.record("gerrit-1", 5, 500);
    traffic.record("gerrit-2", 1, 2);

    assertThat(traffic.of("gerrit-1").requests()).isEqualTo(2);
    assertThat(traffic.of("gerrit-1").bytesIn()).isEqualTo(15);
    assertThat(traffic.of("gerrit-1").bytesOut()).isEqualTo(1500);
    assertThat(traffic.snapshot()).containsOnlyKeys("gerrit-1", "gerrit-2");
    assertThat(traffic.of("gerrit-3")).isEqualTo(NodeTraffic.Totals.NONE);
  }

  @Test
  void theRateCountsTheLastTenFullSecondsAndThenFades() {
    for (int i = 0; i < 20; i++) {
      traffic.record("gerrit-1", 0, 0);
    }
    assertThat(traffic.of("gerrit-1").requestsPerSecond())
        .as("the second still filling is not counted yet").isZero();

    now.addAndGet(1000);
    assertThat(traffic.of("gerrit-1").requestsPerSecond()).isEqualTo(2.0);

    now.addAndGet(9000);
    assertThat(traffic.of("gerrit-1").requestsPerSecond()).as("ten seconds later").isEqualTo(2.0);

    now.addAndGet(1000);
    assertThat(traffic.of("gerrit-1").requestsPerSecond()).as("eleven seconds later").isZero();
    assertThat(traffic.of("gerrit-1").requests()).as("totals stay").isEqualTo(20);
  }

  @Test
  void aBucketReusedAfterTheWindowStartsFromZero() {
    traffic.record("gerrit-1", 0, 0);
    traffic.record("gerrit-1", 0, 0);
    now.addAndGet(11_000); // lands in the same ring slot as the first second
    traffic.record("gerrit-1", 0, 0);
    now.addAndGet(1000);
    assertThat(traffic.of("gerrit-1").requestsPerSecond()).isEqualTo(0.1);
  }
}
