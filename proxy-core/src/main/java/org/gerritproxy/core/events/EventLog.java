package org.gerritproxy.core.events;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The most recent cluster events, bounded, newest last; each is logged as it happens. */
public final class EventLog {
  private static final Logger log = LoggerFactory.getLogger(EventLog.class);

  private final Clock clock;
  private final int capacity;
  private final ArrayDeque<ClusterEvent> events;
  private final List<Consumer<ClusterEvent>> listeners = new CopyOnWriteArrayList<>();

  public EventLog(Clock clock, int capacity) {
    this.clock = clock;
    this.capacity = capacity;
    this.events = new ArrayDeque<>(capacity);
  }

  public void record(String kind, String message) {
    ClusterEvent event = new ClusterEvent(clock.instant(), kind, message);
    log.info("{}: {}", kind, message);
    synchronized (events) {
      if (events.size() == capacity) {
        events.removeFirst();
      }
      events.addLast(event);
    }
    listeners.forEach(l -> l.accept(event));
  }

  /** Tells {@code listener} of every event recorded from now on (for metrics). */
  public void subscribe(Consumer<ClusterEvent> listener) {
    listeners.add(listener);
  }

  public List<ClusterEvent> recent() {
    synchronized (events) {
      return List.copyOf(new ArrayList<>(events));
    }
  }
}
