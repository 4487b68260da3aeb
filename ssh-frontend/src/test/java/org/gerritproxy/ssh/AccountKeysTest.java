package org.gerritproxy.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.junit.jupiter.api.Test;

/** The cache of users' Gerrit keys, on a fake clock against a scripted Gerrit. */
class AccountKeysTest {
  static final SshFrontendSettings.KeyCacheSettings SETTINGS = new SshFrontendSettings.KeyCacheSettings(
      Duration.ofMinutes(5), Duration.ofSeconds(10), Duration.ofHours(1), 3);

  final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  final FakeGerrit gerrit = new FakeGerrit();
  final AccountKeys keys = new AccountKeys(gerrit, SETTINGS, nanos::get);
  final PublicKey alice1 = newKey();
  final PublicKey alice2 = newKey();

  @Test
  void aKnownKeyIsAcceptedAndGerritAskedOnceWithinTheTtl() {
    gerrit.keys.put("alice", List.of(alice1));
    assertThat(keys.accepts("alice", alice1)).isTrue();
    advance(Duration.ofMinutes(4));
    assertThat(keys.accepts("alice", alice1)).isTrue();
    assertThat(gerrit.calls.get()).isEqualTo(1);
  }

  @Test
  void hitsAndMissesCountWhetherGerritWasAsked() {
    gerrit.keys.put("alice", List.of(alice1));
    assertThat(keys.accepts("alice", alice1)).isTrue(); // nothing cached: asked
    assertThat(keys.accepts("alice", alice1)).isTrue(); // cached
    assertThat(keys.accepts("alice", alice2)).isFalse(); // not in a list fetched just now: cached
    advance(Duration.ofSeconds(11));
    assertThat(keys.accepts("alice", alice2)).isFalse(); // perhaps added since: asked
    assertThat(keys.misses()).isEqualTo(gerrit.calls.get()).isEqualTo(2);
    assertThat(keys.hits()).isEqualTo(2);
  }

  @Test
  void aKeyAddedInGerritWorksAtOnceThroughOneRefresh() {
    gerrit.keys.put("alice", List.of(alice1));
    assertThat(keys.accepts("alice", alice1)).isTrue();
    advance(Duration.ofSeconds(11));
    gerrit.keys.put("alice", List.of(alice1, alice2));
    assertThat(keys.accepts("alice", alice2)).isTrue();
    assertThat(gerrit.calls.get()).isEqualTo(2);
  }

  @Test
  void aWrongKeyCannotMakeTheProxyHammerGerrit() {
    gerrit.keys.put("alice", List.of(alice1));
    assertThat(keys.accepts("alice", alice1)).isTrue();
    advance(Duration.ofSeconds(11));
    for (int i = 0; i < 50; i++) {
      assertThat(keys.accepts("alice", alice2)).isFalse();
    }
    assertThat(gerrit.calls.get()).isEqualTo(2);
  }

  @Test
  void anUnknownUserIsRememberedBrieflyThenAskedAgain() {
    for (int i = 0; i < 20; i++) {
      assertThat(keys.accepts("mallory", alice1)).isFalse();
    }
    assertThat(gerrit.calls.get()).isEqualTo(1);
    advance(Duration.ofSeconds(11));
    gerrit.keys.put("mallory", List.of(alice1));
    assertThat(keys.accepts("mallory", alice1)).isTrue();
  }

  @Test
  void aKeyDeletedInGerritStopsWorkingWithinTheTtl() {
    gerrit.keys.put("alice", List.of(alice1));
    assertThat(keys.accepts("alice", alice1)).isTrue();
    gerrit.keys.put("alice", List.of());
    advance(SETTINGS.ttl().plusSeconds(1));
    assertThat(keys.accepts("alice", alice1)).isFalse();
  }

  @Test
  void cachedKeysKeepWorkingForTheGracePeriodWhileGerritIsUnreachable() {
    gerrit.keys.put("alice", List.of(alice1));
    assertThat(keys.accepts("alice", alice1)).isTrue();
    gerrit.down = true;
    advance(SETTINGS.ttl().plusMinutes(30));
    assertThat(keys.accepts("alice", alice1)).isTrue();
    assertThat(keys.accepts("alice", alice2)).isFalse();
    advance(Duration.ofMinutes(31));
    assertThat(keys.accepts("alice", alice1)).as("past the grace period").isFalse();
  }

  @Test
  void unknownUsersAreRefusedWhileGerritIsUnreachable() {
    gerrit.down = true;
    assertThat(keys.accepts("bob", alice1)).isFalse();
  }

  @Test
  void theCacheHoldsAtMostMaxUsers() {
    for (int i = 0; i < 10; i++) {
      gerrit.keys.put("u" + i, List.of(alice1));
      assertThat(keys.accepts("u" + i, alice1)).isTrue();
    }
    gerrit.down = true;
    int stillCached = 0;
    for (int i = 0; i < 10; i++) {
      stillCached += keys.accepts("u" + i, alice1) ? 1 : 0;
    }
    assertThat(stillCached).isLessThanOrEqualTo(10).isGreaterThan(0);
    assertThat(keys.size()).isLessThanOrEqualTo(SETTINGS.maxUsers());
  }

  private void advance(Duration d) {
    nanos.addAndGet(d.toNanos());
  }

  static PublicKey newKey() {
    try {
      KeyPair kp = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
      return kp.getPublic();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Gerrit as the cache sees it: answers from a map, or is unreachable. */
  static final class FakeGerrit implements AccountKeySource {
    final Map<String, List<PublicKey>> keys = new HashMap<>();
    final AtomicInteger calls = new AtomicInteger();
    volatile boolean down;

    @Override
    public Optional<List<PublicKey>> keysOf(String user) throws KeyLookupException {
      calls.incrementAndGet();
      if (down) {
        throw new KeyLookupException("connection refused", null);
      }
      List<PublicKey> k = keys.get(user);
      return k == null ? Optional.empty() : Optional.of(new ArrayList<>(k));
    }
  }
}
