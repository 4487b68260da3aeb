package org.gerritproxy.fence;

import org.gerritproxy.record.MasterRecord;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Whether this node may write: it reads the master record at most once per refresh interval
 * and decides from it.
 *
 * <p>When the record cannot be read, the last record read is honoured for {@code failClosedAfter}
 * (a shared file system or database that hiccups must not stop the master), and after that the
 * node refuses every write: a node cut off from the record cannot know that it is still the
 * master, and a refused write can be sent again through the proxy, whereas a write landed on a
 * node that is no longer master cannot be taken back. A node that has never read the record since
 * it started refuses at once: it has nothing to honour.
 */
public final class Fence {

  /** Where the record lives; {@link #read} answers empty when none was published yet. */
  public interface Source {
    Optional<MasterRecord> read() throws IOException;

    String describe();
  }

  private final String node;
  private final Source source;
  private final long refreshNanos;
  private final long failClosedAfterNanos;
  private final LongSupplier nanoTime;

  private FenceState current;
  private long decidedAt;
  private Optional<MasterRecord> lastGood;
  private long lastGoodAt;
  private long unreadableSince;

  public Fence(String node, Source source, Duration refresh, Duration failClosedAfter,
      LongSupplier nanoTime) {
    this.node = node;
    this.source = source;
    this.refreshNanos = refresh.toNanos();
    this.failClosedAfterNanos = failClosedAfter.toNanos();
    this.nanoTime = nanoTime;
  }

  public String node() {
    return node;
  }

  public String describeSource() {
    return source.describe();
  }

  /** The state in force: re-read when the last read is older than the refresh interval. */
  public synchronized FenceState state() {
    long now = nanoTime.getAsLong();
    if (current != null && now - decidedAt < refreshNanos) {
      return current;
    }
    try {
      Optional<MasterRecord> record = source.read();
      lastGood = record;
      lastGoodAt = now;
      unreadableSince = 0;
      current = decide(record);
    } catch (IOException | RuntimeException e) {
      if (unreadableSince == 0) {
        unreadableSince = now;
      }
      String problem = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
      if (lastGood != null && now - lastGoodAt < failClosedAfterNanos) {
        current = decide(lastGood); // honoured a while: see the class comment
      } else {
        current = FenceState.unreadable(node, problem,
            TimeUnit.NANOSECONDS.toSeconds(now - unreadableSince));
      }
    }
    decidedAt = now;
    return current;
  }

  private FenceState decide(Optional<MasterRecord> record) {
    return record.map(r -> FenceState.of(node, r))
        .orElseGet(() -> FenceState.noRecord(node, source.describe()));
  }
}
