package org.gerritproxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import org.eclipse.jgit.errors.ConfigInvalidException;
import org.eclipse.jgit.lib.Config;

/**
 * Our lexer reads what JGit's {@link Config} reads: for any text JGit accepts, the same sections,
 * subsections and keys, each with the same values in the same order. JGit is the oracle, since
 * Gerrit reads its own config files with it.
 */
class LineIndexPropertiesTest {

  private static final List<String> HEADERS =
      List.of(
          "[proxy]", "[Proxy]", "[httpd]", "[node \"gerrit-1\"]", "[node \"Gerrit-1\"]",
          "[node \"a\\\"b\"]", "[node \"a\\\\b\"]", "[node \"sp ace\"]", "[ a ]", "[a.b]",
          "[proxy] ; comment", "[proxy] # comment", "[x-y]", "[node \"\"]");

  private static final List<String> NAMES =
      List.of("name", "Name", "key", "k-1", "a1", "x");

  private static final List<String> VALUE_PIECES =
      List.of(
          "", " ", "  ", "\t", "a", "b c", "1s", "\"", "\"q\"", "\" in quotes \"", "\\\"",
          "\\\\", "\\n", "\\t", "\\b", " ; comment", " # comment", ";", "#", "\"#\"", "\";\"",
          "\\\n", "\\\r\n", "日本", "x  y", "=", "[", "]", "\r");

  @Property(shrinking = ShrinkingMode.BOUNDED)
  void valuesAndKeysAreJGits(@ForAll("configText") String text) {
    Config jgit = new Config();
    try {
      jgit.fromText(text);
    } catch (ConfigInvalidException e) {
      Assume.that(false);
      return;
    }
    LineIndex ours = LineIndex.of(text);

    Set<String> sections = new LinkedHashSet<>();
    ours.headers().forEach(h -> sections.add(h.section()));
    // Section and key names are case-insensitive: JGit keeps the first spelling, we lower case.
    Set<String> jgitSections = new LinkedHashSet<>();
    jgit.getSections().forEach(s -> jgitSections.add(s.toLowerCase(java.util.Locale.ROOT)));
    assertThat(sections).as("sections").containsExactlyInAnyOrderElementsOf(jgitSections);

    for (String section : jgitSections) {
      Set<String> subsections = new LinkedHashSet<>();
      ours.headers().stream()
          .filter(h -> h.section().equals(section) && h.subsection() != null)
          .forEach(h -> subsections.add(h.subsection()));
      assertThat(subsections)
          .as("subsections of " + section)
          .containsExactlyInAnyOrderElementsOf(jgit.getSubsections(section));
      List<String> subs = new java.util.ArrayList<>(jgit.getSubsections(section));
      subs.add(null);
      for (String sub : subs) {
        Set<String> names = new LinkedHashSet<>();
        ours.entries().stream()
            .filter(e -> e.in(section, sub))
            .forEach(e -> names.add(e.key()));
        Set<String> jgitNames = new LinkedHashSet<>();
        // A line " = x" is a key without a name to JGit; the lexer skips it, as it always has
        // (the loader never saw it, so it never was an "unknown key" either).
        (sub == null ? jgit.getNames(section) : jgit.getNames(section, sub))
            .stream()
            .filter(k -> !k.isEmpty())
            .forEach(k -> jgitNames.add(k.toLowerCase(java.util.Locale.ROOT)));
        assertThat(names).as("keys of " + section + "." + sub)
            .containsExactlyInAnyOrderElementsOf(jgitNames);
        for (String name : names) {
          List<String> expected =
              Arrays.stream(jgit.getStringList(section, sub, name))
                  .map(v -> v == null ? "" : v)
                  .toList();
          assertThat(ours.entries(section, sub, name))
              .extracting(LineIndex.Entry::value)
              .as("values of " + section + "." + sub + "." + name)
              .containsExactlyElementsOf(expected);
        }
      }
    }
  }

  @Provide
  Arbitrary<String> configText() {
    Arbitrary<String> value =
        Arbitraries.of(VALUE_PIECES).list().ofMaxSize(4).map(l -> String.join("", l));
    Arbitrary<String> entry =
        Arbitraries.oneOf(
            net.jqwik.api.Combinators.combine(
                    Arbitraries.of("", "  ", "\t"),
                    Arbitraries.of(NAMES),
                    Arbitraries.of(" = ", "=", " =", "= "),
                    value)
                .as((indent, name, eq, v) -> indent + name + eq + v),
            Arbitraries.of(NAMES).map(n -> "  " + n),
            Arbitraries.of("# a comment", "; a comment", "", "   "));
    Arbitrary<String> section =
        net.jqwik.api.Combinators.combine(Arbitraries.of(HEADERS), entry.list().ofMaxSize(5))
            .as((header, entries) -> header + "\n" + String.join("\n", entries));
    return section.list().ofMinSize(1).ofMaxSize(4).map(l -> String.join("\n", l) + "\n");
  }
}
