package org.gerritproxy.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HttpRequestClassifierTest {

  /** One row per variant of the rules table in docs/routing.md; an empty project means none. */
  @ParameterizedTest(name = "{0} {1} -> {2} {3} [{4}]")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      textBlock =
          """
          # fetch advertisement: prefixes, slashes, .git, encoding, parameter order, method case
          GET     | /project/info/refs?service=git-upload-pack                     | READ   | git-upload-pack  | project
          GET     | /a/project/info/refs?service=git-upload-pack                   | READ   | git-upload-pack  | project
          GET     | /p/project/info/refs?service=git-upload-pack                   | READ   | git-upload-pack  | project
          GET     | /a/p/project/info/refs?service=git-upload-pack                 | READ   | git-upload-pack  | project
          GET     | /project.git/info/refs?service=git-upload-pack                 | READ   | git-upload-pack  | project
          GET     | /team/sub/project.git/info/refs?service=git-upload-pack        | READ   | git-upload-pack  | team/sub/project
          GET     | /a/team/sub/project/info/refs?service=git-upload-pack          | READ   | git-upload-pack  | team/sub/project
          GET     | /team%2Fsub%2Fproject/info/refs?service=git-upload-pack        | READ   | git-upload-pack  | team/sub/project
          GET     | /team%2fsub/project%2Egit/info/refs?service=git-upload-pack    | READ   | git-upload-pack  | team/sub/project
          GET     | /my%20project/info/refs?service=git-upload-pack                | READ   | git-upload-pack  | my project
          GET     | /project/info/refs?foo=1&service=git-upload-pack               | READ   | git-upload-pack  | project
          GET     | /project/info/refs?service=git-upload-pack&foo=1               | READ   | git-upload-pack  | project
          GET     | /project/info/refs?service=git%2Dupload%2Dpack                 | READ   | git-upload-pack  | project
          GET     | //project//info/refs?service=git-upload-pack                   | READ   | git-upload-pack  | project
          GET     | /project/info/refs                                             | READ   | git-upload-pack  | project
          GET     | /project/info/refs?foo=bar                                     | READ   | git-upload-pack  | project
          get     | /project/info/refs?service=git-upload-pack                     | READ   | git-upload-pack  | project
          Get     | /project/info/refs?service=git-upload-pack                     | READ   | git-upload-pack  | project
          HEAD    | /project/info/refs?service=git-upload-pack                     | READ   | git-upload-pack  | project
          GET     | /project/info/refs?service=git-upload-pack#frag                | READ   | git-upload-pack  | project
          # fetch
          POST    | /project/git-upload-pack                                       | READ   | git-upload-pack  | project
          POST    | /a/project/git-upload-pack                                     | READ   | git-upload-pack  | project
          POST    | /p/project.git/git-upload-pack                                 | READ   | git-upload-pack  | project
          POST    | /a/team/sub/project.git/git-upload-pack                        | READ   | git-upload-pack  | team/sub/project
          POST    | /a/team%2Fsub%2Fproject.git/git-upload-pack                    | READ   | git-upload-pack  | team/sub/project
          post    | /project/git-upload-pack                                       | READ   | git-upload-pack  | project
          # push advertisement and push
          GET     | /project/info/refs?service=git-receive-pack                    | WRITE  | git-receive-pack | project
          GET     | /a/team/project.git/info/refs?service=git-receive-pack         | WRITE  | git-receive-pack | team/project
          GET     | /a/p/team%2Fproject/info/refs?x=1&service=git-receive-pack&y=2 | WRITE  | git-receive-pack | team/project
          GET     | /project/info/refs?service=git%2Dreceive-pack                  | WRITE  | git-receive-pack | project
          GET     | /project/info/refs?service=git-upload-pack&service=git-receive-pack | WRITE | git-receive-pack | project
          get     | /project/info/refs?service=git-receive-pack                    | WRITE  | git-receive-pack | project
          POST    | /project/git-receive-pack                                      | WRITE  | git-receive-pack | project
          POST    | /a/project/git-receive-pack                                    | WRITE  | git-receive-pack | project
          POST    | /a/p/team/sub/project.git/git-receive-pack                     | WRITE  | git-receive-pack | team/sub/project
          pOsT    | /project/git-receive-pack                                      | WRITE  | git-receive-pack | project
          # submit
          POST    | /changes/123/submit                                            | SUBMIT | submit           | -
          POST    | /a/changes/123/submit                                          | SUBMIT | submit           | -
          POST    | /a/changes/123/submit/                                         | SUBMIT | submit           | -
          POST    | /a/changes/123/submit?foo=bar                                  | SUBMIT | submit           | -
          POST    | /changes/123/revisions/current/submit                          | SUBMIT | submit           | -
          POST    | /a/changes/123/revisions/4/submit                              | SUBMIT | submit           | -
          POST    | /a/changes/myProject~master~I8473b95934b5732ac55d26311a706c9c2bde9940/submit | SUBMIT | submit | myProject
          POST    | /a/changes/project%2Fsub~123/submit                            | SUBMIT | submit           | project/sub
          POST    | /a/changes/project%2Fsub~123/revisions/current/submit          | SUBMIT | submit           | project/sub
          POST    | /a/changes/project%2Fsub~master~I8473b95934b5732ac55d26311a706c9c2bde9940/revisions/ab12/submit | SUBMIT | submit | project/sub
          post    | /a/changes/123/submit                                          | SUBMIT | submit           | -
          # other writes
          POST    | /a/changes/123/revisions/current/review                        | WRITE  | rest             | -
          POST    | /a/changes/                                                    | WRITE  | rest             | -
          POST    | /a/changes/123/abandon                                         | WRITE  | rest             | -
          PUT     | /a/projects/new-project                                        | WRITE  | rest             | -
          PUT     | /a/changes/123/submit                                          | WRITE  | rest             | -
          DELETE  | /a/changes/123                                                 | WRITE  | rest             | -
          PATCH   | /a/accounts/self/preferences                                   | WRITE  | rest             | -
          delete  | /a/groups/x                                                    | WRITE  | rest             | -
          POST    | /project/info/refs?service=git-upload-pack                     | WRITE  | rest             | -
          PUT     | /project/git-upload-pack                                       | WRITE  | rest             | -
          # Gerrit 3.10's login flows write on a GET (a new user's account): /login and below, /oauth, /OpenID
          GET     | /login                                                         | WRITE  | login            | -
          GET     | /login/                                                        | WRITE  | login            | -
          GET     | /login/?action=create_account                                  | WRITE  | login            | -
          GET     | /login/?user_name=admin                                        | WRITE  | login            | -
          GET     | /login?account_id=1000000                                      | WRITE  | login            | -
          GET     | /login/%2Fc%2Fproject%2F%2B%2F123                              | WRITE  | login            | -
          GET     | /login/dashboard/self                                          | WRITE  | login            | -
          HEAD    | /login/?action=create_account                                  | WRITE  | login            | -
          OPTIONS | /login/                                                        | WRITE  | login            | -
          get     | /login/?action=create_account                                  | WRITE  | login            | -
          POST    | /login/                                                        | WRITE  | login            | -
          GET     | /oauth?code=4%2F0Adeu5B&state=xyz                              | WRITE  | login            | -
          GET     | /oauth                                                         | WRITE  | login            | -
          GET     | /oauth/                                                        | WRITE  | login            | -
          GET     | /OpenID?gerrit.mode=SIGN_IN&openid.mode=id_res                 | WRITE  | login            | -
          POST    | /OpenID                                                        | WRITE  | login            | -
          # ... however the path is spelled
          GET     | /%6Cogin/?action=create_account                                | WRITE  | login            | -
          GET     | //login//?action=create_account                                | WRITE  | login            | -
          GET     | /changes/../login/?action=create_account                       | WRITE  | login            | -
          GET     | /./oauth?code=x                                                | WRITE  | login            | -
          GET     | /login;jsessionid=1?action=create_account                      | WRITE  | login            | -
          GET     | /OpenID;x=1                                                    | WRITE  | login            | -
          GET     | http://gerrit.example.com/login/?action=create_account         | WRITE  | login            | -
          GET     | https://gerrit.example.com/oauth?code=x                        | WRITE  | login            | -
          # Gerrit 3.10 serves git endpoints below /login/ to git: a project named "login" (LoginThroughProxyTest)
          GET     | /login/info/refs?service=git-upload-pack                       | READ   | git-upload-pack  | login
          POST    | /login/git-upload-pack                                         | READ   | git-upload-pack  | login
          GET     | /login/info/refs?service=git-receive-pack                      | WRITE  | git-receive-pack | login
          GET     | /login/sub/info/refs                                           | READ   | git-upload-pack  | login/sub
          POST    | /login/changes/1/submit                                        | WRITE  | login            | -
          GET     | /a/login/info/refs?service=git-upload-pack                     | READ   | git-upload-pack  | login
          GET     | /p/login/info/refs?service=git-upload-pack                     | READ   | git-upload-pack  | login
          POST    | /a/login/git-upload-pack                                       | READ   | git-upload-pack  | login
          POST    | /a/login/git-receive-pack                                      | WRITE  | git-receive-pack | login
          GET     | /team/login/info/refs?service=git-upload-pack                  | READ   | git-upload-pack  | team/login
          # look-alikes Gerrit does not log in at stay reads
          GET     | /a/login                                                       | READ   | rest             | -
          GET     | /a/login/?action=create_account                                | READ   | rest             | -
          GET     | /a/oauth?code=x                                                | READ   | rest             | -
          GET     | /projects/login                                                | READ   | rest             | -
          GET     | /accounts/login                                                | READ   | rest             | -
          GET     | /loginx                                                        | READ   | web              | -
          GET     | /Login/                                                        | READ   | web              | -
          GET     | /LOGIN/?action=create_account                                  | READ   | web              | -
          GET     | /oauth/callback                                                | READ   | web              | -
          GET     | /openid                                                        | READ   | web              | -
          GET     | /OpenID.XRDS                                                   | READ   | web              | -
          GET     | /c/login/+/123                                                 | READ   | web              | -
          GET     | /q/status:open?redirect=/login/                                | READ   | web              | -
          GET     | /login/..                                                      | READ   | web              | -
          GET     | /logout                                                        | READ   | web              | -
          GET     | /register                                                      | READ   | web              | -
          # other reads
          GET     | /a/changes/?q=status:open                                      | READ   | rest             | -
          GET     | /changes/123/detail                                            | READ   | rest             | -
          GET     | /a/changes/123/submit                                          | READ   | rest             | -
          GET     | /config/server/version                                         | READ   | rest             | -
          GET     | /projects/?d                                                   | READ   | rest             | -
          HEAD    | /a/accounts/self                                               | READ   | rest             | -
          OPTIONS | /a/changes/                                                    | READ   | rest             | -
          GET     | /                                                              | READ   | web              | -
          GET     | /c/project/+/123                                               | READ   | web              | -
          GET     | /Documentation/index.html                                      | READ   | web              | -
          OPTIONS | *                                                              | READ   | web              | -
          # absolute form: judged by its path
          GET     | http://gerrit.example.com/a/project/info/refs?service=git-receive-pack | WRITE | git-receive-pack | project
          GET     | HTTPS://gerrit.example.com:8443/project/info/refs?service=git-upload-pack | READ | git-upload-pack | project
          POST    | https://gerrit.example.com:8443/a/changes/1/submit             | SUBMIT | submit           | -
          GET     | http://gerrit.example.com                                      | READ   | web              | -
          GET     | http://gerrit.example.com?x=1                                  | READ   | web              | -
          # dot segments are resolved as the server will resolve them
          POST    | /project/git-upload-pack/../../changes/1/submit                | SUBMIT | submit           | -
          POST    | /changes/1/submit/../../x/git-upload-pack                      | READ   | git-upload-pack  | changes/x
          POST    | /changes/1/submit/..                                           | WRITE  | rest             | -
          POST    | /project/./git-receive-pack                                    | WRITE  | git-receive-pack | project
          POST    | /../../project/git-receive-pack                                | WRITE  | git-receive-pack | project
          POST    | /project/git-upload-pack/..                                    | WRITE  | rest             | -
          POST    | /project/git-upload-pack;jsessionid=1                          | WRITE  | rest             | -
          """)
  void classifiesEveryRowOfTheRulesTable(
      String method, String uri, RequestClass cls, String label, String project) {
    Classification c = HttpRequestClassifier.classify(method, uri);

    assertThat(c.requestClass()).isEqualTo(cls);
    assertThat(c.label()).isEqualTo(label);
    assertThat(c.project()).isEqualTo(Optional.ofNullable(project));
    assertThat(c.masterOnly()).isEqualTo(cls == RequestClass.SUBMIT);
    assertThat(c.refusal()).isEmpty();
  }

  /**
   * Which request of git's smart HTTP protocol a request is, judged from the same reading of the
   * target as its class: a request whose label is a git service is git's when git would send it so.
   * The rows under "spelt otherwise" are those the frontend's own second reading got wrong (it
   * compared raw text), so that a refused fetch classified as git's was answered in plain text.
   */
  @ParameterizedTest(name = "{0} {1} -> {2} {3}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      textBlock =
          """
          # as git sends them
          GET     | /project/info/refs?service=git-upload-pack                   | ADVERTISEMENT | git-upload-pack
          GET     | /a/team/project.git/info/refs?service=git-receive-pack     | ADVERTISEMENT | git-receive-pack
          HEAD    | /project/info/refs?service=git-upload-pack                   | ADVERTISEMENT | git-upload-pack
          POST    | /project/git-upload-pack                                     | RPC           | git-upload-pack
          POST    | /a/p/team/project.git/git-receive-pack                       | RPC           | git-receive-pack
          POST    | /git-upload-pack                                             | RPC           | git-upload-pack
          POST    | /project/git-upload-pack?x=1                                 | RPC           | git-upload-pack
          POST    | /project/./git-receive-pack                                  | RPC           | git-receive-pack
          POST    | http://gerrit.example.com/a/project/git-receive-pack         | RPC           | git-receive-pack
          # spelt otherwise: the same endpoint to the classifier, so git's too
          GET     | /project/info/refs?service=git%2Dupload%2Dpack               | ADVERTISEMENT | git-upload-pack
          GET     | /project/info/refs?service=git%2dreceive-pack                | ADVERTISEMENT | git-receive-pack
          GET     | /project/info/refs/?service=git-upload-pack                  | ADVERTISEMENT | git-upload-pack
          GET     | /project/info/refs?service=git-upload-pack#frag              | ADVERTISEMENT | git-upload-pack
          GET     | /project/info/refs?service=git-upload-pack&service=git-receive-pack | ADVERTISEMENT | git-receive-pack
          get     | /project/info/refs?service=git-upload-pack                   | ADVERTISEMENT | git-upload-pack
          POST    | /project/git%2Dupload%2Dpack                                 | RPC           | git-upload-pack
          POST    | /project/git%2dreceive%2dpack                                | RPC           | git-receive-pack
          POST    | /project/git-upload-pack/                                    | RPC           | git-upload-pack
          POST    | /project/git-receive-pack#frag                               | RPC           | git-receive-pack
          post    | /project/git-upload-pack                                     | RPC           | git-upload-pack
          # not git's, though a git endpoint may be named
          GET     | /project/info/refs                                           | -             | -
          GET     | /project/info/refs?service=git-upload-archive                | -             | -
          GET     | /project/git-upload-pack                                     | -             | -
          GET     | /project/git-receive-pack                                    | -             | -
          PUT     | /project/git-upload-pack                                     | -             | -
          POST    | /project/info/refs?service=git-upload-pack                   | -             | -
          POST    | /project/git-upload-pack/..                                  | -             | -
          POST    | /project/git-upload-pack;jsessionid=1                        | -             | -
          POST    | /project/info%2Frefs                                         | -             | -
          POST    | /a/changes/1/submit                                          | -             | -
          TRACE   | /project/git-upload-pack                                     | -             | -
          """)
  void recognisesGitSmartHttpFromTheSameReadingAsTheClass(
      String method, String uri, GitHttpRequest.Step step, String service) {
    HttpClassification c = HttpRequestClassifier.classifyRequest(method, RequestTarget.parse(uri));

    assertThat(c.git()).isEqualTo(
        step == null ? Optional.empty() : Optional.of(new GitHttpRequest(step, service)));
    assertThat(c.isGitRpc()).isEqualTo(step == GitHttpRequest.Step.RPC);
    assertThat(c.classification()).isEqualTo(HttpRequestClassifier.classify(method, uri));
    if (step != null) {
      assertThat(c.classification().label()).isEqualTo(service);
    }
  }

  /** The frontend forwards the target as written, only without scheme and authority. */
  @ParameterizedTest(name = "''{0}'' -> ''{1}''")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      textBlock =
          """
          /a/changes/?q=1                       | /a/changes/?q=1
          *                                     | *
          http://gerrit.example.com/a/x?y=1     | /a/x?y=1
          HTTPS://user@gerrit.example.com:8443  | /
          http://gerrit.example.com?x=1         | /?x=1
          http://gerrit.example.com#f           | /
          /x#f                                  | /x#f
          http:///x                             | -
          ftp://gerrit.example.com/x            | -
          project/info/refs                     | -
          gerrit.example.com:443                | -
          """)
  void forwardsTheOriginFormAsWritten(String raw, String origin) {
    assertThat(RequestTarget.parse(raw).originForm()).isEqualTo(Optional.ofNullable(origin));
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          CONNECT  | gerrit.example.com:443
          CONNECT  | /
          TRACE    | /
          TRACK    | /
          PROPFIND | /project
          MKCOL    | /project
          FOO BAR  | /
          ''       | /
          G\u0000T | /
          """)
  void refusesMethodsItDoesNotForward(String method, String uri) {
    Classification c = HttpRequestClassifier.classify(method, uri);

    assertThat(c.requestClass()).isEqualTo(RequestClass.REFUSED);
    assertThat(c.label()).isEqualTo("method");
    assertThat(c.refusal().orElseThrow())
        .contains("does not forward HTTP method")
        .contains("GET, HEAD, OPTIONS, POST, PUT, DELETE and PATCH")
        .doesNotContain("\u0000");
  }

  @ParameterizedTest(name = "{0} ''{1}''")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          GET    | ''
          GET    | gerrit.example.com:443
          GET    | project/info/refs
          POST   | *
          GET    | *
          GET    | ?service=git-upload-pack
          """)
  void refusesRequestTargetsThatAreNotPaths(String method, String uri) {
    Classification c = HttpRequestClassifier.classify(method, uri);

    assertThat(c.requestClass()).isEqualTo(RequestClass.REFUSED);
    assertThat(c.label()).isEqualTo("target");
    assertThat(c.refusal().orElseThrow()).contains("is not a path");
  }

  @Test
  void refusalQuotesClientTextBoundedAndPrintable() {
    String method = "X".repeat(500) + "\r\n";

    String message = HttpRequestClassifier.classify(method, "/").refusal().orElseThrow();

    assertThat(message).hasSizeLessThan(250).doesNotContain("\r").doesNotContain("\n");
  }

  @ParameterizedTest
  @ValueSource(strings = {"%", "%2", "%zz", "%%%", "%E2%82", "%C3%28", "%FF%FE", "%u0041"})
  void malformedPercentEncodingStillClassifies(String junk) {
    Classification read =
        HttpRequestClassifier.classify("GET", "/pro" + junk + "ject/info/refs?service=git-upload-pack");
    Classification write =
        HttpRequestClassifier.classify("POST", "/pro" + junk + "ject/git-receive-pack?x=" + junk);

    assertThat(read.requestClass()).isEqualTo(RequestClass.READ);
    assertThat(read.project()).isPresent();
    assertThat(write.requestClass()).isEqualTo(RequestClass.WRITE);
  }

  @Test
  void malformedEscapeIsKeptAsWritten() {
    assertThat(HttpRequestClassifier.percentDecode("a%zzb%2", false)).isEqualTo("a%zzb%2");
    assertThat(HttpRequestClassifier.percentDecode("a%2Fb", false)).isEqualTo("a/b");
    assertThat(HttpRequestClassifier.percentDecode("%C3%A9t%C3%A9", false)).isEqualTo("été");
    assertThat(HttpRequestClassifier.percentDecode("a+b", false)).isEqualTo("a+b");
    assertThat(HttpRequestClassifier.percentDecode("a+b", true)).isEqualTo("a b");
  }

  @Test
  void plusInAPathIsLiteralNotASpace() {
    Classification c = HttpRequestClassifier.classify("POST", "/c++/git-upload-pack");

    assertThat(c.project()).contains("c++");
  }

  @Test
  void encodedSlashBetweenInfoAndRefsIsNotAnEndpoint() {
    // One segment "info/refs" is not the two segments of the git endpoint.
    Classification c = HttpRequestClassifier.classify("POST", "/project/info%2Frefs");

    assertThat(c.requestClass()).isEqualTo(RequestClass.WRITE);
    assertThat(c.label()).isEqualTo("rest");
  }

  @Test
  void aProjectLiterallyNamedLikeAPrefixIsKeptWhenNothingElseNamesIt() {
    // Gerrit's ^(?:/a)?(?:/p/|/)(.*)/info/refs reads "/a/info/refs" as project "a".
    assertThat(HttpRequestClassifier.classify("GET", "/a/info/refs").project()).contains("a");
    assertThat(HttpRequestClassifier.classify("GET", "/p/info/refs").project()).contains("p");
    assertThat(HttpRequestClassifier.classify("GET", "/a/p/info/refs").project()).contains("p");
    assertThat(HttpRequestClassifier.classify("GET", "/info/refs").project()).isEmpty();
    assertThat(HttpRequestClassifier.classify("GET", "/.git/info/refs").project()).isEmpty();
  }

  @Test
  void nullArgumentsAreProgrammingErrors() {
    assertThatNullPointerException().isThrownBy(() -> HttpRequestClassifier.classify(null, "/"));
    assertThatNullPointerException().isThrownBy(() -> HttpRequestClassifier.classify("GET", null));
  }
}
