package org.gerritproxy.core.events;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The most recent cluster events, bounded, newest last; each is logged as it happens. */
public final class EventLog {
  private static final Logger log = LoggerFactory.getLogger(EventLog.class);

  private final Clock clock;
  private final int capacity;
  private final ArrayDeque<ClusterEvent> events;

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
  }

  public List<ClusterEvent> recent() {
    synchronized (events) {
      return List.copyOf(new ArrayList<>(events));
    }
  }
}
