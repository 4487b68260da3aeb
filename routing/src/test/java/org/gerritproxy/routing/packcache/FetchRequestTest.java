package org.gerritproxy.routing.packcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** A v2 fetch request read into its canonical form, its key, and whether a cache may answer it. */
class FetchRequestTest {

  static final String A = "a".repeat(40);
  static final String B = "b".repeat(40);
  static final String C = "c".repeat(40);

  static List<String> typical() {
    return List.of("command=fetch", "agent=git/2.43.0", "object-format=sha1", "0001",
        "thin-pack", "no-progress", "ofs-delta", "want " + A, "want " + B, "have " + C, "done",
        "0000");
  }

  static FetchRequest parse(List<String> lines) {
    return FetchRequest.parse("p", Pkt.of(lines.toArray(String[]::new)));
  }

  @Test
  void readsCommandCapabilitiesWantsHavesAndArguments() {
    FetchRequest r = parse(typical());
    assertThat(r.command()).isEqualTo("fetch");
    assertThat(r.capabilities()).containsExactly("agent=git/2.43.0", "object-format=sha1");
    assertThat(r.wants()).containsExactly(A, B);
    assertThat(r.haves()).containsExactly(C);
    assertThat(r.arguments()).containsExactly("done", "no-progress", "ofs-delta", "thin-pack");
    assertThat(r.uncacheableBecause()).isEmpty();
  }

  @Test
  void theAgentDoesNotCountButEveryOtherLineDoes() {
    String base = parse(typical()).key();
    List<String> otherAgent = new ArrayList<>(typical());
    otherAgent.set(1, "agent=JGit/6.9");
    assertThat(parse(otherAgent).key()).isEqualTo(base);
    for (int i = 2; i < typical().size() - 1; i++) {
      List<String> without = new ArrayList<>(typical());
      String removed = without.remove(i);
      if (!removed.equals("0001")) {
        assertThat(parse(without).key()).as("without %s", removed).isNotEqualTo(base);
      }
    }
    assertThat(FetchRequest.parse("q", Pkt.of(typical().toArray(String[]::new))).key())
        .as("another project").isNotEqualTo(base);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "command=ls-refs;0001;peel;0000                     | command ls-refs is not fetch",
      "command=fetch;0001;ofs-delta;done;0000             | no want",
      "command=fetch;0001;want AAAA;have CCCC;0000        |",
      "command=fetch;0001;want-ref refs/heads/main;want AAAA;done;0000 | argument want-ref",
      "command=fetch;0001;want AAAA;wait-for-done;done;0000 | argument wait-for-done",
      "command=fetch;0001;want AAAA;packfile-uris https;done;0000 | argument packfile-uris",
      "command=fetch;bundle-uri;0001;want AAAA;done;0000  | capability bundle-uri",
      "command=fetch;0001;want main;done;0000             | want main is not an object id",
      "command=fetch;0001;want AAAA;have HEAD;done;0000   | have HEAD is not an object id",
      "command=fetch;0001;want AAAA;include-tag;deepen 1;filter blob:none;sideband-all;done;0000 |",
  })
  void cacheableOnlyWhenTheAnswerIsAFunctionOfTheRequest(String lines, String reason) {
    List<String> l = List.of(lines.replace("AAAA", A).replace("CCCC", C).split(";"));
    assertThat(parse(l).uncacheableBecause().orElse(null)).isEqualTo(reason);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "0008done            | does not start with command=",
      "0000                | names no command",
      "0012command=fetch\\n | does not end with a flush-pkt",
      "0012command=fetch\\n00000000 | bytes follow",
      "zzzz                | no hex length",
      "0100command=fetch\\n | claims 256 bytes",
      "000bwant x\\n0000    | does not start with command=",
      "0012command=fetch\\n000100010000 | a second delim-pkt",
  })
  void malformedBodiesAreRefusedWithAReason(String body, String message) {
    byte[] b = body.replace("\\n", "\n").getBytes();
    assertThatThrownBy(() -> FetchRequest.parse("p", b))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
  }

  @Property
  void theOrderOfLinesDoesNotChangeTheKey(@ForAll long seed) {
    List<String> caps = new ArrayList<>(typical().subList(1, 3));
    List<String> args = new ArrayList<>(typical().subList(4, typical().size() - 1));
    Random r = new Random(seed);
    Collections.shuffle(caps, r);
    Collections.shuffle(args, r);
    List<String> shuffled = new ArrayList<>();
    shuffled.add("command=fetch");
    shuffled.addAll(caps);
    shuffled.add("0001");
    shuffled.addAll(args);
    shuffled.add("0000");
    assertThat(parse(shuffled).key()).isEqualTo(parse(typical()).key());
  }

  @Property
  void differentWantsNeverShareAKey(@ForAll("ids") List<String> wants1,
      @ForAll("ids") List<String> wants2) {
    FetchRequest one = withWants(wants1);
    FetchRequest two = withWants(wants2);
    assertThat(one.key().equals(two.key())).isEqualTo(one.wants().equals(two.wants()));
  }

  @net.jqwik.api.Provide
  net.jqwik.api.Arbitrary<List<String>> ids() {
    return net.jqwik.api.Arbitraries.of(A, B, C, "d".repeat(40)).list().ofMinSize(1).ofMaxSize(4);
  }

  private static FetchRequest withWants(List<String> wants) {
    List<String> l = new ArrayList<>(List.of("command=fetch", "0001"));
    wants.forEach(w -> l.add("want " + w));
    l.add("done");
    l.add("0000");
    return parse(l);
  }
}
