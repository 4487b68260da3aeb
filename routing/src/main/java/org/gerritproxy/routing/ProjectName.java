package org.gerritproxy.routing;

import java.util.Optional;

/** Turns a repository path as clients write it ({@code /a/b.git/}) into Gerrit's project name. */
final class ProjectName {
  private ProjectName() {}

  /** Without leading or trailing slashes and without a {@code .git} suffix; empty if nothing is left. */
  static Optional<String> of(String repositoryPath) {
    String p = trimSlashes(repositoryPath);
    if (p.endsWith(".git")) {
      p = trimSlashes(p.substring(0, p.length() - 4));
    }
    return p.isEmpty() ? Optional.empty() : Optional.of(p);
  }

  static String trimSlashes(String s) {
    int b = 0;
    int e = s.length();
    while (b < e && s.charAt(b) == '/') {
      b++;
    }
    while (e > b && s.charAt(e - 1) == '/') {
      e--;
    }
    return s.substring(b, e);
  }
}
