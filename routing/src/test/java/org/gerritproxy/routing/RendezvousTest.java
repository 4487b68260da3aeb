package org.gerritproxy.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RendezvousTest {

  private static final int KEYS = 10_000;

  private static List<Node> weighted(String weights) {
    List<Node> nodes = new ArrayList<>();
    String[] w = weights.split(",");
    for (int i = 0; i < w.length; i++) {
      nodes.add(Fixtures.node("gerrit-" + (i + 1), 0, Integer.parseInt(w[i]), AdminState.ACTIVE));
    }
    return nodes;
  }

  private static List<String> keys() {
    List<String> keys = new ArrayList<>(KEYS);
    for (int i = 0; i < KEYS; i++) {
      keys.add(i % 2 == 0 ? "user:user" + i : "addr:10.0." + (i / 256) + "." + (i % 256));
    }
    return keys;
  }

  private static Map<String, String> choices(List<String> keys, List<Node> nodes) {
    Map<String, String> out = new HashMap<>();
    for (String k : keys) {
      out.put(k, Rendezvous.rank(k, nodes).get(0).name());
    }
    return out;
  }

  @ParameterizedTest(name = "weights {0}")
  @ValueSource(strings = {"1,1", "1,1,1", "1,2,3", "1,1,1,1,1", "5,1", "10,3,2,1"})
  void eachNodeGetsItsWeightShareOfKeysWithinTenPercent(String weights) {
    List<Node> nodes = weighted(weights);
    int total = nodes.stream().mapToInt(Node::weight).sum();
    Map<String, Integer> counts = new HashMap<>();
    for (String node : choices(keys(), nodes).values()) {
      counts.merge(node, 1, Integer::sum);
    }

    for (Node n : nodes) {
      double expected = (double) KEYS * n.weight() / total;
      assertThat((double) counts.getOrDefault(n.name(), 0))
          .as("keys on %s (weight %d of %d)", n.name(), n.weight(), total)
          .isCloseTo(expected, within(expected * 0.10));
    }
  }

  @ParameterizedTest(name = "weights {0}")
  @ValueSource(strings = {"1,1,1", "1,2,3", "3,1,1,1"})
  void removingANodeMovesOnlyItsOwnKeys(String weights) {
    List<Node> nodes = weighted(weights);
    List<String> keys = keys();
    Map<String, String> before = choices(keys, nodes);
    for (Node gone : nodes) {
      List<Node> rest = new ArrayList<>(nodes);
      rest.remove(gone);
      Map<String, String> after = choices(keys, rest);
      for (String k : keys) {
        if (!before.get(k).equals(gone.name())) {
          assertThat(after.get(k)).as("key %s when %s leaves", k, gone.name()).isEqualTo(before.get(k));
        }
      }
    }
  }

  @Test
  void removingANodeSendsItsKeysToTheirFirstFallback() {
    List<Node> nodes = weighted("1,2,3");
    for (String k : keys().subList(0, 1000)) {
      List<Node> ranked = Rendezvous.rank(k, nodes);
      List<Node> rest = new ArrayList<>(nodes);
      rest.remove(ranked.get(0));

      assertThat(Rendezvous.rank(k, rest)).isEqualTo(ranked.subList(1, ranked.size()));
    }
  }

  @ParameterizedTest(name = "weights {0}, new node weight 2")
  @ValueSource(strings = {"1", "1,1", "1,2,3"})
  void addingANodeMovesKeysOnlyToTheNewNode(String weights) {
    List<Node> nodes = weighted(weights);
    List<String> keys = keys();
    Map<String, String> before = choices(keys, nodes);
    List<Node> more = new ArrayList<>(nodes);
    more.add(Fixtures.node("gerrit-new", 0, 2, AdminState.ACTIVE));
    Map<String, String> after = choices(keys, more);

    int moved = 0;
    for (String k : keys) {
      if (!after.get(k).equals(before.get(k))) {
        assertThat(after.get(k)).as("key %s", k).isEqualTo("gerrit-new");
        moved++;
      }
    }
    int total = more.stream().mapToInt(Node::weight).sum();
    assertThat((double) moved).isCloseTo(KEYS * 2.0 / total, within(KEYS * 2.0 / total * 0.10));
  }

  @Test
  void rankingIsDeterministicAndIgnoresCandidateOrder() {
    List<Node> nodes = weighted("1,2,3,1,1");
    Random random = new Random(42);
    for (String k : keys().subList(0, 2000)) {
      List<Node> first = Rendezvous.rank(k, nodes);
      List<Node> shuffled = new ArrayList<>(nodes);
      Collections.shuffle(shuffled, random);

      assertThat(Rendezvous.rank(k, nodes)).isEqualTo(first);
      assertThat(Rendezvous.rank(k, shuffled)).isEqualTo(first);
      assertThat(Rendezvous.rank(k, List.copyOf(nodes))).isEqualTo(first);
    }
  }

  @Test
  void rankingIsAPermutationOfTheCandidates() {
    List<Node> nodes = weighted("1,2,3,1,1");
    for (String k : keys().subList(0, 500)) {
      assertThat(Rendezvous.rank(k, nodes)).containsExactlyInAnyOrderElementsOf(nodes);
    }
  }

  @Test
  void hashDoesNotDependOnStringHashCode() {
    // "Aa" and "BB" share String.hashCode(); so do all strings built from those blocks.
    List<Node> nodes = weighted("1,1,1,1,1,1,1,1");
    String[] blocks = {"Aa", "BB"};
    int differ = 0;
    for (int i = 0; i < 256; i++) {
      StringBuilder a = new StringBuilder();
      StringBuilder b = new StringBuilder();
      for (int bit = 0; bit < 8; bit++) {
        a.append(blocks[(i >> bit) & 1]);
        b.append(blocks[((i >> bit) & 1) ^ 1]);
      }
      assertThat(a.toString().hashCode()).isEqualTo(b.toString().hashCode());
      if (!Rendezvous.rank(a.toString(), nodes).get(0).equals(Rendezvous.rank(b.toString(), nodes).get(0))) {
        differ++;
      }
    }
    assertThat(differ).isGreaterThan(150); // about 7/8 of 256 expected
  }

  @Test
  void keyAndNodeBoundariesDoNotBlur() {
    assertThat(Rendezvous.hash("ab", "c")).isNotEqualTo(Rendezvous.hash("a", "bc"));
    assertThat(Rendezvous.hash("", "abc")).isNotEqualTo(Rendezvous.hash("abc", ""));
  }

  @Test
  void scoresAreFinitePositiveAndGrowWithWeight() {
    for (String k : keys().subList(0, 1000)) {
      double one = Rendezvous.score(k, "gerrit-1", 1);
      double three = Rendezvous.score(k, "gerrit-1", 3);
      assertThat(one).isFinite().isPositive();
      assertThat(three).isEqualTo(one * 3, within(1e-9 * three));
    }
  }

  @Test
  void noCandidatesRankToNothing() {
    assertThat(Rendezvous.rank("user:jdoe", List.of())).isEmpty();
  }

  @Test
  void aSingleCandidateIsAlwaysChosen() {
    Node only = Fixtures.node("gerrit-1", 0);
    assertThat(Rendezvous.rank("anything", List.of(only))).containsExactly(only);
  }

  @Test
  void unicodeKeysAndNamesAreHashedAsUtf8() {
    List<Node> nodes = List.of(Fixtures.node("nœud-1", 0), Fixtures.node("nœud-2", 0));
    assertThat(Rendezvous.rank("user:jürgen", nodes)).isEqualTo(Rendezvous.rank("user:jürgen", nodes));
  }
}
