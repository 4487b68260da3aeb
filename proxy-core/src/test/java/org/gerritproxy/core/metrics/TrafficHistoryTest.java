package org.gerritproxy.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Per node, intervals closed into samples at each tick of the sampler, on a made-up clock. */
class TrafficHistoryTest {
  private final TrafficHistory history = new TrafficHistory(5);
  private static final List<String> NODES = List.of("gerrit-1", "gerrit-2");

  @Test
  void anIntervalBecomesOneSampleWithRateErrorsP99AndSessions() {
    history.sample(0, Map.of(), NODES);
    for (int i = 0; i < 99; i++) {
      history.record("gerrit-1", 2_000_000, false);
    }
    history.record("gerrit-1", 900_000_000, true);
    history.sample(10_000, Map.of("gerrit-1", 4), NODES);

    TrafficSample s = history.snapshot().get("gerrit-1").get(0);
    assertThat(s.endMillis()).isEqualTo(10_000);
    assertThat(s.requests()).isEqualTo(100);
    assertThat(s.requestsPerSecond()).isEqualTo(10.0);
    assertThat(s.errors()).isEqualTo(1);
    assertThat(s.p99Millis()).as("the slowest 1 % is above the p99").isEqualTo(2.0);
    assertThat(s.sessions()).isEqualTo(4);

    TrafficSample idle = history.snapshot().get("gerrit-2").get(0);
    assertThat(idle.requests()).isZero();
    assertThat(idle.p99Millis()).isNaN();
  }

  @Test
  void theFirstTickOnlyStartsAnInterval() {
    history.record("gerrit-1", 1_000_000, false);
    history.sample(5_000, Map.of(), NODES);
    assertThat(history.snapshot().get("gerrit-1")).isEmpty();
  }

  @Test
  void memoryStaysBoundedHoweverLongItRuns() {
    for (long t = 0; t < 1_000; t++) {
      history.record("gerrit-1", 1_000_000, false);
      history.sample(t * 10_000, Map.of(), NODES);
    }
    List<TrafficSample> kept = history.snapshot().get("gerrit-1");
    assertThat(kept).hasSize(5);
    assertThat(kept.get(4).endMillis()).isEqualTo(999 * 10_000L);
    assertThat(kept.get(0).endMillis()).isEqualTo(995 * 10_000L);
  }

  @Test
  void aNodeNoLongerConfiguredIsForgotten() {
    history.sample(0, Map.of(), NODES);
    history.record("gerrit-3", 1_000_000, false);
    history.sample(10_000, Map.of(), List.of("gerrit-1"));
    assertThat(history.snapshot()).containsOnlyKeys("gerrit-1");
  }

  @Test
  void errorsAreTheNodesOrTheProxysNotTheClients() {
    assertThat(ProxyMetrics.isError(record(org.gerritproxy.routing.traffic.AccessRecord.Outcome.BACKEND_FAILED, 502))).isTrue();
    assertThat(ProxyMetrics.isError(record(org.gerritproxy.routing.traffic.AccessRecord.Outcome.REFUSED, 503))).isTrue();
    assertThat(ProxyMetrics.isError(record(org.gerritproxy.routing.traffic.AccessRecord.Outcome.COMPLETED, 500))).isTrue();
    assertThat(ProxyMetrics.isError(record(org.gerritproxy.routing.traffic.AccessRecord.Outcome.COMPLETED, 404))).isFalse();
    assertThat(ProxyMetrics.isError(record(org.gerritproxy.routing.traffic.AccessRecord.Outcome.CLIENT_ABORTED, 499))).isFalse();
    assertThat(ProxyMetrics.isError(record(org.gerritproxy.routing.traffic.AccessRecord.Outcome.BAD_REQUEST, 400))).isFalse();
  }

  private static org.gerritproxy.routing.traffic.AccessRecord<String> record(
      org.gerritproxy.routing.traffic.AccessRecord.Outcome outcome, int status) {
    return new org.gerritproxy.routing.traffic.AccessRecord<>(
        org.gerritproxy.routing.traffic.AccessRecord.Frontend.HTTP, java.time.Instant.EPOCH,
        "127.0.0.1", java.util.Optional.empty(), java.util.Optional.empty(), "-",
        java.util.Optional.of("gerrit-1"), status, outcome, 0, 0, java.time.Duration.ofMillis(1),
        "GET /");
  }
}
