package org.gerritproxy.core.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

/**
 * Ref lock files ({@code refs/…​.lock}, {@code packed-refs.lock}) that a Gerrit killed with
 * {@code kill -9} in the middle of a ref update leaves in the shared git directory. Until they are
 * removed, every push to that ref is rejected with "failed to lock", on every node: an operator
 * removes them after a crash, and the soak does the same once every node is back.
 */
final class StaleRefLocks {
  private StaleRefLocks() {}

  /** Removes ref locks under {@code gitDir} older than {@code age}; returns what it removed. */
  static List<Path> remove(Path gitDir, Duration age) throws IOException {
    Instant before = Instant.now().minus(age);
    try (Stream<Path> files = Files.walk(gitDir)) {
      List<Path> stale = files
          .filter(f -> f.getFileName().toString().endsWith(".lock"))
          .filter(f -> isRefLock(gitDir, f))
          .filter(f -> modifiedBefore(f, before))
          .toList();
      for (Path f : stale) {
        Files.deleteIfExists(f);
      }
      return stale;
    }
  }

  private static boolean isRefLock(Path gitDir, Path lock) {
    Path inRepo = gitDir.relativize(lock);
    return inRepo.getNameCount() >= 2
        && (inRepo.getName(1).toString().equals("refs")
            || inRepo.getName(1).toString().equals("packed-refs.lock"));
  }

  private static boolean modifiedBefore(Path f, Instant before) {
    try {
      FileTime t = Files.getLastModifiedTime(f);
      return t.toInstant().isBefore(before);
    } catch (IOException e) {
      return false; // gone already
    }
  }
}
