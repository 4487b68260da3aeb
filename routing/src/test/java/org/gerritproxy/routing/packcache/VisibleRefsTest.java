package org.gerritproxy.routing.packcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** What a user's own ls-refs allows the cache to serve that user. */
class VisibleRefsTest {

  static final String A = FetchRequestTest.A;
  static final String B = FetchRequestTest.B;
  static final String C = FetchRequestTest.C;
  static final String T = "e".repeat(40);

  static FetchRequest fetch(String... extra) {
    List<String> l = new java.util.ArrayList<>(List.of("command=fetch", "0001"));
    l.addAll(List.of(extra));
    l.add("done");
    l.add("0000");
    return FetchRequest.parse("p", Pkt.of(l.toArray(String[]::new)));
  }

  @Test
  void servesOnlyWhenEveryWantIsAVisibleTipPeeledTagsIncluded() {
    VisibleRefs refs = VisibleRefs.parseLsRefs(Pkt.of(A + " HEAD symref-target:refs/heads/main",
        A + " refs/heads/main", T + " refs/tags/v1 peeled:" + B, "0000"));
    assertThat(refs.mayBeServed(fetch("want " + A))).isTrue();
    assertThat(refs.mayBeServed(fetch("want " + A, "want " + B))).as("peeled").isTrue();
    assertThat(refs.mayBeServed(fetch("want " + T))).as("the tag object").isTrue();
    assertThat(refs.mayBeServed(fetch("want " + A, "want " + C))).as("one unseen want").isFalse();
    assertThat(refs.mayBeServed(fetch("want " + C))).isFalse();
  }

  @Test
  void anEmptyAnswerServesNothing() {
    VisibleRefs none = VisibleRefs.parseLsRefs(Pkt.of("0000"));
    assertThat(none.mayBeServed(fetch("want " + A))).isFalse();
  }

  @Test
  void errorsAndCutAnswersAreNoAnswer() {
    assertThatThrownBy(() -> VisibleRefs.parseLsRefs(Pkt.of("ERR not found")))
        .hasMessageContaining("not found");
    assertThatThrownBy(() -> VisibleRefs.parseLsRefs(Pkt.of(A + " refs/heads/main")))
        .hasMessageContaining("flush-pkt");
    assertThatThrownBy(() -> VisibleRefs.parseLsRefs("<html>".getBytes()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void withIncludeTagTheVisibleTagsArePartOfTheEntryKey() {
    VisibleRefs oneTag = VisibleRefs.parseLsRefs(Pkt.of(A + " refs/heads/main",
        T + " refs/tags/v1 peeled:" + A, "0000"));
    VisibleRefs twoTags = VisibleRefs.parseLsRefs(Pkt.of(A + " refs/heads/main",
        T + " refs/tags/v1 peeled:" + A, C + " refs/tags/secret peeled:" + A, "0000"));
    VisibleRefs otherBranches = VisibleRefs.parseLsRefs(Pkt.of(A + " refs/heads/main",
        B + " refs/heads/other", T + " refs/tags/v1 peeled:" + A, "0000"));
    FetchRequest plain = fetch("want " + A);
    FetchRequest tags = fetch("want " + A, "include-tag");
    assertThat(oneTag.entryKey(plain)).isEqualTo(twoTags.entryKey(plain))
        .isEqualTo(plain.key());
    assertThat(oneTag.entryKey(tags)).isNotEqualTo(twoTags.entryKey(tags));
    assertThat(oneTag.entryKey(tags)).as("branches do not count")
        .isEqualTo(otherBranches.entryKey(tags));
  }

  /** The check's request: a v2 ls-refs with peel, in the client's object format, named by agent. */
  @Test
  void theChecksRequestIsAPeeledLsRefsInTheClientsObjectFormat() {
    FetchRequest r = FetchRequest.parse("p", VisibleRefs.lsRefsRequest("gerrit-proxy-pack-cache",
        Optional.of("object-format=sha256")));
    assertThat(r.command()).isEqualTo("ls-refs");
    assertThat(r.capabilities())
        .containsExactly("agent=gerrit-proxy-pack-cache", "object-format=sha256");
    assertThat(r.arguments()).containsExactly("peel");
    assertThat(r.objectFormat()).contains("object-format=sha256");
    assertThat(FetchRequest.parse("p", VisibleRefs.lsRefsRequest("a", Optional.empty()))
        .objectFormat()).isEmpty();
  }

  @Test
  void aNarrowedCheckIsAPeeledLsRefsOfTheNamedRefsOnly() {
    FetchRequest r = FetchRequest.parse("p", VisibleRefs.lsRefsRequest("a", Optional.empty(),
        new TreeSet<>(List.of("refs/heads/main", "refs/changes/01/1/1"))));
    assertThat(r.arguments()).containsExactly("peel", "ref-prefix refs/changes/01/1/1",
        "ref-prefix refs/heads/main");
  }

  /** What each want was last seen as, and what the check then asks about. */
  @Test
  void theCheckNamesTheRefsTheWantsWereSeenUnder() {
    Map<String, Set<String>> seen = Map.of(
        A, Set.of("refs/heads/main", "HEAD"),
        B, Set.of("refs/changes/01/1/1"),
        T, Set.of("refs/tags/v1"));
    record Row(FetchRequest fetch, Optional<List<String>> asked) {}
    List<Row> table = List.of(
        new Row(fetch("want " + A), Optional.of(List.of("HEAD", "refs/heads/main"))),
        new Row(fetch("want " + A, "want " + B),
            Optional.of(List.of("HEAD", "refs/changes/01/1/1", "refs/heads/main"))),
        // One want never seen: every ref.
        new Row(fetch("want " + A, "want " + C), Optional.empty()),
        // include-tag: the answer depends on every visible tag, so all of them are asked.
        new Row(fetch("want " + B, "include-tag"),
            Optional.of(List.of("refs/changes/01/1/1", "refs/tags/"))),
        new Row(fetch("want " + T, "include-tag"), Optional.of(List.of("refs/tags/"))),
        new Row(fetch("want " + T), Optional.of(List.of("refs/tags/v1"))));
    for (Row row : table) {
      assertThat(VisibleRefs.checkPrefixes(row.fetch(), seen::get).map(List::copyOf))
          .as("%s", row.fetch().wants()).isEqualTo(row.asked());
    }
    Set<String> many = new TreeSet<>();
    for (int i = 0; i <= VisibleRefs.MAX_NAMED_REFS; i++) {
      many.add("refs/heads/b" + i);
    }
    assertThat(VisibleRefs.checkPrefixes(fetch("want " + A), w -> many)).as("too many").isEmpty();
  }

  @Test
  void namesByTipHasTagsUnderBothIdsAndNoUnbornHead() {
    VisibleRefs refs = VisibleRefs.parseLsRefs(Pkt.of("unborn HEAD symref-target:refs/heads/x",
        A + " refs/heads/main", A + " refs/heads/copy", T + " refs/tags/v1 peeled:" + B, "0000"));
    assertThat(refs.namesByTip()).isEqualTo(Map.of(
        A, new TreeSet<>(List.of("refs/heads/copy", "refs/heads/main")),
        T, new TreeSet<>(List.of("refs/tags/v1")),
        B, new TreeSet<>(List.of("refs/tags/v1"))));
  }

  /**
   * Names learnt from an answer lose nothing: the check narrowed to them (Gerrit's answer then
   * holds the named refs only) serves exactly what the whole answer serves, include-tag's key
   * included.
   */
  @Property
  void aCheckNarrowedByNamesFromTheSameRefsDecidesAsTheWholeAnswer(
      @ForAll @Size(min = 1, max = 12) List<@IntRange(min = 0, max = 5) Integer> refTips,
      @ForAll @Size(min = 1, max = 3) List<@IntRange(min = 0, max = 6) Integer> wanted,
      @ForAll boolean includeTag) {
    List<String> ids = List.of(A, B, C, T, "1".repeat(40), "2".repeat(40), "3".repeat(40));
    List<String> lines = new java.util.ArrayList<>();
    for (int i = 0; i < refTips.size(); i++) {
      String name = i % 3 == 0 ? "refs/tags/t" + i : "refs/heads/b" + i;
      lines.add(ids.get(refTips.get(i)) + " " + name);
    }
    lines.add("0000");
    VisibleRefs whole = VisibleRefs.parseLsRefs(Pkt.of(lines.toArray(String[]::new)));
    List<String> args = new java.util.ArrayList<>();
    wanted.forEach(w -> args.add("want " + ids.get(w)));
    if (includeTag) {
      args.add("include-tag");
    }
    FetchRequest request = fetch(args.toArray(String[]::new));
    Optional<SortedSet<String>> asked =
        VisibleRefs.checkPrefixes(request, whole.namesByTip()::get);
    assertThat(asked.isPresent()).as("named when every want is a tip")
        .isEqualTo(whole.mayBeServed(request));
    asked.ifPresent(prefixes -> {
      List<String> narrowed = new java.util.ArrayList<>();
      whole.refs().forEach((name, seen) -> {
        if (prefixes.stream().anyMatch(name::startsWith)) {
          narrowed.add(seen + " " + name);
        }
      });
      narrowed.add("0000");
      VisibleRefs answer = VisibleRefs.parseLsRefs(Pkt.of(narrowed.toArray(String[]::new)));
      assertThat(answer.mayBeServed(request)).isTrue();
      assertThat(answer.entryKey(request)).isEqualTo(whole.entryKey(request));
    });
  }
}
