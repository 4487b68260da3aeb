package org.gerritproxy.routing.replication;

import java.util.List;
import java.util.Optional;

/**
 * What the frontends tell and ask of replicated storage: the pushes they forward to the master,
 * and, per read, what is known of the replicas. With shared storage it is {@link #NONE}.
 */
public interface ReplicaTracker {

  /** Nothing tracked: every read spreads as with shared storage. */
  ReplicaTracker NONE = new ReplicaTracker() {
    @Override
    public ReplicaFreshness freshness(Optional<String> project) {
      return ReplicaFreshness.NONE;
    }

    @Override
    public Runnable pushStarted(String project, List<RefTarget> updates) {
      return () -> { };
    }

    @Override
    public void heldBack(String project, String node) {}
  };

  /** What a read of {@code project} (empty for a read that names none) needs to know. */
  ReplicaFreshness freshness(Optional<String> project);

  /**
   * A push to {@code project} is on its way to the master.
   *
   * @param updates the ref updates it asks for; empty when the proxy could not read them
   * @return to run once the master has answered (or the push was cut off)
   */
  Runnable pushStarted(String project, List<RefTarget> updates);

  /** A read of {@code project} went to the master because {@code node} lacked its update. */
  void heldBack(String project, String node);
}
