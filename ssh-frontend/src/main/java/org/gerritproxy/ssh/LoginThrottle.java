package org.gerritproxy.ssh;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failed SSH logins per client address: after {@code maxFailures} within {@code window}, the
 * address is refused for {@code blockFor}, so nobody can try keys or user names by the thousand.
 * MINA already caps the attempts within one connection; this caps them across connections.
 *
 * <p>Clients behind one NAT share an address, and one user's several keys each count as a
 * failure until the right one is offered: hence a generous default (30 a minute). Set with
 * {@code [sshd] maxLoginFailures}, {@code loginFailureWindow} and {@code loginBlock};
 * {@code maxLoginFailures = 0} turns the throttle off.
 */
public final class LoginThrottle {
  private static final Logger log = LoggerFactory.getLogger(LoginThrottle.class);

  /**
   * How many failed logins from one address, within which window, block it for how long.
   *
   * @param maxFailures 0 turns the throttle off
   */
  public record Settings(int maxFailures, Duration window, Duration block) {
    public static final Settings DEFAULTS =
        new Settings(30, Duration.ofMinutes(1), Duration.ofMinutes(1));

    public Settings {
      if (maxFailures < 0) {
        throw new IllegalArgumentException(
            "maxFailures must be 0 (off) or more, not " + maxFailures);
      }
      Objects.requireNonNull(window, "window");
      Objects.requireNonNull(block, "block");
    }
  }

  /** Addresses tracked at most: a flood from many addresses cannot exhaust the heap. */
  private static final long MAX_ADDRESSES = 100_000;

  /** One address's failures in its current window, and until when it is refused. */
  private static final class Record {
    long windowStart;
    int failures;
    long blockedUntil;
  }

  private final int maxFailures;
  private final long windowNanos;
  private final long blockNanos;
  private final Ticker ticker;
  private final Cache<InetAddress, Record> records;

  public LoginThrottle(int maxFailures, Duration window, Duration blockFor, Ticker ticker) {
    if (maxFailures < 0) {
      throw new IllegalArgumentException("maxFailures must be 0 (off) or more, not " + maxFailures);
    }
    this.maxFailures = maxFailures;
    this.windowNanos = window.toNanos();
    this.blockNanos = blockFor.toNanos();
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.records = Caffeine.newBuilder()
        .maximumSize(MAX_ADDRESSES)
        .expireAfterAccess(window.compareTo(blockFor) > 0 ? window : blockFor)
        .ticker(ticker)
        .build();
  }

  /** The throttle as configured, on the system clock. */
  public static LoginThrottle of(Settings settings) {
    return new LoginThrottle(
        settings.maxFailures(), settings.window(), settings.block(), Ticker.systemTicker());
  }

  /** True while {@code address} is refused. */
  public boolean isBlocked(InetAddress address) {
    if (maxFailures == 0 || address == null) {
      return false;
    }
    Record r = records.getIfPresent(address);
    if (r == null) {
      return false;
    }
    synchronized (r) {
      return r.blockedUntil - ticker.read() > 0;
    }
  }

  /** Counts a failed login from {@code address}; the one that reaches the limit blocks it. */
  public void failed(InetAddress address) {
    if (maxFailures == 0 || address == null) {
      return;
    }
    long now = ticker.read();
    Record r = records.get(address, a -> new Record());
    synchronized (r) {
      if (r.failures == 0 || now - r.windowStart > windowNanos) {
        r.windowStart = now;
        r.failures = 0;
      }
      r.failures++;
      if (r.failures >= maxFailures && r.blockedUntil - now <= 0) {
        r.blockedUntil = now + blockNanos;
        r.failures = 0;
        log.warn("{} failed SSH logins from {} within {}s: its connections are refused for {}s",
            maxFailures, address.getHostAddress(), windowNanos / 1_000_000_000L,
            blockNanos / 1_000_000_000L);
      }
    }
  }
}
