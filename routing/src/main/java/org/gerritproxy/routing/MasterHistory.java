package org.gerritproxy.routing;

import java.util.Objects;
import java.util.Optional;

/**
 * What one proxy remembers of the write masters it has followed: enough to tell a failover (writes
 * handed to another node under a new epoch) from the first election, a master coming back, or
 * the same decision seen again. {@code [election] onFailover} runs on failovers only.
 *
 * <p>Guarantees: for a sequence of masters fed through {@link #seen}, {@link #isFailover} is true
 * at most once per epoch, never for the first master after start, never for the master this
 * proxy last followed (A, no master, A again), and never for an epoch not newer than every epoch
 * seen before. "No master" in between does not hide a failover: A, none, B is one, for B's epoch.
 *
 * @param lastMaster the last node this proxy followed as master, kept across spells of no master
 * @param lastEpoch the highest epoch seen
 */
public record MasterHistory(Optional<String> lastMaster, long lastEpoch) {

  public MasterHistory {
    Objects.requireNonNull(lastMaster, "lastMaster");
  }

  /** Nothing seen yet: a proxy that has just started. */
  public static MasterHistory start() {
    return new MasterHistory(Optional.empty(), 0);
  }

  /** Whether {@code next} hands writes to another node than the last master, under a new epoch. */
  public boolean isFailover(WriteMaster next) {
    return next.isKnown()
        && lastMaster.isPresent()
        && !next.node().equals(lastMaster)
        && next.epoch() > lastEpoch;
  }

  /**
   * Whether this proxy runs {@code [election] onFailover} for {@code next}: on a failover, and only
   * on the proxy that decided it ({@code decidedHere}): every proxy in local or static mode, the
   * one whose compare-and-set wrote the epoch in zookeeper mode.
   */
  public boolean runsOnFailover(WriteMaster next, boolean decidedHere) {
    return decidedHere && isFailover(next);
  }

  /** The history once {@code next} has been followed. */
  public MasterHistory seen(WriteMaster next) {
    return new MasterHistory(next.isKnown() ? next.node() : lastMaster,
        Math.max(lastEpoch, next.epoch()));
  }
}
