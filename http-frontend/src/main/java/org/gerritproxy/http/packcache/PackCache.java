package org.gerritproxy.http.packcache;

import org.gerritproxy.packstore.PackStore;
import org.gerritproxy.packstore.PackCacheObserver;
import java.util.Objects;
import java.util.Optional;
import org.gerritproxy.routing.packcache.ProjectPatterns;

/**
 * The pack cache as the HTTP frontend uses it: which projects it serves, where its entries are,
 * how it asks the nodes, and whom it tells. Immutable; a reload swaps it whole (keeping the same
 * store when the directory and size did not change).
 *
 * @param projects the projects whose fetches may be cached; none means the cache is off
 * @param store the entries on disk; empty when the cache is off
 * @param nodes the cache's own requests to the nodes
 * @param observer metrics and events
 */
public record PackCache(ProjectPatterns projects, Optional<PackStore> store, NodeUploadPack nodes,
    PackCacheObserver observer) {

  public PackCache {
    Objects.requireNonNull(projects, "projects");
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(observer, "observer");
  }

  /** No cache: every fetch goes to the nodes as before. */
  public static final PackCache OFF =
      new PackCache(ProjectPatterns.NONE, Optional.empty(), null, PackCacheObserver.NONE);

  /** True when fetches of {@code project} may be answered from the cache. */
  public boolean covers(String project) {
    return store.isPresent() && nodes != null && projects.matches(project);
  }
}
