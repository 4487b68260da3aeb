package org.gerritproxy.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;

/**
 * Which sessions wrote recently, for read-your-writes: a session that wrote within {@code
 * routing.readYourWrites} reads from the master. Bounded; forgets the oldest sessions first.
 */
final class RecentWrites {

  private static final long MAX_SESSIONS = 100_000;

  private final Ticker ticker;
  private final Cache<String, Long> lastWrite;
  /** The longest window asked about; entries live that long. Grows on reload, never shrinks. */
  private volatile long windowNanos;

  RecentWrites(Ticker ticker) {
    this.ticker = ticker;
    this.windowNanos = Duration.ofSeconds(10).toNanos();
    this.lastWrite = Caffeine.newBuilder()
        .maximumSize(MAX_SESSIONS)
        .expireAfterWrite(Duration.ofNanos(windowNanos))
        .ticker(ticker)
        .build();
  }

  /** Notes that {@code sessionKey} completed a write just now. */
  void recordWrite(String sessionKey) {
    lastWrite.put(sessionKey, ticker.read());
  }

  /** True when {@code sessionKey} completed a write less than {@code window} ago. */
  boolean wroteWithin(String sessionKey, Duration window) {
    if (window.isZero()) {
      return false;
    }
    if (window.toNanos() > windowNanos) {
      widen(window.toNanos());
    }
    Long at = lastWrite.getIfPresent(sessionKey);
    return at != null && ticker.read() - at < window.toNanos();
  }

  private synchronized void widen(long nanos) {
    if (nanos > windowNanos) {
      windowNanos = nanos;
      lastWrite.policy().expireAfterWrite().ifPresent(p -> p.setExpiresAfter(Duration.ofNanos(nanos)));
    }
  }
}
