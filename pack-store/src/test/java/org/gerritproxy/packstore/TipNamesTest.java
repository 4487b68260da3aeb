package org.gerritproxy.packstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.List;
import org.gerritproxy.routing.git.PktLines;
import org.gerritproxy.routing.packcache.FetchRequest;
import org.gerritproxy.routing.packcache.VisibleRefs;
import org.junit.jupiter.api.Test;

/** The names a check asks about: learnt from answers, forgotten when Gerrit no longer shows them. */
class TipNamesTest {
  static final String A = "a".repeat(40);
  static final String B = "b".repeat(40);

  static byte[] pkt(String... lines) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String l : lines) {
      out.writeBytes(switch (l) {
        case "0000" -> PktLines.FLUSH;
        case "0001" -> PktLines.DELIM;
        default -> PktLines.data(l + "\n");
      });
    }
    return out.toByteArray();
  }

  static VisibleRefs answer(String... lines) {
    String[] all = java.util.Arrays.copyOf(lines, lines.length + 1);
    all[lines.length] = "0000";
    return VisibleRefs.parseLsRefs(pkt(all));
  }

  static FetchRequest fetch(String project, String... wants) {
    List<String> l = new java.util.ArrayList<>(List.of("command=fetch", "0001"));
    for (String w : wants) {
      l.add("want " + w);
    }
    l.add("done");
    l.add("0000");
    return FetchRequest.parse(project, pkt(l.toArray(String[]::new)));
  }

  @Test
  void aClientsLsRefsNamesTheTipsItsFetchWantsInThatProjectOnly() {
    TipNames names = new TipNames(100);
    assertThat(names.checkPrefixes(fetch("p", A))).as("never seen: every ref").isEmpty();
    names.learn("p", answer(A + " refs/changes/01/1/1"));
    assertThat(names.checkPrefixes(fetch("p", A))).containsExactly("refs/changes/01/1/1");
    assertThat(names.checkPrefixes(fetch("q", A))).as("another project").isEmpty();
    assertThat(names.checkPrefixes(fetch("p", A, B))).as("one want unseen").isEmpty();
  }

  @Test
  void aCheckThatShowsNoTipUnderTheNamesForgetsThemAndOneThatDoesLearnsThem() {
    TipNames names = new TipNames(100);
    names.learn("p", answer(A + " refs/heads/feature"));
    // The branch moved on; the check asked about it and Gerrit shows another id there.
    names.checked(fetch("p", A), answer(B + " refs/heads/feature"));
    assertThat(names.namesOf("p", A)).isEmpty();
    assertThat(names.checkPrefixes(fetch("p", A))).as("so the next check asks everything")
        .isEmpty();
    // That full check shows the id under another name: the next check asks about that one.
    names.checked(fetch("p", A), answer(B + " refs/heads/feature", A + " refs/heads/release"));
    assertThat(names.namesOf("p", A)).containsExactly("refs/heads/release");
    assertThat(names.namesOf("p", B)).as("only the wants are learnt from a check").isEmpty();
  }

  @Test
  void namesAddUpToABoundAndTipsAreBounded() {
    TipNames names = new TipNames(100);
    for (int i = 0; i < 2 * TipNames.MAX_NAMES_PER_TIP; i++) {
      names.learn("p", answer(A + " refs/heads/b" + i));
    }
    assertThat(names.namesOf("p", A)).hasSize(TipNames.MAX_NAMES_PER_TIP)
        .contains("refs/heads/b" + (2 * TipNames.MAX_NAMES_PER_TIP - 1));

    TipNames few = new TipNames(10);
    for (int i = 0; i < 1000; i++) {
      few.learn("p", answer(String.format("%040x", i) + " refs/heads/b" + i));
    }
    long kept = 0;
    for (int i = 0; i < 1000; i++) {
      kept += few.namesOf("p", String.format("%040x", i)).isEmpty() ? 0 : 1;
    }
    assertThat(kept).isLessThanOrEqualTo(10);
  }

  @Test
  void anAnswerAsItPassedIsReadUnlessItIsTooLargeOrNotAnLsRefsAnswer() {
    TipNames names = new TipNames(100);
    assertThat(names.learn("p", pkt(A + " refs/heads/main", "0000"))).isTrue();
    assertThat(names.namesOf("p", A)).containsExactly("refs/heads/main");

    assertThat(names.learn("p", "not pkt-lines at all".getBytes(
        java.nio.charset.StandardCharsets.US_ASCII))).as("garbage is left alone").isFalse();

    // A clone's every branch: over the bound, so not read at all (not even its first refs).
    List<String> many = new java.util.ArrayList<>();
    for (int i = 0; many.size() * 60 <= TipNames.MAX_ANSWER_READ; i++) {
      many.add(B + " refs/heads/branch-" + i);
    }
    many.add("0000");
    byte[] large = pkt(many.toArray(String[]::new));
    assertThat(large.length).isGreaterThan(TipNames.MAX_ANSWER_READ);
    assertThat(names.learn("p", large)).isFalse();
    assertThat(names.namesOf("p", B)).isEmpty();
  }
}
