package org.gerritproxy.ssh;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;

/**
 * Users who wrote through this proxy a moment ago: their reads go to the master for {@code
 * routing.readYourWrites}, so a fetch right after a push sees the push whichever node it lands on.
 */
final class RecentWriters {
  private final Ticker ticker;
  private final Cache<String, Long> lastWrite;

  RecentWriters(Ticker ticker) {
    this.ticker = ticker;
    // Longer than any sensible readYourWrites; the setting itself is read at each decision.
    this.lastWrite = Caffeine.newBuilder().ticker(ticker).expireAfterWrite(Duration.ofHours(1))
        .maximumSize(100_000).build();
  }

  void wrote(String user) {
    lastWrite.put(user, ticker.read());
  }

  boolean wroteWithin(String user, Duration window) {
    Long at = lastWrite.getIfPresent(user);
    return at != null && ticker.read() - at < window.toNanos();
  }
}
