package org.gerritproxy.routing.replication;

import java.util.Objects;
import java.util.Set;

/**
 * What one read needs to know of a replicated cluster, taken from {@link PendingUpdates} when the
 * read arrives.
 *
 * @param lagging nodes further behind than {@code maxReplicationLag}: out of the read pool
 * @param behind nodes that have not yet received the latest update known of the read's project;
 *     empty when nothing of it is pending
 */
public record ReplicaFreshness(Set<String> lagging, Set<String> behind) {
  public static final ReplicaFreshness NONE = new ReplicaFreshness(Set.of(), Set.of());

  public ReplicaFreshness {
    lagging = Set.copyOf(Objects.requireNonNull(lagging, "lagging"));
    behind = Set.copyOf(Objects.requireNonNull(behind, "behind"));
  }

  public boolean isBehind(String node) {
    return behind.contains(node);
  }
}
