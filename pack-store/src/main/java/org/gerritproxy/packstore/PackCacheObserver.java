package org.gerritproxy.packstore;

/** Told what the pack cache did, for the metrics and the event log. */
public interface PackCacheObserver {

  PackCacheObserver NONE = new PackCacheObserver() {};

  /** How one cacheable fetch was answered. */
  enum Outcome {
    /** From a finished cache entry. */
    HIT,
    /** This request's own fetch from the node filled a new entry. */
    MISS,
    /** Joined a fetch from the node already under way for an identical request. */
    COALESCED
  }

  /**
   * One capability advertisement or ls-refs of a cached project was coalesced with identical ones:
   * {@code led} (it went to the node for its round), {@code shared} (it got the leader's answer),
   * {@code alone} (the leader's answer could not be shared, so it went to the node itself).
   */
  default void coalesced(String result) {}

  /** One fetch was answered by the cache; {@code bytes} is the response body sent. */
  default void answered(Outcome outcome, long bytes) {}

  /**
   * One fetch was sent on to the node as it came, for {@code reason}: {@code uncacheable}, {@code
   * unreadable}, {@code too_large}, {@code refused} (no node), {@code check_failed} (the user's
   * ls-refs failed), {@code not_visible} (a want is no tip the user sees), {@code unavailable}
   * (the directory refuses writes).
   */
  default void passed(String reason) {}

  /**
   * The cache directory cannot be written (full disk, permissions): fetches pass through to the
   * nodes until it can. Told once per change, not per fetch.
   */
  default void unavailable(String why) {}

  /** The cache directory can be written again. */
  default void available() {}
}
