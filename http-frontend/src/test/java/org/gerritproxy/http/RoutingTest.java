package org.gerritproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.ReadYourWrites;
import org.gerritproxy.routing.Rendezvous;
import org.gerritproxy.routing.SessionKey;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RoutingTest extends ProxyFixture {

  Node n1;
  Node n2;
  Node n3;

  @BeforeEach
  void cluster() throws Exception {
    n1 = node("gerrit-1", backend("gerrit-1").uri(), 100);
    n2 = node("gerrit-2", backend("gerrit-2").uri(), 50);
    n3 = node("gerrit-3", backend("gerrit-3").uri(), 10);
    snapshot.set(snapshot(List.of(n1, n2, n3), "gerrit-1", Duration.ofSeconds(10)));
    startProxy();
  }

  @Test
  void readsAreStickyPerSessionAndNamedInTheNodeHeader() throws Exception {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      String cookie = "GerritAccount=session-" + i;
      String expected = Rendezvous.rank(
          SessionKey.forHttp(cookie, null, "127.0.0.1"), List.of(n1, n2, n3)).get(0).name();
      for (int j = 0; j < 2; j++) {
        RawHttp.Response r = get("/changes/?q=status:open", "Cookie: " + cookie + "\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("X-Gerrit-Proxy-Node")).contains(expected);
        assertThat(r.text()).isEqualTo("hello from " + expected);
      }
      seen.add(expected);
    }
    assertThat(seen).as("twenty sessions spread over the nodes").hasSizeGreaterThan(1);
  }

  @Test
  void writesGoToMasterEvenWhenStickyNodeDiffers() throws Exception {
    String cookie = stickyCookieNotOn("gerrit-1");
    try (RawHttp c = client()) {
      c.send("POST /a/changes/ HTTP/1.1\r\nHost: x\r\nCookie: " + cookie
          + "\r\nContent-Length: 2\r\n\r\n{}");
      RawHttp.Response r = c.read();
      assertThat(r.header("X-Gerrit-Proxy-Node")).contains("gerrit-1");
      c.send("POST /a/changes/1/submit HTTP/1.1\r\nHost: x\r\nCookie: " + cookie
          + "\r\nContent-Length: 0\r\n\r\n");
      assertThat(c.read().header("X-Gerrit-Proxy-Node")).contains("gerrit-1");
    }
    assertThat(backends.get(0).received).extracting(TestBackend.Received::uri)
        .containsExactly("/a/changes/", "/a/changes/1/submit");
  }

  @Test
  void gitPushGoesToMasterAndFetchToStickyNode() throws Exception {
    String cookie = stickyCookieNotOn("gerrit-1");
    RawHttp.Response push = get("/a/p.git/info/refs?service=git-receive-pack", "Cookie: " + cookie + "\r\n");
    assertThat(push.header("X-Gerrit-Proxy-Node")).contains("gerrit-1");
    RawHttp.Response fetch = get("/a/p.git/info/refs?service=git-upload-pack", "Cookie: " + cookie + "\r\n");
    assertThat(fetch.header("X-Gerrit-Proxy-Node")).isPresent().get().isNotEqualTo("gerrit-1");
  }

  @Test
  void aSessionReadsFromTheMasterRightAfterItsWrite() throws Exception {
    String cookie = stickyCookieNotOn("gerrit-1");
    assertThat(get("/changes/1", "Cookie: " + cookie + "\r\n").header("X-Gerrit-Proxy-Node"))
        .isPresent().get().isNotEqualTo("gerrit-1");
    try (RawHttp c = client()) {
      c.send("PUT /a/changes/1/topic HTTP/1.1\r\nHost: x\r\nCookie: " + cookie
          + "\r\nContent-Length: 2\r\n\r\n{}");
      assertThat(c.read().status()).isEqualTo(200);
    }
    assertThat(get("/changes/1", "Cookie: " + cookie + "\r\n").header("X-Gerrit-Proxy-Node"))
        .contains("gerrit-1");
  }

  @Test
  void aUserReadsFromTheMasterAfterAWriteMadeInAnotherSession() throws Exception {
    String user = userStickyNotOn("gerrit-1");
    String auth = "Authorization: " + basic(user) + "\r\n";
    assertThat(get("/a/changes/1", auth).header("X-Gerrit-Proxy-Node"))
        .isPresent().get().isNotEqualTo("gerrit-1");
    try (RawHttp c = client()) {
      c.send("PUT /a/changes/1/topic HTTP/1.1\r\nHost: x\r\nCookie: GerritAccount=elsewhere\r\n"
          + auth + "Content-Length: 2\r\n\r\n{}");
      assertThat(c.read().status()).isEqualTo(200);
    }

    assertThat(get("/a/changes/1", auth).header("X-Gerrit-Proxy-Node")).contains("gerrit-1");
  }

  @Test
  void aUsersWriteOverSshSendsTheirHttpReadsToTheMaster() throws Exception {
    String user = userStickyNotOn("gerrit-1");
    String auth = "Authorization: " + basic(user) + "\r\n";
    String other = "Authorization: " + basic(user + "-other") + "\r\n";
    String otherSticky = get("/a/changes/1", other).header("X-Gerrit-Proxy-Node").orElseThrow();

    // What the SSH frontend records after the user's successful push.
    readYourWrites.wrote(ReadYourWrites.writer(Optional.of(user), SessionKey.forSsh(user)),
        Duration.ofSeconds(10));

    assertThat(get("/a/changes/1", auth).header("X-Gerrit-Proxy-Node")).contains("gerrit-1");
    assertThat(get("/a/changes/1", other).header("X-Gerrit-Proxy-Node")).contains(otherSticky);
  }

  @Test
  void aZeroWindowLeavesAWritersReadsSticky() throws Exception {
    snapshot.set(snapshot(List.of(n1, n2, n3), "gerrit-1", Duration.ZERO));
    String user = userStickyNotOn("gerrit-1");
    String auth = "Authorization: " + basic(user) + "\r\n";
    try (RawHttp c = client()) {
      c.send("PUT /a/changes/1/topic HTTP/1.1\r\nHost: x\r\n" + auth
          + "Content-Length: 2\r\n\r\n{}");
      assertThat(c.read().header("X-Gerrit-Proxy-Node")).contains("gerrit-1");
    }

    assertThat(get("/a/changes/1", auth).header("X-Gerrit-Proxy-Node"))
        .isPresent().get().isNotEqualTo("gerrit-1");
    assertThat(readYourWrites.size()).isZero();
  }

  @Test
  void hostHeaderAndAbsoluteUriNeverChooseTheBackend() throws Exception {
    String cookie = "GerritAccount=abc";
    String expected = Rendezvous.rank(
        SessionKey.forHttp(cookie, null, "127.0.0.1"), List.of(n1, n2, n3)).get(0).name();
    try (RawHttp c = client()) {
      c.send("GET http://evil.example.com:1/a/projects/?d HTTP/1.1\r\nHost: 10.9.9.9:22\r\nCookie: "
          + cookie + "\r\n\r\n");
      RawHttp.Response r = c.read();
      assertThat(r.header("X-Gerrit-Proxy-Node")).contains(expected);
    }
    TestBackend b = backends.stream().filter(x -> x.name.equals(expected)).findFirst().orElseThrow();
    assertThat(b.last().uri()).isEqualTo("/a/projects/?d");
    assertThat(b.last().headers().get("Host")).isEqualTo("10.9.9.9:22");
  }

  @Test
  void theNodeHeaderCanBeTurnedOff() throws Exception {
    proxy.shutdownGracefully(Duration.ofSeconds(1));
    startProxy(settings().withNodeHeader(java.util.Optional.empty()));
    assertThat(get("/", "").header("X-Gerrit-Proxy-Node")).isEmpty();
  }

  private String userStickyNotOn(String nodeName) {
    for (int i = 0; ; i++) {
      String user = "user" + i;
      if (!Rendezvous.rank(SessionKey.forSsh(user), List.of(n1, n2, n3))
          .get(0).name().equals(nodeName)) {
        return user;
      }
    }
  }

  private static String basic(String user) {
    return "Basic " + Base64.getEncoder().encodeToString(
        (user + ":pw").getBytes(StandardCharsets.UTF_8));
  }

  private String stickyCookieNotOn(String nodeName) {
    for (int i = 0; ; i++) {
      String cookie = "GerritAccount=s" + i;
      if (!Rendezvous.rank(SessionKey.forHttp(cookie, null, "127.0.0.1"), List.of(n1, n2, n3))
          .get(0).name().equals(nodeName)) {
        return cookie;
      }
    }
  }
}
