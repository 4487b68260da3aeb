package org.gerritproxy.core.admin;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Which configuration is in force, since when, how the last reload went, and which settings of
 * the file are not in force because applying them needs a restart.
 *
 * @param lastError why the last reload was refused; empty when it succeeded (or none was tried)
 * @param lastReload when the last reload was tried; empty before the first
 * @param restartNeeded sentences naming each setting that could not be applied in place
 */
public record ConfigStatus(Path file, Instant loadedAt, Optional<String> lastError,
    Optional<Instant> lastReload, List<String> restartNeeded) {

  public ConfigStatus {
    restartNeeded = List.copyOf(restartNeeded);
  }

  public ConfigStatus(Path file, Instant loadedAt, Optional<String> lastError) {
    this(file, loadedAt, lastError, Optional.empty(), List.of());
  }

  /** "ok", "failed", or "none" before the first reload. */
  public String lastReloadResult() {
    return lastReload.isEmpty() ? "none" : lastError.isPresent() ? "failed" : "ok";
  }
}
