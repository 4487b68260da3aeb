package org.gerritproxy.routing.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RefTargetTest {
  private static final String A = "a".repeat(40);
  private static final String B = "b".repeat(40);
  private static final String C = "c".repeat(40);
  private static final String Z = RefTarget.ZERO_ID;
  /** What a node advertises in these examples: change 2's NoteDb ref has not arrived yet. */
  private static final Map<String, String> NODE = Map.of(
      "refs/heads/main", A, "refs/changes/01/1/1", B, "refs/changes/01/1/meta", A,
      "refs/changes/02/2/1", C);


  @ParameterizedTest(name = "{0} -> {1}: met {2}")
  @CsvSource(delimiter = '|', textBlock = """
      refs/heads/main          | A | true
      refs/heads/main          | B | false
      refs/heads/other         | A | false
      refs/heads/other         | Z | true
      refs/heads/main          | Z | false
      refs/for/main            | B | true
      refs/for/main%topic=x    | B | true
      refs/for/main            | D | false
      refs/changes/01/1/1      | B | true
      refs/changes/02/2/1      | C | false
      refs/for/main            | C | false
      """)
  void aNodeHasAnUpdateWhenItsAdvertisementShowsIt(String ref, String id, boolean met) {
    String newId = switch (id) {
      case "A" -> A;
      case "B" -> B;
      case "Z" -> Z;
      case "C" -> C;
      default -> "d".repeat(40);
    };
    assertThat(new RefTarget(ref, newId).metBy(NODE)).isEqualTo(met);
  }

  @org.junit.jupiter.api.Test
  void withoutAnyNoteDbRefInSightThePatchSetRefAloneDecides() {
    assertThat(new RefTarget("refs/for/main", C).metBy(Map.of("refs/changes/02/2/1", C))).isTrue();
  }

  @ParameterizedTest
  @CsvSource({"HEAD, " + "0000000000000000000000000000000000000000", "refs/heads/x, abc",
      "refs/heads/x, AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})
  void refusesWhatIsNoRefUpdate(String ref, String id) {
    assertThatThrownBy(() -> new RefTarget(ref, id)).isInstanceOf(IllegalArgumentException.class);
  }
}
