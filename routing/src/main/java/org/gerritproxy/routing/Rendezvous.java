package org.gerritproxy.routing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Weighted rendezvous (highest-random-weight) hashing: every proxy ranks the same nodes the same
 * way for the same session key, with no shared state, and removing a node moves only the keys it
 * held. A node's share of keys is proportional to its weight.
 *
 * <p>The hash is FNV-1a over the UTF-8 bytes of key and node name, finished with the SplitMix64
 * mixer: fixed by this code, so identical in every JVM, process and version of Java.
 */
public final class Rendezvous {

  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private Rendezvous() {}

  /**
   * Candidates ordered best first: the first is the choice, the rest are fallbacks in order. Score
   * {@code -weight / ln(u)} with {@code u} in (0,1) from the hash; ties go to the smaller name.
   */
  public static List<Node> rank(String key, Collection<Node> candidates) {
    Objects.requireNonNull(key, "key");
    record Scored(Node node, double score) {}
    List<Scored> scored = new ArrayList<>(candidates.size());
    for (Node n : candidates) {
      scored.add(new Scored(n, score(key, n.name(), n.weight())));
    }
    scored.sort(
        Comparator.comparingDouble(Scored::score)
            .reversed()
            .thenComparing(s -> s.node().name()));
    List<Node> out = new ArrayList<>(scored.size());
    for (Scored s : scored) {
      out.add(s.node());
    }
    return List.copyOf(out);
  }

  static double score(String key, String node, int weight) {
    long h = hash(key, node);
    // 53 random bits, centred in their interval so u is never 0 nor 1 (ln would be -inf or 0).
    double u = ((h >>> 11) + 0.5) * 0x1.0p-53;
    return -weight / Math.log(u);
  }

  static long hash(String key, String node) {
    long h = FNV_OFFSET;
    h = fnv(h, key.getBytes(StandardCharsets.UTF_8));
    // 0xFF never occurs in UTF-8, so ("ab","c") and ("a","bc") hash apart.
    h = (h ^ 0xFF) * FNV_PRIME;
    h = fnv(h, node.getBytes(StandardCharsets.UTF_8));
    return mix(h);
  }

  private static long fnv(long h, byte[] bytes) {
    for (byte b : bytes) {
      h ^= (b & 0xFF);
      h *= FNV_PRIME;
    }
    return h;
  }

  /** SplitMix64's finalizer: FNV alone barely spreads the last bytes, the node name. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
