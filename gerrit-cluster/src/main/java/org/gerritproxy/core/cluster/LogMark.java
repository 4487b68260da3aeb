package org.gerritproxy.core.cluster;

import java.nio.file.Path;

/** A point in one node's log file: {@link NodeLog#since} reads only what was written after it. */
public record LogMark(Path file, long offset) {}
