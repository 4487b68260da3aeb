package org.gerritproxy.core.events;

import java.time.Instant;

/** Something an operator wants to see on the dashboard: a state change, an election, a reload. */
public record ClusterEvent(Instant at, String kind, String message) {}
