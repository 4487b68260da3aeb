package org.gerritproxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Properties both classifiers keep for any input at all, checked on seeded random strings. */
class ClassifierRobustnessTest {

  private static final int RUNS = 20_000;

  /** Fragments that steer random strings into the classifiers' interesting corners. */
  private static final List<String> FRAGMENTS =
      List.of(
          "/", "//", "/a/", "/p/", "a", "p", "project", ".git", "info", "refs", "/info/refs",
          "git-upload-pack", "git-receive-pack", "git-upload-archive", "changes", "revisions",
          "submit", "~", "?", "&", "=", "service=", "#", ";", "..", ".", "%", "%2F", "%2f",
          "%zz", "%E2%82", "%C3%A9", "%FF", "%00", "+", " ", "\t", "\n", "\r", "'", "\"", "\\",
          "http://", "HTTPS://h:1", "*", "é", "日本", "\uD83D\uDE00", "\uD800", "\uDFFF",
          "gerrit", "review", "--submit", "-s", "stream-events", "suexec", "git", "upload-pack",
          "1,2", "query", "version", "\u0000");

  private static final List<String> METHODS =
      List.of("GET", "get", "HEAD", "OPTIONS", "POST", "post", "PUT", "DELETE", "PATCH", "CONNECT",
          "TRACE", "", " ", "G E T", "\u0000", "ÄÖÜ");

  private static String randomString(Random r) {
    StringBuilder sb = new StringBuilder();
    int parts = r.nextInt(12);
    for (int i = 0; i < parts; i++) {
      if (r.nextInt(4) == 0) {
        sb.append((char) r.nextInt(Character.MAX_VALUE + 1));
      } else {
        sb.append(FRAGMENTS.get(r.nextInt(FRAGMENTS.size())));
      }
    }
    return sb.toString();
  }

  @Test
  void httpClassifierJudgesEveryInputWithoutThrowing() {
    Random r = new Random(20240917L);
    for (int i = 0; i < RUNS; i++) {
      String method = r.nextInt(8) == 0 ? randomString(r) : METHODS.get(r.nextInt(METHODS.size()));
      String uri = r.nextBoolean() ? "/" + randomString(r) : randomString(r);

      Classification c = HttpRequestClassifier.classify(method, uri);

      assertThat(c).as("%s %s", method, uri).isNotNull();
      assertThat(c.requestClass()).isNotNull();
      assertThat(c.label()).isIn("git-upload-pack", "git-receive-pack", "submit", "login", "rest", "web",
          "method", "target");
    }
  }

  @Test
  void onlyUploadPackMakesAPostARead() {
    Random r = new Random(7L);
    for (int i = 0; i < RUNS; i++) {
      String uri = "/" + randomString(r);

      Classification c = HttpRequestClassifier.classify("POST", uri);

      if (c.requestClass() == RequestClass.READ) {
        assertThat(c.label()).as(uri).isEqualTo("git-upload-pack");
        List<String> segs = HttpRequestClassifier.segments(uri.split("[?#]", 2)[0]);
        assertThat(segs.get(segs.size() - 1)).as(uri).isEqualTo("git-upload-pack");
      }
    }
  }

  @Test
  void methodsOutsideTheForwardedSetAreAlwaysRefused() {
    Random r = new Random(11L);
    List<String> allowed = List.of("GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "PATCH");
    for (int i = 0; i < RUNS; i++) {
      String method = randomString(r);
      if (allowed.contains(method.strip().toUpperCase(java.util.Locale.ROOT))) {
        continue;
      }
      assertThat(HttpRequestClassifier.classify(method, "/").requestClass())
          .as(method)
          .isEqualTo(RequestClass.REFUSED);
    }
  }

  @Test
  void sshClassifierJudgesEveryInputWithoutThrowing() {
    Random r = new Random(424242L);
    for (int i = 0; i < RUNS; i++) {
      String command = randomString(r);

      Classification c = SshCommandClassifier.classify(command);

      assertThat(c).as(command).isNotNull();
      assertThat(c.requestClass()).isNotNull();
      assertThat(c.label()).isNotBlank();
    }
  }

  @Test
  void sshLabelsStayAFixedSetWhateverClientsSend() {
    Random r = new Random(99L);
    for (int i = 0; i < RUNS; i++) {
      String label = SshCommandClassifier.classify(randomString(r)).label();

      assertThat(label.equals("command")
              || label.equals("shell")
              || label.equals("suexec")
              || label.startsWith("git-")
              || label.equals("gerrit")
              || label.startsWith("gerrit "))
          .as(label)
          .isTrue();
      assertThat(label).hasSizeLessThan(40);
    }
  }

  @Test
  void sshReadsAreOnlyTheKnownReadCommands() {
    Random r = new Random(5L);
    for (int i = 0; i < RUNS; i++) {
      String command = randomString(r);
      Classification c = SshCommandClassifier.classify(command);
      if (c.requestClass() == RequestClass.READ) {
        String first = SshCommandClassifier.split(command).get(0);
        assertThat(first).as(command).isIn("git-upload-pack", "git-upload-archive", "git", "gerrit");
      }
    }
  }

  @Test
  void loginVettingAndSessionKeysNeverThrow() {
    Random r = new Random(3L);
    for (int i = 0; i < RUNS; i++) {
      String s = randomString(r);
      assertThat(SshCommandClassifier.refuseLogin(s)).isNotNull();
      assertThat(SessionKey.forHttp(s, s, s)).isNotBlank();
      assertThat(SessionKey.forHttp(null, "Basic " + s, s)).isNotBlank();
      assertThat(SessionKey.forSsh(s)).startsWith("user:");
    }
  }

  @Test
  void everyClassificationRoutesWithoutThrowing() {
    Random r = new Random(13L);
    RoutingSnapshot s =
        new RoutingSnapshot(
            Fixtures.table(Fixtures.threeNodes()),
            Fixtures.allIn(Fixtures.threeNodes(), NodeState.UP),
            Fixtures.master("gerrit-1", 1));
    for (int i = 0; i < RUNS; i++) {
      String str = randomString(r);
      Classification c =
          r.nextBoolean()
              ? SshCommandClassifier.classify(str)
              : HttpRequestClassifier.classify(METHODS.get(r.nextInt(METHODS.size())), "/" + str);

      RouteDecision d = Router.decide(c, str, r.nextBoolean(), s);

      assertThat(d).isNotNull();
      if (c.requestClass() == RequestClass.REFUSED) {
        assertThat(d).isInstanceOf(RouteDecision.Refuse.class);
      } else {
        assertThat(d).isInstanceOf(RouteDecision.Forward.class);
      }
    }
  }
}
