package org.gerritproxy.core.backdoor;

import org.gerritproxy.record.MasterRecord;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * The second health channel: heartbeats kept in the cluster's shared storage, written by each
 * node's agent and read by every proxy, so that a proxy can tell a dead node from one it merely
 * cannot reach.
 */
public interface Backdoor extends AutoCloseable {

  /** Writes this node's heartbeat, replacing its previous one. */
  void write(HeartbeatRecord beat) throws IOException;

  /** Every node's latest heartbeat, by node name; nodes that never wrote one are absent. */
  Map<String, HeartbeatRecord> readAll() throws IOException;

  /** The write master record the fences read, if one was ever published. */
  Optional<MasterRecord> readMaster() throws IOException;

  /**
   * Replaces the write master record with {@code next} only if the stored one is still {@code
   * expected} (empty: none stored), atomically against every other proxy.
   *
   * @return whether {@code next} was written; false when another writer got there first
   */
  boolean compareAndSetMaster(Optional<MasterRecord> expected, MasterRecord next) throws IOException;

  /** Where the heartbeats live, for logs and {@code /health} (never with a password). */
  String describe();

  @Override
  default void close() {}
}
