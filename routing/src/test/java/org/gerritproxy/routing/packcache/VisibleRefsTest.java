package org.gerritproxy.routing.packcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
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
}
