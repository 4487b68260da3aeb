package org.gerritproxy.core.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The problems found while loading, kept in file order: the files in the order they were named
 * here, by line within each, problems of a whole file (line 0) after those of its lines.
 */
final class Problems {

  private final List<Path> files;
  private final List<ConfigProblem> found = new ArrayList<>();

  Problems(Path... files) {
    this.files = List.of(files);
  }

  void add(Path file, int line, String message) {
    found.add(new ConfigProblem(file, line, message));
  }

  boolean isEmpty() {
    return found.isEmpty();
  }

  List<ConfigProblem> inFileOrder() {
    List<ConfigProblem> sorted = new ArrayList<>(found);
    sorted.sort(
        Comparator.comparingInt((ConfigProblem p) -> fileRank(p.file()))
            .thenComparingInt(p -> p.line() == 0 ? Integer.MAX_VALUE : p.line()));
    return List.copyOf(sorted);
  }

  private int fileRank(Path file) {
    int i = files.indexOf(file);
    return i < 0 ? files.size() : i;
  }
}
