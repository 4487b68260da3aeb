package org.gerritproxy.routing.packcache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Project patterns as Gerrit writes them: exact, prefix*, ^regex. */
class ProjectPatternsTest {

  @ParameterizedTest
  @CsvSource({
      "platform/build, platform/build, true",
      "platform/build, platform/build2, false",
      "platform/*,     platform/build, true",
      "platform/*,     platformx, false",
      "*,              anything, true",
      "'^ci-.*$',      ci-tools, true",
      "'^ci-.*$',      my-ci-tools, false",
  })
  void matches(String pattern, String project, boolean expected) {
    assertThat(new ProjectPatterns(List.of(pattern)).matches(project)).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"'^ci-(',  not a regular expression", "' ', an empty project pattern"})
  void badPatternsSayWhy(String pattern, String message) {
    assertThat(ProjectPatterns.problem(pattern)).get().asString().contains(message);
  }
}
