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
import net.jqwik.api.statistics.Statistics;
import org.eclipse.jgit.errors.ConfigInvalidException;
import org.eclipse.jgit.lib.Config;

/**
 * Our lexer reads what JGit's {@link Config} reads: for any text JGit accepts, the same sections,
 * subsections and keys, each with the same values in the same order; it refuses exactly the texts
 * JGit refuses, and blames the line that parsing ever longer prefixes with JGit finds. JGit is the
 * oracle, since Gerrit reads its own config files with it.
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
    assertReadsAsJGit(LineIndex.of(text), jgit);
  }

  @Property(shrinking = ShrinkingMode.BOUNDED)
  void refusesWhatJGitRefusesOnTheLineItStumblesOn(@ForAll("anyText") String text) {
    Config jgit = new Config();
    boolean refused;
    try {
      jgit.fromText(text);
      refused = false;
    } catch (ConfigInvalidException e) {
      refused = true;
    }
    LineIndex ours = LineIndex.of(text);

    if (refused) {
      Statistics.collect("refused");
      assertThat(ours.syntaxError()).as("the line of the syntax error").hasValue(prefixSearch(text));
    } else {
      Statistics.collect("accepted");
      assertThat(ours.syntaxError()).as("the line of the syntax error").isEmpty();
      assertReadsAsJGit(ours, jgit);
    }
  }

  /**
   * The line JGit stumbles on, as the loader found it before the lexer did: parse ever longer
   * prefixes of whole lines; the first prefix that fails ends with the line to blame.
   */
  private static int prefixSearch(String text) {
    int line = 0;
    int from = 0;
    while (from < text.length()) {
      int eol = text.indexOf('\n', from);
      int end = eol < 0 ? text.length() : eol + 1;
      line++;
      try {
        new Config().fromText(text.substring(0, end));
      } catch (ConfigInvalidException e) {
        return line;
      }
      from = end;
    }
    return 0;
  }

  private static void assertReadsAsJGit(LineIndex ours, Config jgit) {
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

  /**
   * Near misses of git-config, line by line: each JGit refusal (a bad header, a bad key, a bad
   * escape, a newline in quotes, a key before any section, an unfinished [include]), the
   * constructs that run on to the next line, CR, and text without a final newline.
   */
  private static final List<String> LINES =
      List.of(
          "[a]", "[node \"x\"]", "[node \"x\" ]", "[node\t\"x\"]", "[a b]", "[a", "[a]]", "[]",
          "[a.b-c]", "[a_b]", "[node \"x\\", "[node \"x\\\\\"]", "[node \"\\y\"]", "[node \"x",
          "[include]", "[Include]", "  path = p", "path = \\", "path =", "path", "other = x",
          "k = v", "k=v", "k", "  k ", "k ;c", "k = \"a", "k = \"a\\", "k = a\\", "k = a \\",
          "k = \\q", "k = \\\r", "k = a\\\r", "k = \"x\" y ", "k\r", "k \r= v", "k = v\r",
          "k-1 = 2", "k_1 = 2", "k.1 = 2", "= v", " = ", "日本 = x", "k = 日本", "# c", "; c",
          "", "  ", "\t", "\r", "\\", "\"", "=", "]", "x y = z", "k = ; c", "k = \"; c\"");

  @Provide
  Arbitrary<String> anyText() {
    Arbitrary<String> line =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(12, Arbitraries.of(LINES)),
            net.jqwik.api.Tuple.of(
                1, Arbitraries.strings().withChars("[]\"\\=;# \t\r\nak.-").ofMaxLength(8)));
    return Arbitraries.oneOf(
        // Half start in a section, so that keys are read rather than refused at once.
        line.list().ofMaxSize(8).map(l -> "[a]\n" + String.join("\n", l)),
        line.list().ofMaxSize(8).map(l -> String.join("\n", l)),
        line.list().ofMaxSize(8).map(l -> "[include]\n" + String.join("\n", l) + "\n"));
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
