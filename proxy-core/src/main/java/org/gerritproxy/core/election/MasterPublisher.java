package org.gerritproxy.core.election;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import org.gerritproxy.core.backdoor.Backdoor;
import org.gerritproxy.record.MasterRecord;
import org.gerritproxy.core.events.EventLog;
import org.gerritproxy.routing.WriteMaster;

/**
 * Publishes each new write master in the backdoor as the record every node's fence plugin
 * enforces (docs/fence.md), by compare-and-set, so that the record's epoch never goes back
 * whichever proxy writes it.
 *
 * <ul>
 *   <li>zookeeper mode: epochs are the cluster's, from ZooKeeper. A record is written only with a
 *       higher epoch than the stored one, so a stale proxy (frozen, cut off) cannot bring an old
 *       decision back. The proxy whose compare-and-set in ZooKeeper decided the epoch publishes at
 *       once; every other proxy publishes the same record {@value #FOLLOWER_DELAY_SECONDS} s later
 *       if it is still missing, so that a leader that dies between its two writes does not leave
 *       the fences enforcing the old master.
 *   <li>local and static modes: each proxy counts its own epochs from 0 at its start, so they
 *       mean nothing to the record. A change of master is written as the stored epoch + 1 (or
 *       the proxy's own, if higher), so the record's epoch rises with every change, across
 *       restarts of the proxy too.
 * </ul>
 */
public final class MasterPublisher implements AutoCloseable {
  static final long FOLLOWER_DELAY_SECONDS = 5;
  private static final Duration RETRY = Duration.ofSeconds(2);
  private static final int ATTEMPTS = 5;

  private final Backdoor door;
  private final boolean sharedEpochs;
  private final EventLog events;
  private final ScheduledExecutorService runner = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "master-publisher");
    t.setDaemon(true);
    return t;
  });
  private volatile WriteMaster latest;

  /** @param sharedEpochs whether the epochs come from ZooKeeper, shared by every proxy */
  public MasterPublisher(Backdoor door, boolean sharedEpochs, EventLog events) {
    this.door = door;
    this.sharedEpochs = sharedEpochs;
    this.events = events;
  }

  /**
   * Called on every change of master; returns at once.
   *
   * @param decidedHere (zookeeper mode) whether this proxy wrote the epoch; asked off the caller's
   *     thread, since it may wait for that answer
   */
  public void masterChanged(WriteMaster master, LongPredicate decidedHere) {
    latest = master;
    runner.execute(() -> {
      if (sharedEpochs && !decidedHere.test(master.epoch())) {
        runner.schedule(() -> attempt(master), FOLLOWER_DELAY_SECONDS, TimeUnit.SECONDS);
      } else {
        attempt(master);
      }
    });
  }

  private void attempt(WriteMaster master) {
    if (master != latest) {
      return; // a newer change is published instead
    }
    try {
      for (int i = 0; i < ATTEMPTS; i++) {
        Optional<MasterRecord> stored = door.readMaster();
        Optional<MasterRecord> next = next(stored, master, sharedEpochs);
        if (next.isEmpty()) {
          return; // the record says so already, or a newer epoch is stored
        }
        if (door.compareAndSetMaster(stored, next.get())) {
          events.record("fence", "published the write master record " + next.get() + " in "
              + door.describe());
          return;
        }
      }
      retry(master, "other proxies kept changing it");
    } catch (IOException | RuntimeException e) {
      retry(master, e.getMessage());
    }
  }

  private void retry(WriteMaster master, String why) {
    events.record("fence", "could not publish the write master record ("
        + master.node().orElse("no master") + ", epoch " + master.epoch() + ") in "
        + door.describe() + ": " + why + "; trying again in " + RETRY.toSeconds() + " s");
    runner.schedule(() -> attempt(master), RETRY.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The record to write over {@code stored} for {@code master}, or empty when none is due. */
  static Optional<MasterRecord> next(Optional<MasterRecord> stored, WriteMaster master,
      boolean sharedEpochs) {
    if (sharedEpochs) {
      if (stored.isPresent() && stored.get().epoch() >= master.epoch()) {
        return Optional.empty();
      }
      return Optional.of(new MasterRecord(master.node(), master.epoch()));
    }
    if (stored.isPresent() && stored.get().master().equals(master.node())) {
      return Optional.empty();
    }
    long epoch = Math.max(master.epoch(), stored.map(r -> r.epoch() + 1).orElse(0L));
    return Optional.of(new MasterRecord(master.node(), epoch));
  }

  @Override
  public void close() {
    runner.shutdownNow();
  }
}
