package org.gerritproxy.routing.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class PendingUpdatesTest {
  private static final String A = "a".repeat(40);
  private static final String B = "b".repeat(40);
  private static final List<String> REPLICAS = List.of("gerrit-2", "gerrit-3");

  private final AtomicLong clock = new AtomicLong();
  private final PendingUpdates pending = new PendingUpdates(clock::get, 100);

  private static Map<String, String> refs(String... refAndId) {
    Map<String, String> m = new java.util.HashMap<>();
    for (int i = 0; i < refAndId.length; i += 2) {
      m.put(refAndId[i], refAndId[i + 1]);
    }
    return m;
  }

  @Test
  void aProjectWithNothingPendingHasNoNodeBehind() {
    assertThat(pending.freshness(Optional.of("p"), Set.of())).isEqualTo(ReplicaFreshness.NONE);
    assertThat(pending.size()).isZero();
  }

  @Test
  void everyReplicaIsBehindUntilSeenToHaveTheUpdate() {
    pending.learned("p", List.of(new RefTarget("refs/heads/main", A)), REPLICAS);
    assertThat(pending.freshness(Optional.of("p"), Set.of()).behind())
        .containsExactlyInAnyOrder("gerrit-2", "gerrit-3");
    assertThat(pending.freshness(Optional.of("q"), Set.of()).behind()).isEmpty();

    pending.seen("gerrit-2", "p", refs("refs/heads/main", A));
    assertThat(pending.freshness(Optional.of("p"), Set.of()).behind()).containsExactly("gerrit-3");

    pending.seen("gerrit-3", "p", refs("refs/heads/main", B));
    assertThat(pending.freshness(Optional.of("p"), Set.of()).behind())
        .as("another value is not the update").containsExactly("gerrit-3");
    pending.seen("gerrit-3", "p", refs("refs/heads/main", A, "refs/heads/x", B));
    assertThat(pending.pending("p")).as("forgotten once every replica has it").isEmpty();
  }

  @Test
  void refsReadBeforeANewUpdateDoNotConfirmIt() {
    pending.learned("p", List.of(new RefTarget("refs/heads/main", A)), REPLICAS);
    Map<String, String> readBefore = refs("refs/heads/main", A);
    pending.learned("p", List.of(new RefTarget("refs/heads/main", B)), REPLICAS);
    pending.seen("gerrit-2", "p", readBefore);
    assertThat(pending.freshness(Optional.of("p"), Set.of()).behind()).contains("gerrit-2");
    assertThat(pending.pending("p").orElseThrow().targets())
        .as("the later value of a ref replaces the earlier")
        .containsExactly(Map.entry("refs/heads/main", new RefTarget("refs/heads/main", B)));
  }

  @Test
  void anUpdateTheMasterLacksIsDroppedOnceNoPushIsInFlight() {
    RefTarget refused = new RefTarget("refs/for/main", A);
    PendingUpdates.Push push = pending.pushStarted("p", List.of(refused), REPLICAS);
    pending.notOnMaster("p", List.of(refused));
    assertThat(pending.pending("p")).as("the push may not have reached the master yet").isPresent();

    push.finished();
    push.finished(); // once is enough
    assertThat(pending.pending("p").orElseThrow().pushesInFlight()).isZero();
    pending.notOnMaster("p", List.of(refused));
    assertThat(pending.pending("p")).as("the master refused it: nothing to wait for").isEmpty();
  }

  @Test
  void anUpdateWithoutRefsIsJudgedByTheMastersRefs() {
    pending.learned("p", List.of(), REPLICAS);
    pending.seen("gerrit-2", "p", refs("refs/heads/main", B));
    assertThat(pending.freshness(Optional.of("p"), Set.of()).behind())
        .as("nothing to compare with yet").contains("gerrit-2");

    pending.resolved("p", Map.of("refs/heads/main", B, "HEAD", B));
    assertThat(pending.pending("p").orElseThrow().targets().values())
        .containsExactly(new RefTarget("refs/heads/main", B));
    pending.seen("gerrit-2", "p", refs("refs/heads/main", B));
    assertThat(pending.freshness(Optional.of("p"), Set.of()).behind()).containsExactly("gerrit-3");
  }

  @Test
  void lagIsTheAgeOfTheOldestUpdateANodeLacks() {
    pending.learned("p", List.of(new RefTarget("refs/heads/main", A)), REPLICAS);
    clock.addAndGet(Duration.ofSeconds(20).toNanos());
    pending.learned("q", List.of(new RefTarget("refs/heads/main", A)), REPLICAS);
    pending.seen("gerrit-3", "p", refs("refs/heads/main", A));
    clock.addAndGet(Duration.ofSeconds(15).toNanos());

    assertThat(pending.lag()).isEqualTo(Map.of(
        "gerrit-2", new PendingUpdates.NodeLag(Duration.ofSeconds(35), 2),
        "gerrit-3", new PendingUpdates.NodeLag(Duration.ofSeconds(15), 1)));
    assertThat(pending.lagging(Duration.ofSeconds(30))).containsExactly("gerrit-2");
    assertThat(pending.lagging(Duration.ofSeconds(10)))
        .containsExactlyInAnyOrder("gerrit-2", "gerrit-3");
  }

  @Test
  void aNodeThatStoppedReceivingUpdatesAgesHoweverOftenTheRefMoves() {
    for (int i = 0; i < 10; i++) {
      pending.learned("p", List.of(new RefTarget("refs/heads/main", i % 2 == 0 ? A : B)),
          REPLICAS);
      clock.addAndGet(Duration.ofSeconds(1).toNanos());
    }
    assertThat(pending.lag().get("gerrit-2").behind()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void aNodeThatReceivesUpdatesLateLagsOnlyByWhatItStillLacks() {
    pending.learned("p", List.of(new RefTarget("refs/heads/a", A)), REPLICAS);
    clock.addAndGet(Duration.ofSeconds(10).toNanos());
    pending.learned("p", List.of(new RefTarget("refs/heads/b", B)), REPLICAS);
    clock.addAndGet(Duration.ofSeconds(3).toNanos());
    pending.seen("gerrit-2", "p", refs("refs/heads/a", A));
    assertThat(pending.lag().get("gerrit-2").behind()).isEqualTo(Duration.ofSeconds(3));
    assertThat(pending.lag().get("gerrit-3").behind()).isEqualTo(Duration.ofSeconds(13));
  }

  @Test
  void aChangeCreatedByAMagicPushIsFoundUnderAnyRef() {
    pending.pushStarted("p", List.of(new RefTarget("refs/for/main", A)), REPLICAS).finished();
    pending.seen("gerrit-3", "p", refs("refs/changes/01/1/1", A, "refs/changes/02/2/meta", B));
    assertThat(pending.freshness(Optional.of("p"), Set.of()).behind())
        .as("a patch set without its change is not served").contains("gerrit-3");
    pending.seen("gerrit-2", "p", refs("refs/changes/01/1/1", A, "refs/changes/01/1/meta", B));
    assertThat(pending.freshness(Optional.of("p"), Set.of()).behind()).containsExactly("gerrit-3");
  }

  @Test
  void aMagicPushIsJudgedByTheChangeTheMasterMadeOfIt() {
    RefTarget magic = new RefTarget("refs/for/main", A);
    pending.pushStarted("p", List.of(magic), REPLICAS).finished();
    Map<String, String> master = refs("refs/changes/01/1/1", A, "refs/changes/01/1/meta", B);
    pending.refined("p", magic, magic.changeOn(master));
    assertThat(pending.pending("p").orElseThrow().targets().keySet())
        .containsExactlyInAnyOrder("refs/changes/01/1/1", "refs/changes/01/1/meta");
    pending.seen("gerrit-2", "p", refs("refs/changes/01/1/1", A, "refs/changes/01/1/meta", A));
    assertThat(pending.freshness(Optional.of("p"), Set.of()).behind())
        .as("the change's NoteDb ref is not yet as on the master")
        .containsExactlyInAnyOrder("gerrit-2", "gerrit-3");
    pending.seen("gerrit-2", "p", master);
    assertThat(pending.freshness(Optional.of("p"), Set.of()).behind()).containsExactly("gerrit-3");
  }

  @Test
  void withoutReplicasNothingIsRemembered() {
    pending.learned("p", List.of(new RefTarget("refs/heads/main", A)), List.of());
    pending.pushStarted("p", List.of(), List.of()).finished();
    assertThat(pending.size()).isZero();
  }

  @Test
  void aNodeThatIsNoLongerAReplicaIsNoLongerBehind() {
    pending.learned("p", List.of(new RefTarget("refs/heads/main", A)), List.of("gerrit-2"));
    pending.notAReplica("gerrit-2");
    assertThat(pending.size()).isZero();
  }

  @Property
  void memoryIsBoundedByTheCap(@ForAll @IntRange(min = 1, max = 300) int projects) {
    AtomicLong t = new AtomicLong();
    PendingUpdates capped = new PendingUpdates(t::get, 50);
    for (int i = 0; i < projects; i++) {
      t.incrementAndGet();
      capped.learned("p" + i, List.of(new RefTarget("refs/heads/main", A)), REPLICAS);
    }
    assertThat(capped.size()).isEqualTo(Math.min(projects, 50));
    assertThat(capped.pending("p" + (projects - 1))).as("the newest is kept").isPresent();
  }

  @Property
  void aProjectIsForgottenExactlyWhenEveryReplicaCaughtUp(
      @ForAll @IntRange(min = 1, max = 6) int updates, @ForAll boolean secondCatchesUp) {
    for (int i = 0; i < updates; i++) {
      pending.learned("p", List.of(new RefTarget("refs/heads/b" + i, A)), REPLICAS);
    }
    Map<String, String> all = new java.util.HashMap<>();
    for (int i = 0; i < updates; i++) {
      all.put("refs/heads/b" + i, A);
    }
    pending.seen("gerrit-2", "p", all);
    if (secondCatchesUp) {
      pending.seen("gerrit-3", "p", all);
    } else {
      all.remove("refs/heads/b0");
      pending.seen("gerrit-3", "p", all);
    }
    assertThat(pending.pending("p").isEmpty()).isEqualTo(secondCatchesUp);
  }
}
