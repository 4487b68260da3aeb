package org.gerritproxy.core.admin;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/** Which configuration is in force, since when, and why the last attempt to load one failed. */
public record ConfigStatus(Path file, Instant loadedAt, Optional<String> lastError) {}
