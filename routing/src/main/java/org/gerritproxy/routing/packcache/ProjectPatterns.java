package org.gerritproxy.routing.packcache;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The projects whose fetches the pack cache may answer, written as Gerrit writes project patterns
 * in its own configuration: an exact name, a prefix ending in {@code *} ({@code tools/*}), or a
 * regular expression starting with {@code ^}.
 *
 * @param patterns as configured, in order
 */
public record ProjectPatterns(List<String> patterns) {

  public ProjectPatterns {
    patterns = List.copyOf(patterns);
    for (String p : patterns) {
      problem(p).ifPresent(m -> {
        throw new IllegalArgumentException(m);
      });
    }
  }

  public static final ProjectPatterns NONE = new ProjectPatterns(List.of());

  /** What is wrong with {@code pattern}, or empty when it is usable. */
  public static Optional<String> problem(String pattern) {
    if (pattern.isBlank()) {
      return Optional.of("an empty project pattern: write a name, a prefix like tools/*, or ^regex");
    }
    if (pattern.startsWith("^")) {
      try {
        Pattern.compile(pattern);
      } catch (PatternSyntaxException e) {
        return Optional.of("'" + pattern + "' is not a regular expression: "
            + e.getDescription());
      }
    }
    return Optional.empty();
  }

  public boolean matches(String project) {
    for (String p : patterns) {
      if (p.startsWith("^") ? Pattern.compile(p).matcher(project).matches()
          : p.endsWith("*") ? project.startsWith(p.substring(0, p.length() - 1))
          : p.equals(project)) {
        return true;
      }
    }
    return false;
  }

  public boolean isEmpty() {
    return patterns.isEmpty();
  }
}
