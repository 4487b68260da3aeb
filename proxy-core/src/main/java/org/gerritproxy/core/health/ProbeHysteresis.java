package org.gerritproxy.core.health;

import org.gerritproxy.routing.Reachability;

/**
 * The network verdict on one node after fall/rise hysteresis, as HAProxy counts it: {@code fall}
 * consecutive failures take a reachable node out, {@code rise} consecutive successes bring an
 * unreachable one back. The very first probe decides at once, so that a proxy starts serving
 * without waiting {@code rise} intervals. Immutable; each probe result yields the next value.
 */
public record ProbeHysteresis(Reachability reachability, int successes, int failures) {

  public static ProbeHysteresis initial() {
    return new ProbeHysteresis(Reachability.UNKNOWN, 0, 0);
  }

  public ProbeHysteresis onSuccess(int rise) {
    int ok = successes + 1;
    boolean up = reachability == Reachability.REACHABLE
        || reachability == Reachability.UNKNOWN
        || ok >= rise;
    return new ProbeHysteresis(up ? Reachability.REACHABLE : Reachability.UNREACHABLE, ok, 0);
  }

  public ProbeHysteresis onFailure(int fall) {
    int failed = failures + 1;
    boolean down = reachability == Reachability.UNREACHABLE
        || reachability == Reachability.UNKNOWN
        || failed >= fall;
    return new ProbeHysteresis(down ? Reachability.UNREACHABLE : Reachability.REACHABLE, 0, failed);
  }
}
