package org.gerritproxy.http.packcache;

import java.util.Objects;
import java.util.Optional;
import org.gerritproxy.packstore.PackCacheObserver;
import org.gerritproxy.packstore.PackCacheScope;
import org.gerritproxy.packstore.PackStore;

/**
 * The pack cache as the HTTP frontend uses it: its scope (projects, entries, observer), and how it
 * asks the nodes over HTTP. Immutable; a reload swaps it whole.
 *
 * @param scope what both frontends share
 * @param nodes the cache's own requests to the nodes; null when the cache is off
 */
public record PackCache(PackCacheScope scope, NodeUploadPack nodes) {

  public PackCache {
    Objects.requireNonNull(scope, "scope");
  }

  /** No cache: every fetch goes to the nodes as before. */
  public static final PackCache OFF = new PackCache(PackCacheScope.OFF, null);

  public Optional<PackStore> store() {
    return scope.store();
  }

  public PackCacheObserver observer() {
    return scope.observer();
  }

  /** True when fetches of {@code project} may be answered from the cache. */
  public boolean covers(String project) {
    return nodes != null && scope.covers(project);
  }
}
