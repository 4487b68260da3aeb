package org.gerritproxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.Tuple;

/**
 * Property-based fuzzing of the configuration parser (jqwik): for any git-config text at all, in
 * proxy.config and in secure.config, {@link ConfigLoader#load} either gives a configuration or
 * throws its documented {@link ConfigException}, each problem naming one of the two files, a line
 * that exists (or 0) and a sentence. Anything else would crash a reload instead of keeping the old
 * configuration in force. Tries: 1000 each (junit-platform.properties).
 */
class ConfigParserPropertiesTest {

  private static final List<String> SECTIONS = List.of(
      "[proxy]", "[httpd]", "[sshd]", "[admin]", "[accounts]", "[routing]", "[election]",
      "[health]", "[backdoor]", "[node \"gerrit-1\"]", "[node \"gerrit-2\"]", "[node]",
      "[node \"\"]", "[node \"a\\\"b\"]", "[Node \"gerrit-1\"]", "[bogus]", "[proxy", "[]",
      "[include]", "[node \"gerrit-1\"", "[httpd.sub]", "[node \"x\"] http = http://h");

  private static final List<String> KEYS = List.of(
      "name", "shutdownTimeout", "listenAddress", "sslCertificate", "sslKey", "maxHeaderSize",
      "headerTimeout", "idleTimeout", "connectTimeout", "nodeHeader", "hostKey", "peerKey",
      "keyCacheTtl", "maxLoginFailures", "loginFailureWindow", "loginBlock", "token", "user",
      "password", "http", "ssh", "priority", "weight", "state", "writes", "readYourWrites", "mode",
      "master", "zookeeper", "zookeeperSessionTimeout", "failback", "onFailover",
      "interval", "timeout", "fall", "rise", "path", "type", "url", "repository", "staleAfter",
      "path", "unknownKey", "x-y", "1key", "key_with_underscore");

  private static final List<String> VALUES = List.of(
      "", "0", "-1", "1", "100", "99999999999999999999", "2147483648", "-9223372036854775808",
      "1s", "500ms", "5m", "1h", "1d", "0s", "-5s", "999999999999h", "1.5s", "s", "ms", "16k",
      "1m", "1g", "99999999999g", "-1k", "*:8080", "127.0.0.1:0", "[::1]:29418", "[::1",
      ":80", "host:", "host:99999", "host:-1", "http://127.0.0.1:8081", "https://h/p",
      "http://", "ftp://h", "http://h:99999", "active", "drain", "disabled", "master", "any",
      "local", "static", "zookeeper", "none", "jdbc", "git", "true", "false", "yes",
      "jdbc:h2:mem:x", "zk1:2181,zk2:2181", "etc/key", "/nonexistent/dir/key", "../../etc/passwd",
      "\"quoted\"", "\"unterminated", "a\\", "a\\nb", "\\t", "x ; comment", "x # comment",
      "%s%n", "日本", "\u0000");

  @Property(shrinking = ShrinkingMode.BOUNDED)
  void anyConfigTextGivesAConfigurationOrFileLineProblems(
      @ForAll("configText") String proxyConfig, @ForAll("maybeSecure") String secureConfig)
      throws IOException {
    Path d = Files.createTempDirectory("config-fuzz");
    try {
      Path file = d.resolve("proxy.config");
      // getBytes: a lone surrogate becomes '?', as an editor would save it.
      Files.write(file, proxyConfig.getBytes(StandardCharsets.UTF_8));
      Path secure = ConfigLoader.secureConfigOf(file);
      if (!secureConfig.isEmpty()) {
        Files.write(secure, secureConfig.getBytes(StandardCharsets.UTF_8));
      }
      try {
        assertThat(ConfigLoader.load(file)).isNotNull();
        Statistics.collect("valid");
      } catch (ConfigException e) {
        assertThat(e.problems()).isNotEmpty();
        Statistics.collect("refused with FILE:LINE problems");
        for (ConfigProblem p : e.problems()) {
          assertThat(p.file()).isIn(file, secure);
          String text = p.file().equals(file) ? proxyConfig : secureConfig;
          assertThat(p.line()).as(p.toString()).isBetween(0, lines(text));
          assertThat(p.message()).as(p.toString()).isNotBlank();
          assertThat(p.toString()).startsWith(p.file() + (p.line() > 0 ? ":" + p.line() + ": " : ": "));
        }
      } catch (RuntimeException e) {
        fail("the loader threw " + e + " instead of a ConfigException for:\n" + proxyConfig
            + "\n--- secure.config:\n" + secureConfig, e);
      }
    } finally {
      deleteTree(d);
    }
  }

  @Provide
  Arbitrary<String> configText() {
    Arbitrary<String> keyLine = Arbitraries.of(KEYS).flatMap(k -> Arbitraries.of(VALUES)
        .flatMap(v -> Arbitraries.of("\t" + k + " = " + v, k + "=" + v, k, k + " =", "  " + k + " = " + v + "  ")));
    Arbitrary<String> line = Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.of(SECTIONS)),
        Tuple.of(8, keyLine),
        Tuple.of(1, Arbitraries.of("# comment", "; comment", "", "   ", "\\", "=", "= value",
            "key = \"multi \\", "line\"", "\r", "[node \"gerrit-1\"]\n\thttp = http://127.0.0.1:1\n\tssh = 127.0.0.1:2")),
        Tuple.of(1, Arbitraries.strings().all().ofMaxLength(40)));
    // Half start from a valid configuration, so that edits of a good file are tried as well.
    Arbitrary<String> prefix = Arbitraries.of("", VALID);
    return Arbitraries.oneOf(
        line.list().ofMaxSize(30).map(l -> String.join("\n", l)),
        Arbitraries.of(VALID).flatMap(v -> line.list().ofMaxSize(3)
            .map(l -> v + String.join("\n", l))),
        prefix.flatMap(p -> keyLine.list().ofMaxSize(2).map(l -> p + String.join("\n", l))));
  }

  private static final String VALID = "[node \"gerrit-1\"]\n\thttp = http://127.0.0.1:8081\n"
      + "\tssh = 127.0.0.1:29419\n[httpd]\n\tlistenAddress = 127.0.0.1:0\n";

  @Provide
  Arbitrary<String> maybeSecure() {
    Arbitrary<String> secret = Arbitraries.of(
        "[accounts]\n\tpassword = s3cret", "[admin]\n\ttoken = t", "[backdoor]\n\tpassword = p",
        "[httpd]\n\tlistenAddress = *:1", "[accounts]\n\tuser = u", "[accounts", "garbage");
    return Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.just("")),
        Tuple.of(2, secret.list().ofMaxSize(3).map(l -> String.join("\n", l))),
        Tuple.of(1, Arbitraries.strings().all().ofMaxLength(60)));
  }

  /** The number of lines an editor shows for {@code text} (a final line without newline counts). */
  private static int lines(String text) {
    return (int) text.chars().filter(c -> c == '\n').count() + 1;
  }

  private static void deleteTree(Path d) throws IOException {
    try (var paths = Files.walk(d)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }
}
