package org.gerritproxy.fence;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@code [plugin "fence"]} in the node's {@code etc/gerrit.config}:
 *
 * <pre>
 * [plugin "fence"]
 *   node = gerrit-1                                # this node's name in the proxy's [node "…"]
 *   repository = /shared/git/All-Projects.git      # the proxies' [backdoor] repository
 *   ref = refs/meta/gerrit-proxy/master            # the default
 *   # or, for a jdbc backdoor, instead of repository (password may live in secure.config):
 *   # url = jdbc:postgresql://db/gerrit
 *   # user = gerrit
 *   refresh = 1s                                   # the default
 *   failClosedAfter = 30s                          # the default
 * </pre>
 */
record FenceSettings(String node, Optional<Path> repository, String ref, Optional<String> url,
    Optional<String> user, Optional<String> password, Duration refresh, Duration failClosedAfter) {
  static final String DEFAULT_REF = "refs/meta/gerrit-proxy/master";
  static final Duration DEFAULT_REFRESH = Duration.ofSeconds(1);
  static final Duration DEFAULT_FAIL_CLOSED_AFTER = Duration.ofSeconds(30);

  /**
   * Reads the settings through {@code get} (key to value, null when unset).
   *
   * @throws IllegalArgumentException with a sentence naming the key, when one is missing or bad
   */
  static FenceSettings read(Function<String, String> get) {
    String node = required(get, "node", "this node's name, as the proxy's [node \"NAME\"] calls it");
    Optional<String> repository = optional(get, "repository");
    Optional<String> url = optional(get, "url");
    if (repository.isPresent() == url.isPresent()) {
      throw new IllegalArgumentException("[plugin \"fence\"] needs exactly one of repository (the"
          + " proxies' git [backdoor] repository) and url (their jdbc [backdoor] url) in"
          + " etc/gerrit.config");
    }
    Optional<Path> repo = repository.map(Path::of);
    if (repo.isPresent() && !repo.get().isAbsolute()) {
      throw new IllegalArgumentException("[plugin \"fence\"] repository must be an absolute path, not '"
          + repository.get() + "'");
    }
    if (url.isPresent() && !url.get().startsWith("jdbc:")) {
      throw new IllegalArgumentException("[plugin \"fence\"] url must be a jdbc: URL, not '"
          + url.get() + "'");
    }
    String ref = Optional.ofNullable(get.apply("ref")).map(String::strip).filter(s -> !s.isEmpty())
        .orElse(DEFAULT_REF);
    if (!ref.startsWith("refs/")) {
      throw new IllegalArgumentException("[plugin \"fence\"] ref must start with refs/, not '" + ref + "'");
    }
    return new FenceSettings(node, repo, ref, url, optional(get, "user"), optional(get, "password"),
        duration(get, "refresh", DEFAULT_REFRESH),
        duration(get, "failClosedAfter", DEFAULT_FAIL_CLOSED_AFTER));
  }

  /** Where the record is read from. */
  Fence.Source source() {
    return repository.<Fence.Source>map(r -> new GitRecordSource(r, ref))
        .orElseGet(() -> new JdbcRecordSource(url.orElseThrow(), user.orElse(null),
            password.orElse(null)));
  }

  private static Optional<String> optional(Function<String, String> get, String key) {
    return Optional.ofNullable(get.apply(key)).map(String::strip).filter(s -> !s.isEmpty());
  }

  private static String required(Function<String, String> get, String key, String what) {
    String value = get.apply(key);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("[plugin \"fence\"] " + key + " is not set: set it to "
          + what + " in etc/gerrit.config");
    }
    return value.strip();
  }

  /** {@code 500ms}, {@code 1s}, {@code 2min}, or a bare number of seconds. */
  static Duration duration(Function<String, String> get, String key, Duration fallback) {
    String value = get.apply(key);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    String v = value.strip().toLowerCase(Locale.ROOT);
    try {
      Duration d;
      if (v.endsWith("ms")) {
        d = Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2).strip()));
      } else if (v.endsWith("min")) {
        d = Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 3).strip()));
      } else if (v.endsWith("s")) {
        d = Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1).strip()));
      } else {
        d = Duration.ofSeconds(Long.parseLong(v));
      }
      if (d.isNegative() || d.isZero()) {
        throw new NumberFormatException();
      }
      return d;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("[plugin \"fence\"] " + key + " = " + value
          + " is not a positive duration such as 500ms, 1s or 2min");
    }
  }
}
