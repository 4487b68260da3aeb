package org.gerritproxy.core.events;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import org.gerritproxy.routing.WriteMaster;

/**
 * Who was write master when, and the failovers, drains and reloads around it: the dashboard's
 * timeline. Both lists are bounded (the oldest entries go first), so it keeps a fixed size
 * however long the proxy runs.
 */
public final class MasterTimeline {
  static final int PERIODS = 32;
  static final int MARKS = 64;

  /** From {@code from} on, {@code node} (empty: none) was master with {@code epoch}. */
  public record Period(Instant from, Optional<String> node, long epoch) {}

  /** Something that happened to the cluster, drawn as a mark on the timeline. */
  public record Mark(Instant at, Kind kind, String text) {}

  /** The marks the timeline draws; other events are left to the event list. */
  public enum Kind {
    FAILOVER,
    DRAIN,
    RELOAD;

    /**
     * Which mark an event makes, if any: an election is a failover; a node reported DRAINING
     * (by {@code ClusterView}, whose message starts "NODE is DRAINING") is a drain; a reload,
     * in force or refused, is a reload.
     */
    public static Optional<Kind> of(ClusterEvent e) {
      return switch (e.kind()) {
        case "election" -> Optional.of(FAILOVER);
        case "reload", "reload-failed" -> Optional.of(RELOAD);
        case "node-state" -> e.message().contains(" is DRAINING ") ? Optional.of(DRAIN)
            : Optional.empty();
        default -> Optional.empty();
      };
    }
  }

  /** What the dashboard draws, oldest first. */
  public record View(List<Period> periods, List<Mark> marks) {}

  private final ArrayDeque<Period> periods = new ArrayDeque<>(PERIODS);
  private final ArrayDeque<Mark> marks = new ArrayDeque<>(MARKS);

  /** Notes the master at {@code at}; starts a new period when the node or the epoch changed. */
  public synchronized void observe(Instant at, WriteMaster master) {
    Period last = periods.peekLast();
    if (last != null && last.node().equals(master.node()) && last.epoch() == master.epoch()) {
      return;
    }
    if (periods.size() == PERIODS) {
      periods.removeFirst();
    }
    periods.addLast(new Period(at, master.node(), master.epoch()));
  }

  /** Adds a mark for {@code e} when it is one the timeline draws. */
  public synchronized void mark(ClusterEvent e) {
    Kind.of(e).ifPresent(kind -> {
      if (marks.size() == MARKS) {
        marks.removeFirst();
      }
      marks.addLast(new Mark(e.at(), kind, e.message()));
    });
  }

  public synchronized View view() {
    return new View(List.copyOf(periods), List.copyOf(marks));
  }
}
