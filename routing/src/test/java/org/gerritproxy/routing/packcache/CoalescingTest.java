package org.gerritproxy.routing.packcache;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.gerritproxy.routing.packcache.Coalescing.Decision;
import org.gerritproxy.routing.packcache.Coalescing.Kind;
import org.gerritproxy.routing.packcache.Coalescing.Request;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Which requests may wait for an identical one's answer, and which answers may be shared. */
class CoalescingTest {

  static final byte[] LS_REFS = Pkt.of("command=ls-refs", "agent=git/2.43.0",
      "object-format=sha1", "0001", "peel", "symrefs", "ref-prefix refs/changes/34/1234/1", "0000");

  static List<Map.Entry<String, String>> gitHeaders(String... more) {
    List<Map.Entry<String, String>> h = new ArrayList<>(List.of(
        Map.entry("Host", "gerrit.example.com"), Map.entry("User-Agent", "git/2.43.0"),
        Map.entry("Accept", "application/x-git-upload-pack-result"),
        Map.entry("Content-Type", "application/x-git-upload-pack-request"),
        Map.entry("Git-Protocol", "version=2")));
    for (int i = 0; i < more.length; i += 2) {
      h.add(Map.entry(more[i], more[i + 1]));
    }
    return h;
  }

  static Request lsRefs(List<Map.Entry<String, String>> headers, byte[] body) {
    return new Request("POST", "/a/ci/project/git-upload-pack", "gerrit-1", Kind.UPLOAD_PACK_RPC,
        headers, body, Optional.of("ls-refs"));
  }

  static Optional<String> key(Request r) {
    return Coalescing.decide(r) instanceof Decision.Join j ? Optional.of(j.key()) : Optional.empty();
  }

  @Test
  void identicalRequestsOfOneUserShareAKey() {
    Request a = lsRefs(gitHeaders("Authorization", "Basic Y2k6cHc="), LS_REFS);
    Request b = lsRefs(gitHeaders("Authorization", "Basic Y2k6cHc="), LS_REFS.clone());
    assertThat(key(a)).isPresent().isEqualTo(key(b));
    // The connection's framing and the reported client address are no part of the request.
    Request framed = lsRefs(gitHeaders("Authorization", "Basic Y2k6cHc=", "Connection",
        "keep-alive", "Content-Length", "170", "X-Forwarded-For", "10.1.2.3"), LS_REFS);
    assertThat(key(framed)).isEqualTo(key(a));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      another user                        | Authorization | Basic Ym9iOnB3
      another user's session cookie       | Cookie        | GerritAccount=aSession
      no credentials at all               | -             | -
      another git                         | User-Agent    | git/2.39.5
      a header more                       | Accept-Language | de
      """)
  void anyOtherHeaderMakesAnotherRequest(String name, String header, String value) {
    Request alice = lsRefs(gitHeaders("Authorization", "Basic YWxpY2U6cHc="), LS_REFS);
    List<Map.Entry<String, String>> h = new ArrayList<>(gitHeaders());
    if (!header.equals("-")) {
      h.removeIf(e -> e.getKey().equalsIgnoreCase(header));
      if (!header.equals("Authorization")) {
        h.add(Map.entry("Authorization", "Basic YWxpY2U6cHc="));
      }
      h.add(Map.entry(header, value));
    }
    assertThat(key(lsRefs(h, LS_REFS))).isPresent().isNotEqualTo(key(alice));
  }

  @Test
  void anotherBodyTargetOrNodeIsAnotherRequest() {
    Request a = lsRefs(gitHeaders(), LS_REFS);
    byte[] other = Pkt.of("command=ls-refs", "agent=git/2.43.0", "object-format=sha1", "0001",
        "peel", "symrefs", "ref-prefix refs/heads/", "0000");
    assertThat(key(lsRefs(gitHeaders(), other))).isNotEqualTo(key(a));
    Request otherProject = new Request("POST", "/a/ci/other/git-upload-pack", "gerrit-1",
        Kind.UPLOAD_PACK_RPC, gitHeaders(), LS_REFS, Optional.of("ls-refs"));
    assertThat(key(otherProject)).isPresent().isNotEqualTo(key(a));
    Request otherNode = new Request("POST", "/a/ci/project/git-upload-pack", "gerrit-2",
        Kind.UPLOAD_PACK_RPC, gitHeaders(), LS_REFS, Optional.of("ls-refs"));
    assertThat(key(otherNode)).isPresent().isNotEqualTo(key(a));
    // Header values are compared exactly: a header split differently is another request.
    List<Map.Entry<String, String>> twice = gitHeaders("Cookie", "a=1", "Cookie", "b=2");
    List<Map.Entry<String, String>> swapped = gitHeaders("Cookie", "b=2", "Cookie", "a=1");
    assertThat(key(lsRefs(twice, LS_REFS))).isNotEqualTo(key(lsRefs(swapped, LS_REFS)));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      v2 capability advertisement   | GET  | ADVERTISEMENT   | version=2 | -       | -         | join
      ls-refs                       | POST | UPLOAD_PACK_RPC | version=2 | ls-refs | -         | join
      a fetch is the pack cache's   | POST | UPLOAD_PACK_RPC | version=2 | fetch   | -         | alone
      an RPC without a command      | POST | UPLOAD_PACK_RPC | version=2 | -       | -         | alone
      v0 ref advertisement          | GET  | ADVERTISEMENT   | -         | -       | -         | alone
      v1                            | GET  | ADVERTISEMENT   | version=1 | -       | -         | alone
      Expect: 100-continue          | POST | UPLOAD_PACK_RPC | version=2 | ls-refs | expect    | alone
      a push or anything else       | POST | OTHER           | version=2 | ls-refs | -         | alone
      an advertisement POSTed       | POST | ADVERTISEMENT   | version=2 | -       | -         | alone
      """)
  void whatMayBeCoalesced(String name, String method, Kind kind, String protocol, String command,
      String expect, String expected) {
    List<Map.Entry<String, String>> h = new ArrayList<>(gitHeaders());
    h.removeIf(e -> e.getKey().equals("Git-Protocol"));
    if (!protocol.equals("-")) {
      h.add(Map.entry("Git-Protocol", protocol));
    }
    if (!expect.equals("-")) {
      h.add(Map.entry("Expect", "100-continue"));
    }
    byte[] body = method.equals("GET") ? new byte[0] : LS_REFS;
    Request r = new Request(method, "/ci/project/x", "gerrit-1", kind, h, body,
        command.equals("-") ? Optional.empty() : Optional.of(command));
    Decision d = Coalescing.decide(r);
    assertThat(d instanceof Decision.Join ? "join" : "alone").isEqualTo(expected);
  }

  static final byte[] LS_REFS_ANSWER = Pkt.of(
      "0123456789012345678901234567890123456789 refs/heads/master", "0000");

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      a plain success                  | 200 | application/x-git-upload-pack-result | -          | -                  | ok   | shared
      a challenge                      | 401 | text/plain                           | -          | -                  | ok   | status 401
      not found                        | 404 | text/plain                           | -          | -                  | ok   | status 404
      a node failing                   | 502 | text/plain                           | -          | -                  | ok   | status 502
      a new session                    | 200 | application/x-git-upload-pack-result | Set-Cookie | GerritAccount=x    | ok   | it sets a cookie
      a challenge in a success         | 200 | application/x-git-upload-pack-result | WWW-Authenticate | Basic        | ok   | it asks for credentials
      an HTML page                     | 200 | text/html                            | -          | -                  | ok   | content type 'text/html'
      git's ERR                        | 200 | application/x-git-upload-pack-result | -          | -                  | err  | an ERR line
      no pkt-lines                     | 200 | application/x-git-upload-pack-result | -          | -                  | junk | an ERR line
      too large                        | 200 | application/x-git-upload-pack-result | -          | -                  | big  | larger than 16777216 bytes
      """)
  void whichAnswersAreShared(String name, int status, String type, String header, String value,
      String body, String expected) {
    List<Map.Entry<String, String>> h = new ArrayList<>(List.of(Map.entry("Content-Type", type)));
    if (!header.equals("-")) {
      h.add(Map.entry(header, value));
    }
    byte[] b = switch (body) {
      case "ok" -> LS_REFS_ANSWER;
      case "err" -> Pkt.of("ERR gerrit-proxy: the Gerrit servers are busy", "0000");
      case "junk" -> "<html>".getBytes(StandardCharsets.UTF_8);
      default -> null;
    };
    assertThat(Coalescing.unshareableBecause(Kind.UPLOAD_PACK_RPC, status, h, b).orElse("shared"))
        .isEqualTo(expected);
  }

  @Test
  void anAdvertisementIsSharedOnlyAsOne() {
    byte[] advertisement = Pkt.of("version 2", "agent=JGit/7.1", "ls-refs=unborn", "fetch=shallow",
        "0000");
    List<Map.Entry<String, String>> h =
        List.of(Map.entry("Content-Type", "application/x-git-upload-pack-advertisement"));
    assertThat(Coalescing.unshareableBecause(Kind.ADVERTISEMENT, 200, h, advertisement)).isEmpty();
    assertThat(Coalescing.unshareableBecause(Kind.UPLOAD_PACK_RPC, 200, h, advertisement))
        .isPresent();
  }
}
