package org.gerritproxy.core.config;

import java.util.List;
import java.util.stream.Collectors;

/** A configuration that cannot be used, with every problem found in it (never only the first). */
public final class ConfigException extends Exception {

  private final List<ConfigProblem> problems;

  public ConfigException(List<ConfigProblem> problems) {
    super(
        problems.stream().map(ConfigProblem::toString).collect(Collectors.joining("\n")),
        null,
        false,
        false);
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("a ConfigException needs at least one problem");
    }
    this.problems = List.copyOf(problems);
  }

  /**
   * Every problem, in file order: proxy.config's, then secure.config's; by line within each file,
   * then those of the file as a whole (line 0).
   */
  public List<ConfigProblem> problems() {
    return problems;
  }
}
