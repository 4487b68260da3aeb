package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.gerritproxy.routing.WriteMaster;
import org.junit.jupiter.api.Test;

/**
 * The soaks' judge of pushes against a master timeline fed with the ZooKeeper decision: it must
 * catch a push outside its node's tenure, not only pass the soak's pushes.
 */
class WriteAuditTest {
  private static final Instant T0 = Instant.parse("2026-12-02T00:00:00Z");
  private final WriteAudit audit = new WriteAudit(Duration.ofSeconds(3));

  private static WriteMaster master(String node, long epoch) {
    return new WriteMaster(Optional.ofNullable(node), epoch, "");
  }

  private static WriteAudit.Push push(String node, long atSeconds) {
    Instant began = T0.plusSeconds(atSeconds);
    return new WriteAudit.Push(node, began, began.plusMillis(100), "push on " + node);
  }

  /** gerrit-1 from 0 s to 10 s, none to 12 s, gerrit-2 from 12 s on. */
  private static MasterTimeline failover() {
    MasterTimeline t = new MasterTimeline(master("gerrit-1", 1), T0);
    t.changed(master(null, 2), T0.plusSeconds(10));
    t.changed(master("gerrit-2", 3), T0.plusSeconds(12));
    return t;
  }

  @Test
  void aPushInsideItsNodesTenureIsOnTheMaster() {
    MasterTimeline t = failover();
    assertThat(audit.judge(push("gerrit-1", 5), t).onMaster()).isTrue();
    assertThat(audit.judge(push("gerrit-2", 20), t).onMaster()).isTrue();
  }

  @Test
  void aPushWithinTheRoutingLagAfterTheTenureIsAllowedAndItsLagReported() {
    WriteAudit.Verdict v = audit.judge(push("gerrit-1", 12), failover());
    assertThat(v.onMaster()).isTrue();
    assertThat(v.lagAfterTenure()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void aPushOnTheOldMasterPastTheRoutingLagIsAWriteOnANonMaster() {
    assertThat(audit.judge(push("gerrit-1", 14), failover()).onMaster()).isFalse();
  }

  @Test
  void aPushOnTheNewMasterBeforeTheDecisionIsAWriteOnANonMaster() {
    assertThat(audit.judge(push("gerrit-2", 11), failover()).onMaster()).isFalse();
    assertThat(audit.judge(push("gerrit-3", 5), failover()).onMaster()).isFalse();
  }

  @Test
  void aRepeatedDecisionIsNoChangeAndAStaleStampStartsNoEarlierThanTheCurrentTenure() {
    MasterTimeline t = failover();
    t.changed(master("gerrit-2", 3), T0.plusSeconds(30));
    t.changed(master("gerrit-1", 4), T0.plusSeconds(1));
    assertThat(t.tenures()).hasSize(4);
    assertThat(t.tenures().get(3).from()).isEqualTo(T0.plusSeconds(12));
  }
}
