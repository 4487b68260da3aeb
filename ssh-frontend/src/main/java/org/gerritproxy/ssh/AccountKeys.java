package org.gerritproxy.ssh;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.security.PublicKey;
import java.util.List;
import java.util.Optional;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether a public key may log in as a user, from Gerrit's list of the user's keys held in
 * a bounded Caffeine cache: fresh lists answer at once, a key not in the list triggers one
 * refresh, and while Gerrit is unreachable a known list keeps working for a grace period.
 */
public final class AccountKeys {
  private static final Logger log = LoggerFactory.getLogger(AccountKeys.class);

  /** One answer from Gerrit; {@code keys} empty means Gerrit has no such user. */
  private record Entry(Optional<List<PublicKey>> keys, long fetchedAt) {}

  private final AccountKeySource source;
  private final SshFrontendSettings.KeyCacheSettings settings;
  private final Ticker ticker;
  private final Cache<String, Entry> cache;
  private final java.util.concurrent.atomic.LongAdder hits = new java.util.concurrent.atomic.LongAdder();
  private final java.util.concurrent.atomic.LongAdder misses = new java.util.concurrent.atomic.LongAdder();

  public AccountKeys(AccountKeySource source, SshFrontendSettings.KeyCacheSettings settings,
      Ticker ticker) {
    this.source = source;
    this.settings = settings;
    this.ticker = ticker;
    this.cache = Caffeine.newBuilder()
        .ticker(ticker)
        // Entries outlive the TTL by the grace period: they are the fallback while Gerrit is down.
        .expireAfterWrite(settings.ttl().plus(settings.grace()))
        .maximumSize(settings.maxUsers())
        .build();
  }

  /** True when {@code key} is one of {@code user}'s keys in Gerrit, as far as can be known now. */
  public boolean accepts(String user, PublicKey key) {
    long now = ticker.read();
    Entry cached = cache.getIfPresent(user);
    if (cached != null) {
      long age = now - cached.fetchedAt();
      boolean fresh = cached.keys().isPresent()
          ? age < settings.ttl().toNanos()
          : age < settings.missTtl().toNanos();
      if (fresh && contains(cached, key)) {
        hits.increment();
        return true;
      }
      // A key not in a fresh list was perhaps added in Gerrit a moment ago: refresh, but at most
      // once per missTtl, so a wrong key cannot make us hammer Gerrit.
      if (fresh && age < settings.missTtl().toNanos()) {
        hits.increment();
        return false;
      }
    }
    misses.increment();
    Entry latest;
    try {
      latest = new Entry(source.keysOf(user), ticker.read());
    } catch (KeyLookupException e) {
      boolean inGrace = cached != null && cached.keys().isPresent()
          && now - cached.fetchedAt() < settings.ttl().plus(settings.grace()).toNanos();
      log.warn("cannot read the SSH keys of {} from Gerrit ({}); {}", user, e.getMessage(),
          inGrace ? "using the keys cached earlier" : "refusing the login");
      return inGrace && contains(cached, key);
    }
    cache.put(user, latest);
    return contains(latest, key);
  }

  /** Logins decided from the cache, without asking Gerrit. */
  public long hits() {
    return hits.sum();
  }

  /** Logins for which Gerrit was asked (nothing cached, stale, or a key not in the list). */
  public long misses() {
    return misses.sum();
  }

  /** How many users' answers are held now (after pending evictions). */
  long size() {
    cache.cleanUp();
    return cache.estimatedSize();
  }

  /** Forgets everything, e.g. after a reload. */
  public void invalidateAll() {
    cache.invalidateAll();
  }

  private static boolean contains(Entry e, PublicKey key) {
    if (e.keys().isEmpty()) {
      return false;
    }
    for (PublicKey k : e.keys().get()) {
      if (KeyUtils.compareKeys(k, key)) {
        return true;
      }
    }
    return false;
  }
}
