package org.gerritproxy.routing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Read-your-writes, one rule for both frontends: after a successful write by a writer at time
 * {@code t}, that writer's reads go to the master until {@code t + routing.readYourWrites}; each
 * new write moves the deadline. The writer is the Gerrit user where the request names one (the
 * SSH login, an HTTP {@code Authorization: Basic} user), so a push over SSH sends the same user's
 * HTTP reads to the master and the reverse; else the HTTP session key (cookie or client address).
 *
 * <p>The window is read at each decision from the snapshot in force, so a reload applies at once;
 * a window of 0 turns the rule off and nothing is remembered.
 *
 * <p>The one piece of state in routing: the time of each writer's last write, thread-safe and
 * bounded. Expired writes are removed by a later write, at most once per window; beyond {@code
 * maxWriters} live writers the oldest writes are forgotten first, as they are the nearest to their
 * deadline anyway. Forgetting costs no more than a read that may miss a fresh write. It is kept
 * here rather than in a cache library so that routing stays free of dependencies, and so that
 * which writer the cap forgets is this rule's choice, stated and tested.
 */
public final class ReadYourWrites {

  /** The default cap: at roughly 150 bytes an entry, some 15 MB at worst. */
  public static final int MAX_WRITERS = 100_000;

  private final LongSupplier nanoClock;
  private final int maxWriters;
  /** Writer to its last successful write. */
  private final Map<String, Write> lastWrite = new ConcurrentHashMap<>();
  /** Orders writes made in the same nanosecond, so that the cap forgets the older one. */
  private final AtomicLong sequence = new AtomicLong();
  /** When expired writes were last removed; a sweep runs at most once per window. */
  private volatile long lastSweep;

  /**
   * @param nanoClock a monotonic clock in nanoseconds, such as {@code System::nanoTime}
   * @param maxWriters the most writers remembered at once
   */
  public ReadYourWrites(LongSupplier nanoClock, int maxWriters) {
    this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    if (maxWriters < 1) {
      throw new IllegalArgumentException("maxWriters must be at least 1, not " + maxWriters);
    }
    this.maxWriters = maxWriters;
    this.lastSweep = nanoClock.getAsLong();
  }

  /** On the system's monotonic clock, with the default cap. */
  public static ReadYourWrites onSystemClock() {
    return new ReadYourWrites(System::nanoTime, MAX_WRITERS);
  }

  /**
   * The writer a request counts as.
   *
   * @param user the Gerrit user the request names (the SSH login, the HTTP Basic user), if any
   * @param sessionKey the request's {@link SessionKey}, used when no user is named
   */
  public static String writer(Optional<String> user, String sessionKey) {
    return user.map(SessionKey::forUser).orElse(sessionKey == null ? "" : sessionKey);
  }

  /**
   * The rule itself: a write made at {@code wroteAt} sends reads to the master while less than
   * {@code window} has passed by {@code now} (nanosecond clock readings; they may wrap). A write
   * stored by another thread after this reader read the clock counts as just made.
   */
  static boolean withinWindow(long wroteAt, long now, Duration window) {
    return now - wroteAt < window.toNanos();
  }

  /**
   * Notes that {@code writer} completed a write just now.
   *
   * @param window {@code routing.readYourWrites} of the snapshot in force; 0 records nothing
   */
  public void wrote(String writer, Duration window) {
    Objects.requireNonNull(writer, "writer");
    if (window.isZero() || window.isNegative()) {
      return;
    }
    long now = nanoClock.getAsLong();
    // Two writes finishing at once: the later one wins, whichever thread stores last.
    lastWrite.merge(writer, new Write(now, sequence.incrementAndGet()),
        (before, after) -> after.isNewerThan(before) ? after : before);
    if (now - lastSweep >= window.toNanos() || lastWrite.size() > maxWriters) {
      sweep(now, window);
    }
  }

  /**
   * True while {@code writer}'s reads go to the master.
   *
   * @param window {@code routing.readYourWrites} of the snapshot in force
   */
  public boolean readsFromMaster(String writer, Duration window) {
    if (writer == null || window.isZero() || window.isNegative()) {
      return false;
    }
    Write last = lastWrite.get(writer);
    return last != null && withinWindow(last.at(), nanoClock.getAsLong(), window);
  }

  /** How many writers are remembered now, expired ones included until the next sweep. */
  public int size() {
    return lastWrite.size();
  }

  /**
   * Forgets expired writes, then, while more than {@code maxWriters} remain, the oldest down to
   * nine tenths of the cap, so that a full store is not sorted again at every write.
   */
  private synchronized void sweep(long now, Duration window) {
    if (now - lastSweep < window.toNanos() && lastWrite.size() <= maxWriters) {
      return; // another thread swept while this one waited
    }
    lastSweep = now;
    // Conditional removal: a write stored meanwhile under the same writer is kept.
    lastWrite.entrySet().removeIf(e -> !withinWindow(e.getValue().at(), now, window));
    if (lastWrite.size() <= maxWriters) {
      return;
    }
    int target = lastWrite.size() - Math.max(maxWriters - maxWriters / 10, 1);
    List<Map.Entry<String, Write>> oldestFirst = new ArrayList<>(lastWrite.size());
    for (Map.Entry<String, Write> e : lastWrite.entrySet()) {
      oldestFirst.add(Map.entry(e.getKey(), e.getValue()));
    }
    oldestFirst.sort((a, b) -> a.getValue().isNewerThan(b.getValue()) ? 1
        : b.getValue().isNewerThan(a.getValue()) ? -1 : 0);
    for (int i = 0; i < target && i < oldestFirst.size(); i++) {
      Map.Entry<String, Write> e = oldestFirst.get(i);
      lastWrite.remove(e.getKey(), e.getValue());
    }
  }

  /** One write: its clock reading, and its place among writes of the same reading. */
  private record Write(long at, long sequence) {
    boolean isNewerThan(Write other) {
      long d = at - other.at;
      return d > 0 || (d == 0 && sequence > other.sequence);
    }
  }
}
