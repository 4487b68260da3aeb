package org.gerritproxy.core.config;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Every section and key the configuration file may hold, so that anything else (a typo above all)
 * is reported instead of silently ignored.
 */
final class KnownKeys {

  /**
   * @param name as documented (camelCase); matched case-insensitively, like git
   * @param repeatable may be given several times (each value counts)
   * @param secret may also stand in secure.config, which wins
   */
  record Key(String name, boolean repeatable, boolean secret) {}

  /**
   * @param named takes a subsection name ({@code [node "NAME"]}), and needs one
   */
  record Section(String name, boolean named, List<Key> keys) {
    Optional<Key> key(String name) {
      return keys.stream().filter(k -> k.name().equalsIgnoreCase(name)).findFirst();
    }

    List<String> keyNames() {
      return keys.stream().map(Key::name).toList();
    }
  }

  static final List<Section> SECTIONS =
      List.of(
          section("proxy", false, "name", "shutdownTimeout"),
          section(
              "httpd",
              false,
              "listenAddress",
              "sslCertificate",
              "sslKey",
              "maxHeaderSize",
              "headerTimeout",
              "idleTimeout",
              "connectTimeout",
              "nodeHeader"),
          new Section(
              "sshd",
              false,
              List.of(
                  plain("listenAddress"),
                  new Key("hostKey", true, false),
                  plain("peerKey"),
                  plain("keyCacheTtl"))),
          new Section("admin", false, List.of(plain("listenAddress"), secret("token"))),
          new Section("accounts", false, List.of(plain("user"), secret("password"))),
          section("node", true, "http", "ssh", "priority", "weight", "state"),
          section("routing", false, "writes", "readYourWrites"),
          section("election", false, "mode", "master", "zookeeper", "failback", "onFailover"),
          section("health", false, "interval", "timeout", "fall", "rise", "trafficFall", "path"),
          new Section(
              "backdoor",
              false,
              List.of(
                  plain("type"),
                  plain("url"),
                  plain("user"),
                  secret("password"),
                  plain("repository"),
                  plain("staleAfter"))));

  private KnownKeys() {}

  static Optional<Section> section(String name) {
    return SECTIONS.stream().filter(s -> s.name().equalsIgnoreCase(name)).findFirst();
  }

  static List<String> sectionNames() {
    return SECTIONS.stream().map(Section::name).toList();
  }

  static boolean isSecret(String section, String key) {
    return section(section).flatMap(s -> s.key(key)).map(Key::secret).orElse(false);
  }

  /** The sections, other than {@code except}, that have a key of that name. */
  static List<String> sectionsWithKey(String key, String except) {
    return SECTIONS.stream()
        .filter(s -> !s.name().equals(except) && s.key(key).isPresent())
        .map(Section::name)
        .toList();
  }

  /**
   * The candidate closest to {@code input} (case-insensitive), if it is close enough to be a typo.
   */
  static Optional<String> closest(String input, Collection<String> candidates) {
    String in = input.toLowerCase(Locale.ROOT);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : candidates) {
      int d = distance(in, c.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        best = c;
        bestDistance = d;
      }
    }
    int allowed = Math.max(1, Math.min(3, in.length() / 3));
    return bestDistance <= allowed ? Optional.of(best) : Optional.empty();
  }

  /** Levenshtein distance, with a swap of two neighbours counting as one edit. */
  private static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }

  private static Section section(String name, boolean named, String... keys) {
    return new Section(name, named, java.util.Arrays.stream(keys).map(KnownKeys::plain).toList());
  }

  private static Key plain(String name) {
    return new Key(name, false, false);
  }

  private static Key secret(String name) {
    return new Key(name, false, true);
  }
}
