package org.gerritproxy.packstore;

import java.util.Objects;
import java.util.Optional;
import org.gerritproxy.routing.packcache.ProjectPatterns;

/**
 * The pack cache as both frontends see it: which projects it serves, where its entries are, and
 * whom it tells. Immutable; a reload swaps it whole (keeping the same store when the directory and
 * size did not change).
 *
 * @param projects the projects whose fetches may be cached; none means the cache is off
 * @param store the entries on disk; empty when the cache is off
 * @param observer metrics and events
 * @param tipNames the ref names the checks ask about; lives as long as the process, across
 *     reloads
 */
public record PackCacheScope(ProjectPatterns projects, Optional<PackStore> store,
    PackCacheObserver observer, TipNames tipNames) {

  public PackCacheScope {
    Objects.requireNonNull(projects, "projects");
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(observer, "observer");
    Objects.requireNonNull(tipNames, "tipNames");
  }

  /** How the cache's own requests name themselves to the nodes (User-Agent, v2 agent). */
  public static final String AGENT = "gerrit-proxy-pack-cache";

  /** No cache: every fetch goes to the nodes as before. */
  public static final PackCacheScope OFF =
      new PackCacheScope(ProjectPatterns.NONE, Optional.empty(), PackCacheObserver.NONE,
          new TipNames(0));

  /** True when fetches of {@code project} may be answered from the cache. */
  public boolean covers(String project) {
    return store.isPresent() && projects.matches(project);
  }
}
