package org.gerritproxy.routing.packcache;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code [packCache]} section. Immutable; a reload swaps it whole.
 *
 * @param directory where entries are kept; empty: no cache
 * @param maxSize the most bytes of entries kept; the least useful go first beyond it
 * @param projects the projects whose fetches may be answered from the cache
 */
public record PackCacheSettings(Optional<Path> directory, long maxSize, ProjectPatterns projects) {

  /** The default {@code maxSize}: 10 GiB. */
  public static final long DEFAULT_MAX_SIZE = 10L * 1024 * 1024 * 1024;

  public PackCacheSettings {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(projects, "projects");
    if (maxSize < 1) {
      throw new IllegalArgumentException("maxSize must be positive");
    }
  }

  public static final PackCacheSettings OFF =
      new PackCacheSettings(Optional.empty(), DEFAULT_MAX_SIZE, ProjectPatterns.NONE);

  /** True when fetches of some project may be cached. */
  public boolean enabled() {
    return directory.isPresent() && !projects.isEmpty();
  }
}
