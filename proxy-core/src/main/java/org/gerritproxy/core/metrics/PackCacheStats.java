package org.gerritproxy.core.metrics;

import java.util.Map;

/**
 * The pack cache at one instant, for the dashboard: read from the same counters and gauges
 * {@code /metrics} shows, so the two never disagree (docs/pack-cache.md).
 *
 * @param entries whole entries on disk
 * @param sizeBytes bytes those entries hold
 * @param maxBytes {@code [packCache] maxSize}
 * @param hits fetches answered from an entry since start
 * @param misses fetches fetched from a node into a new entry since start
 * @param coalesced fetches that joined an identical fetch under way since start
 * @param passed fetches sent on to Gerrit since start
 * @param passedBy those fetches per reason, largest first
 * @param bytesServed response bytes sent from the cache since start (hits, misses, coalesced)
 */
public record PackCacheStats(long entries, long sizeBytes, long maxBytes, long hits, long misses,
    long coalesced, long passed, Map<String, Long> passedBy, long bytesServed) {
  public PackCacheStats {
    passedBy = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(passedBy));
  }
}
