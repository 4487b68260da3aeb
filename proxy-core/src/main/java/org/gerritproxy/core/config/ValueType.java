package org.gerritproxy.core.config;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.gerritproxy.http.HttpFrontendSettings;
import org.gerritproxy.routing.Endpoint;
import org.gerritproxy.routing.Node;

/**
 * What a configuration value may be: how its text is read (relative paths from the configuration's
 * directory) and how a value is written back. Reading throws {@link IllegalArgumentException} with
 * a sentence saying what to write instead.
 *
 * @param name how the reference table names it
 */
record ValueType<T>(String name, Reader<T> reader, Function<T, String> writer) {

  /** Reads one value's text; {@code directory} is where relative paths start. */
  @FunctionalInterface
  interface Reader<T> {
    T read(String text, Path directory);
  }

  T read(String text, Path directory) {
    return reader.read(text, directory);
  }

  String write(T value) {
    return writer.apply(value);
  }

  /** Writes a value known only as an object of this type (from a key's accessor). */
  @SuppressWarnings("unchecked")
  String writeObject(Object value) {
    return writer.apply((T) value);
  }

  private static <T> ValueType<T> of(String name, Function<String, T> reader,
      Function<T, String> writer) {
    return new ValueType<>(name, (text, dir) -> reader.apply(text), writer);
  }

  static final ValueType<String> TEXT = of("text", String::strip, s -> s);

  static final ValueType<Secret> SECRET =
      of("secret", text -> Secret.of(text.strip()), Secret::toString);

  static final ValueType<Duration> DURATION =
      of("duration", Durations::parse, Durations::format);

  static final ValueType<Duration> POSITIVE_DURATION =
      of(
          "duration",
          text -> {
            Duration d = Durations.parse(text);
            if (d.isZero()) {
              throw new IllegalArgumentException(
                  "must be longer than 0: write it like 500ms, 2s or 5m");
            }
            return d;
          },
          Durations::format);

  /** A sampling interval for the dashboard's pictures: 1 s to 1 min, so 90 samples span 90 s to 90 min. */
  static final ValueType<Duration> SAMPLE_INTERVAL =
      of(
          "duration",
          text -> {
            Duration d = Durations.parse(text);
            if (d.compareTo(Duration.ofSeconds(1)) < 0 || d.compareTo(Duration.ofMinutes(1)) > 0) {
              throw new IllegalArgumentException(
                  "must be between 1s and 1m: write it like 10s");
            }
            return d;
          },
          Durations::format);

  static final ValueType<Integer> HEADER_SIZE =
      of(
          "size",
          text -> {
            long size = Sizes.parse(text);
            if (size < 1024 || size > Integer.MAX_VALUE) {
              throw new IllegalArgumentException(
                  "'" + text + "' is outside 1k..2047m: write a size like 32k");
            }
            return (int) size;
          },
          i -> Sizes.format(i));

  /** A size of at least 1m, for what holds files (the pack cache). */
  static final ValueType<Long> STORAGE_SIZE =
      of(
          "size",
          text -> {
            long size = Sizes.parse(text);
            if (size < 1024 * 1024) {
              throw new IllegalArgumentException(
                  "'" + text + "' is below 1m: write a size like 20g");
            }
            return size;
          },
          Sizes::format);

  /** A Gerrit-style project pattern: a name, a prefix ending in *, or ^regex. */
  static final ValueType<String> PROJECT_PATTERN =
      of(
          "pattern",
          text -> {
            String p = text.strip();
            org.gerritproxy.routing.packcache.ProjectPatterns.problem(p).ifPresent(m -> {
              throw new IllegalArgumentException(m);
            });
            return p;
          },
          s -> s);

  static final ValueType<Integer> INTEGER =
      of("integer", ValueType::integer, i -> Integer.toString(i));

  static final ValueType<Integer> WEIGHT =
      of(
          "integer",
          text -> {
            int w = integer(text);
            Optional<String> wrong = Node.weightProblem(w);
            if (wrong.isPresent()) {
              throw new IllegalArgumentException(wrong.get());
            }
            return w;
          },
          i -> Integer.toString(i));

  /** At least 1. */
  static final ValueType<Integer> COUNT =
      of(
          "integer",
          text -> {
            int n = integer(text);
            if (n < 1) {
              throw new IllegalArgumentException("must be at least 1, not " + n);
            }
            return n;
          },
          i -> Integer.toString(i));

  /** 0 or more; 0 turns the thing counted off. */
  static final ValueType<Integer> COUNT_OR_OFF =
      of(
          "integer",
          text -> {
            int n = integer(text);
            if (n < 0) {
              throw new IllegalArgumentException("must be 0 (off) or more, not " + n);
            }
            return n;
          },
          i -> Integer.toString(i));

  /** A Java regular expression, checked when read so that a typo fails the load, not a fetch. */
  static final ValueType<java.util.regex.Pattern> REGEX =
      of(
          "regex",
          text -> {
            try {
              return java.util.regex.Pattern.compile(text.strip());
            } catch (java.util.regex.PatternSyntaxException e) {
              throw new IllegalArgumentException("'" + text.strip() + "' is not a regular"
                  + " expression (" + e.getDescription() + " near index " + e.getIndex() + ")");
            }
          },
          java.util.regex.Pattern::pattern);

  static final ValueType<Boolean> BOOLEAN = of("boolean", ValueType::bool, b -> b.toString());

  static final ValueType<Endpoint> LISTEN_ADDRESS =
      of("host:port", Endpoint::parse, Endpoint::toString);

  static final ValueType<Endpoint> NODE_ADDRESS =
      of("host:port", Node::parseSsh, Endpoint::toString);

  static final ValueType<URI> NODE_URL = of("URL", Node::parseHttp, URI::toString);

  static final ValueType<String> ZOOKEEPER = of("servers", ValueType::zookeeper, s -> s);

  static final ValueType<String> JDBC_URL =
      of(
          "JDBC URL",
          text -> {
            String s = text.strip();
            if (!s.regionMatches(true, 0, "jdbc:", 0, 5) || s.length() <= 5) {
              throw new IllegalArgumentException(
                  "'" + text + "' is not a JDBC URL: write it like jdbc:postgresql://db/gerrit");
            }
            return s;
          },
          s -> s);

  static final ValueType<String> HTTP_PATH =
      of(
          "path",
          text -> {
            String s = text.strip();
            if (!s.startsWith("/")) {
              throw new IllegalArgumentException(
                  "'"
                      + text
                      + "' must be an absolute path on each node, like /config/server/version");
            }
            return s;
          },
          s -> s);

  /** An HTTP header name, or empty for none. */
  static final ValueType<String> HEADER_NAME =
      of(
          "header name",
          text -> {
            String s = text.strip();
            if (!s.isEmpty() && !HttpFrontendSettings.isHeaderName(s)) {
              throw new IllegalArgumentException(
                  "'"
                      + text
                      + "' is not an HTTP header name: write one like X-Gerrit-Proxy-Node, or"
                      + " leave it empty to send none");
            }
            return s;
          },
          s -> s);

  /** A path, relative ones read from the directory of proxy.config. */
  /** An address block, {@code 10.0.0.0/8} or one address. */
  static final ValueType<org.gerritproxy.routing.Cidr> CIDR =
      of("address block", org.gerritproxy.routing.Cidr::parse,
          org.gerritproxy.routing.Cidr::toString);

  /** One name of an SSH algorithm list, maybe signed ({@code +NAME} adds, {@code -NAME} removes). */
  static ValueType<String> sshAlgorithm(org.gerritproxy.ssh.SshAlgorithms.Kind kind) {
    return of("algorithm", text -> org.gerritproxy.ssh.SshAlgorithms.checkName(kind, text),
        s -> s);
  }

  static final ValueType<Path> PATH = new ValueType<>("path", ValueType::path, Path::toString);

  static final ValueType<Path> EXISTING_FILE =
      new ValueType<>(
          "path",
          (text, directory) -> {
            Path p = path(text, directory);
            if (!Files.isRegularFile(p)) {
              throw new IllegalArgumentException(
                  p
                      + " does not exist or is not a file (relative paths are read from "
                      + directory
                      + ")");
            }
            if (!Files.isReadable(p)) {
              throw new IllegalArgumentException(
                  p + " cannot be read: let the proxy's user read it");
            }
            return p;
          },
          Path::toString);

  /** One of the constants of {@code type}, written in lower case. */
  static <E extends Enum<E>> ValueType<E> oneOf(Class<E> type) {
    List<String> allowed = Arrays.stream(type.getEnumConstants()).map(ValueType::lower).toList();
    return of(
        String.join(" | ", allowed),
        text -> {
          for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(text.strip())) {
              return e;
            }
          }
          throw new IllegalArgumentException(
              "'"
                  + text
                  + "' is not allowed: write "
                  + orList(allowed)
                  + ConfigSchema.closest(text.strip(), allowed)
                      .map(s -> " (did you mean " + s + "?)")
                      .orElse(""));
        },
        ValueType::lower);
  }

  // ---------------------------------------------------------------- the readers behind them

  private static Integer integer(String text) {
    try {
      return Integer.parseInt(text.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is not a whole number: write it like 100");
    }
  }

  private static Boolean bool(String text) {
    switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "true":
      case "yes":
      case "on":
      case "1":
        return true;
      case "false":
      case "no":
      case "off":
      case "0":
        return false;
      default:
        throw new IllegalArgumentException("'" + text + "' is not a boolean: write true or false");
    }
  }

  private static String zookeeper(String text) {
    String s = text.strip();
    int slash = s.indexOf('/');
    String hosts = slash < 0 ? s : s.substring(0, slash);
    for (String host : hosts.split(",", -1)) {
      try {
        Endpoint e = Endpoint.parse(host);
        if (e.isWildcard() || e.port() == 0) {
          throw new IllegalArgumentException("not a server");
        }
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "'"
                + host.strip()
                + "' is not a ZooKeeper server: write HOST:PORT[,HOST:PORT...]"
                + " with an optional /chroot, like zk1:2181,zk2:2181,zk3:2181");
      }
    }
    if (slash >= 0 && (s.endsWith("/") || s.contains("//"))) {
      throw new IllegalArgumentException(
          "'" + s.substring(slash) + "' is not a ZooKeeper chroot: write it like /gerrit-proxy");
    }
    return s;
  }

  private static Path path(String text, Path directory) {
    try {
      return directory.resolve(text.strip()).normalize();
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException("'" + text + "' is not a path: " + e.getReason());
    }
  }

  static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  static String orList(List<String> words) {
    if (words.size() == 1) {
      return words.get(0);
    }
    return words.subList(0, words.size() - 1).stream().collect(Collectors.joining(", "))
        + " or "
        + words.get(words.size() - 1);
  }
}
