package org.gerritproxy.routing;

import java.time.Duration;
import java.util.Objects;

/**
 * The {@code [cluster]} section.
 *
 * @param storage shared repositories, or replicated ones that may lag
 * @param maxReplicationLag replicated storage: a node with an update older than this that it has
 *     not yet received leaves the read pool until it catches up
 */
public record ClusterSettings(StorageMode storage, Duration maxReplicationLag) {

  public ClusterSettings {
    Objects.requireNonNull(storage, "storage");
    Objects.requireNonNull(maxReplicationLag, "maxReplicationLag");
    if (maxReplicationLag.isNegative() || maxReplicationLag.isZero()) {
      throw new IllegalArgumentException("maxReplicationLag must be positive");
    }
  }

  public static ClusterSettings defaults() {
    return new ClusterSettings(StorageMode.SHARED, Duration.ofSeconds(30));
  }

  public boolean replicated() {
    return storage == StorageMode.REPLICATED;
  }
}
