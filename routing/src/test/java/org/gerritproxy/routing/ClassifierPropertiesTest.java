package org.gerritproxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.statistics.Statistics;

/**
 * Property-based fuzzing of both classifiers (jqwik): whatever a client sends, classification
 * returns a verdict, never an exception, because an exception there would drop the connection
 * without a word and leave the request unlogged. Tries: 1000 each (junit-platform.properties);
 * {@code -Djqwik.tries.default=N} runs more.
 */
class ClassifierPropertiesTest {

  /** Pieces of real Gerrit URLs and command lines, so random input reaches the deep branches. */
  private static final List<String> URL_PIECES = List.of(
      "/", "//", "/a/", "a", "p", "my/project", ".git", "/info/refs", "?service=", "&",
      "git-upload-pack", "git-receive-pack", "git-upload-archive", "/changes/", "/revisions/",
      "/submit", "~", "%2F", "%2f", "%", "%zz", "%C3%A9", "%FF", "%00", "#", ";", "..", "+",
      "http://", "https://h:1", "*", "é", "\uD800", "\u0000", " ", "\t", "login", "/login/",
      "oauth", "OpenID");

  private static final List<String> COMMAND_PIECES = List.of(
      "git-upload-pack", "git-receive-pack", "git-upload-archive", "git", "upload-pack", "gerrit",
      "review", "--submit", "-s", "--submit=true", "stream-events", "suexec", "version", "query",
      "ls-projects", "plugin", "ls", "'", "\"", "\\", "$", "`", " ", "\t", "\n", "'/p.git'",
      "\"unterminated", "--", "-", ";", "|", "&&", "\u0000", "日本");

  private static final List<String> LABELS = List.of(
      "git-upload-pack", "git-receive-pack", "submit", "login", "rest", "web", "method", "target");

  @Property(shrinking = ShrinkingMode.BOUNDED)
  void everyHttpRequestGetsAClass(@ForAll("methods") String method, @ForAll("targets") String uri) {
    Classification c = HttpRequestClassifier.classify(method, uri);

    assertThat(c.requestClass()).isNotNull();
    assertThat(c.label()).isIn(LABELS);
    assertThat(c.refusal().isPresent()).isEqualTo(c.requestClass() == RequestClass.REFUSED);
    c.refusal().ifPresent(why -> assertThat(why).as("a refusal is a sentence").endsWith("."));
  }

  @Property(shrinking = ShrinkingMode.BOUNDED)
  void anyMethodOtherThanTheSevenIsRefused(
      @ForAll("anyText") String method, @ForAll("targets") String uri) {
    Classification c = HttpRequestClassifier.classify(method, uri);
    String m = method.strip().toUpperCase(java.util.Locale.ROOT);
    if (!List.of("GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "PATCH").contains(m)) {
      assertThat(c.requestClass()).isEqualTo(RequestClass.REFUSED);
    }
  }

  /**
   * Whatever follows {@code /login}, and whatever the method: when the path the server will see
   * starts with the segment {@code login} and is no git endpoint (those belong to a project named
   * "login"; the table has them), the request is a write; when it does not start so ({@code
   * /loginx}, {@code /login/..}) nor names a provider's callback ({@code /login/../oauth}), the
   * label is not {@code login}. The statistics make sure that both cases are tried, neither passing vacuously.
   */
  @Property(shrinking = ShrinkingMode.BOUNDED)
  void everyRequestUnderLoginIsAWrite(
      @ForAll("forwardedMethods") String method, @ForAll("afterLogin") String rest) {
    String uri = "/login" + rest;
    String path = uri.strip().split("[?#]", 2)[0]; // as the classifier reads a request-target
    List<String> segs = HttpRequestClassifier.segments(path);
    int n = segs.size();
    String first = n == 0 ? "" : segs.get(0).split(";", 2)[0];
    boolean gitEndpoint = n >= 2 && segs.get(n - 2).equals("info") && segs.get(n - 1).equals("refs")
        || n >= 1 && (segs.get(n - 1).equals("git-upload-pack") || segs.get(n - 1).equals("git-receive-pack"));
    boolean underLogin = first.equals("login") && !gitEndpoint;
    boolean callback = n == 1 && (first.equals("oauth") || first.equals("OpenID"));
    Statistics.label("under /login").collect(underLogin);

    Classification c = HttpRequestClassifier.classify(method, uri);

    if (underLogin) {
      assertThat(c.requestClass()).as(uri).isEqualTo(RequestClass.WRITE);
      assertThat(c.label()).as(uri).isEqualTo("login");
    } else if (!callback && !gitEndpoint) {
      assertThat(c.label()).as(uri).isNotEqualTo("login");
    }
    Statistics.label("under /login").coverage(coverage -> {
      coverage.check(true).percentage(p -> p > 25);
      coverage.check(false).percentage(p -> p > 5);
    });
  }

  @Property(shrinking = ShrinkingMode.BOUNDED)
  void everySshCommandLineGetsAClass(@ForAll("commandLines") String line) {
    Classification c = SshCommandClassifier.classify(line);

    assertThat(c.requestClass()).isNotNull();
    assertThat(c.label()).isNotBlank();
    assertThat(c.refusal().isPresent()).isEqualTo(c.requestClass() == RequestClass.REFUSED);
    assertThat(c.label()).as("labels never carry client text (they are metric labels)")
        .doesNotContain("\n", "\u0000", "'", "\"");
  }

  @Property(shrinking = ShrinkingMode.BOUNDED)
  void suexecFromAClientIsAlwaysRefused(@ForAll("commandLines") String args) {
    Classification c = SshCommandClassifier.classify("suexec " + args);

    assertThat(c.requestClass()).isEqualTo(RequestClass.REFUSED);
  }

  @Property(shrinking = ShrinkingMode.BOUNDED)
  void everyLoginNameIsJudgedWithoutThrowing(@ForAll("anyText") String user) {
    // Present or empty, but always an answer; the peer user is always refused.
    assertThat(SshCommandClassifier.refuseLogin(user)).isNotNull();
    assertThat(SshCommandClassifier.refuseLogin(SshCommandClassifier.PEER_USER)).isPresent();
  }

  @Provide
  Arbitrary<String> methods() {
    return Arbitraries.oneOf(
        Arbitraries.of("GET", "get", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "PATCH",
            "CONNECT", "TRACE", "PRI", " GET ", ""),
        anyText());
  }

  @Provide
  Arbitrary<String> forwardedMethods() {
    return Arbitraries.of("GET", "get", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "PATCH");
  }

  /** What may follow {@code /login}: half of it starts a new segment, the rest may not. */
  @Provide
  Arbitrary<String> afterLogin() {
    return Arbitraries.oneOf(pieces(URL_PIECES), pieces(URL_PIECES).map(s -> "/" + s));
  }

  @Provide
  Arbitrary<String> targets() {
    return Arbitraries.oneOf(
        pieces(URL_PIECES),
        pieces(URL_PIECES).map(s -> "/" + s),
        anyText());
  }

  @Provide
  Arbitrary<String> commandLines() {
    return Arbitraries.oneOf(pieces(COMMAND_PIECES), anyText());
  }

  @Provide
  Arbitrary<String> anyText() {
    return Arbitraries.strings().all().ofMaxLength(200);
  }

  /** Up to 12 pieces joined, some of them replaced by arbitrary characters. */
  private static Arbitrary<String> pieces(List<String> pieces) {
    Arbitrary<String> piece = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(3, Arbitraries.of(pieces)),
        net.jqwik.api.Tuple.of(1, Arbitraries.strings().all().ofMaxLength(3)),
        net.jqwik.api.Tuple.of(1, Arbitraries.of(" ")));
    return piece.list().ofMaxSize(12).map(l -> String.join("", l));
  }
}
