package org.gerritproxy.core.e2e;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A soak's seeded schedule of faults, kept in a {@link NodeFaults}. */
interface ScheduledFaults extends AutoCloseable {
  /** The state, journal, counts and spans of the faults. */
  NodeFaults faults();

  /** Runs faults until {@code until}, at most {@code maxSteps} of them. */
  void run(Instant until, int maxSteps) throws InterruptedException;

  /** Undoes every fault, bounded by {@code within}. */
  void restoreAll(Duration within) throws InterruptedException;

  /** When each node was under a fault, for telling failovers with a cause from those without. */
  default List<FaultSpans.Span> spans() {
    return faults().spans();
  }

  default Map<String, Integer> counts() {
    return faults().counts();
  }

  default List<String> journal() {
    return faults().journal();
  }

  @Override
  default void close() {
    faults().close();
  }
}
