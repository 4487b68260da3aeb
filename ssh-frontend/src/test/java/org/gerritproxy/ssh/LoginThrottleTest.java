package org.gerritproxy.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.benmanes.caffeine.cache.Ticker;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Failed logins per address, on a fake clock: the limit, the window, the block and its end. */
class LoginThrottleTest {
  final AtomicLong nanos = new AtomicLong(1_000);
  final Ticker clock = nanos::get;
  final InetAddress a = address("10.0.0.1");
  final InetAddress b = address("10.0.0.2");

  static InetAddress address(String ip) {
    try {
      return InetAddress.getByName(ip);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  void advance(Duration d) {
    nanos.addAndGet(d.toNanos());
  }

  LoginThrottle throttle(int max) {
    return new LoginThrottle(max, Duration.ofMinutes(1), Duration.ofMinutes(5), clock);
  }

  @Test
  void theLimitBlocksThatAddressOnly() {
    LoginThrottle t = throttle(3);
    t.failed(a);
    t.failed(a);
    assertThat(t.isBlocked(a)).as("below the limit").isFalse();
    t.failed(a);
    assertThat(t.isBlocked(a)).isTrue();
    assertThat(t.isBlocked(b)).isFalse();
  }

  @Test
  void failuresOutsideTheWindowDoNotAddUp() {
    LoginThrottle t = throttle(3);
    t.failed(a);
    t.failed(a);
    advance(Duration.ofSeconds(61));
    t.failed(a);
    t.failed(a);
    assertThat(t.isBlocked(a)).isFalse();
    t.failed(a);
    assertThat(t.isBlocked(a)).isTrue();
  }

  @Test
  void theBlockEndsAfterItsTimeAndCountingStartsAfresh() {
    LoginThrottle t = throttle(2);
    t.failed(a);
    t.failed(a);
    advance(Duration.ofMinutes(4));
    assertThat(t.isBlocked(a)).isTrue();
    advance(Duration.ofMinutes(1).plusSeconds(1));
    assertThat(t.isBlocked(a)).isFalse();
    t.failed(a);
    assertThat(t.isBlocked(a)).as("one failure after the block").isFalse();
  }

  @Test
  void zeroTurnsItOffAndNegativeIsRefused() {
    LoginThrottle off = throttle(0);
    for (int i = 0; i < 1000; i++) {
      off.failed(a);
    }
    assertThat(off.isBlocked(a)).isFalse();
    assertThat(off.isBlocked(null)).isFalse();
    assertThatThrownBy(() -> throttle(-1)).isInstanceOf(IllegalArgumentException.class);
  }
}
