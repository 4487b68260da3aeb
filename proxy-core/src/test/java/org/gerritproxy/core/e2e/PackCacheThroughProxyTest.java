package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.gerritproxy.core.cluster.GerritAdmin;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritClusterExtension;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.core.cluster.HttpdLogEntry;
import org.gerritproxy.core.cluster.LogMark;
import org.gerritproxy.core.events.ClusterEvent;
import org.gerritproxy.routing.packcache.FetchResponseCheck;
import org.gerritproxy.routing.packcache.VisibleRefs;
import org.gerritproxy.routing.git.PktLines;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pack cache with real git and a real Gerrit node. Alice may read {@code refs/heads/secret}
 * (an exclusive read grant to her group); Bob and anonymous users may not. Whatever Alice fetched
 * through the cache, Bob gets none of it, neither by wanting its id nor by replaying her exact
 * request; identical ls-refs of Alice and Bob at the same time are each answered from Gerrit's
 * answer to that user (the node's log shows both asked); an entry answers only its own wants;
 * clients cut in the middle of a shared fetch harm neither the others nor the entry; and a cache
 * directory that cannot be written sends fetches on to Gerrit, with an event.
 */
@ExtendWith(GerritClusterExtension.class)
class PackCacheThroughProxyTest {
  private static final Duration WAIT = Duration.ofSeconds(120);

  @TempDir static Path dir;
  static GerritNode node;
  static ProxyFixture proxy;
  static String project;
  static String alice;
  static String bob;
  static String masterId;
  static String secretId;
  static String bigId;

  @BeforeAll
  static void projectWithASecretBranch(GerritCluster cluster) throws Exception {
    node = cluster.node(1);
    SecretBranchProject p = SecretBranchProject.create(node, dir, "packs-",
        (admin, name, password) -> admin.createUser(name, password));
    project = p.name();
    alice = p.alice();
    bob = p.bob();
    masterId = p.masterId();
    secretId = p.secretId();
    bigId = p.bigId();

    proxy = ProxyFixture.start(dir, List.of(node), sections(dir.resolve("cache")));
    proxy.awaitMaster(node.name());
  }

  private static String sections(Path cache) {
    return ProxyFixture.staticMaster(node.name())
        + "[packCache]\n\tdirectory = " + cache + "\n\tproject = " + project + "\n";
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void aRepeatedFetchIsServedFromTheCacheAndTheNodeOnlyChecksTheUsersRefs() throws Exception {
    Path work = Files.createTempDirectory(dir, "repeat");
    Git.ok(work, "init", "-q", "first");
    Git.ok(work, "init", "-q", "second");
    String url = proxy.url(alice, "pw-" + alice) + "/a/" + project;
    LogMark before = node.httpdLog().mark();
    double misses = metric("miss");
    Git.ok(work.resolve("first"), "-c", "protocol.version=2", "fetch", "-q", url,
        "refs/heads/master");
    // git's ls-refs, the cache's check, and the cache's fetch unless another test filled it.
    awaitLogged(before, metric("miss") > misses ? 3 : 2);
    LogMark mark = node.httpdLog().mark();
    double hits = metric("hit");
    Git.ok(work.resolve("second"), "-c", "protocol.version=2", "fetch", "-q", url,
        "refs/heads/master");
    assertThat(Git.ok(work.resolve("second"), "cat-file", "-p", masterId + ":README"))
        .isEqualTo("visible to all\n");
    assertThat(metric("hit")).isEqualTo(hits + 1);
    // The operators' dashboard shows the hit, counted once: the very number /metrics has.
    assertThat(dashboard()).contains("<b id=\"pack-cache-hits\">" + (long) (hits + 1) + " hits</b>")
        .contains("<span id=\"pack-cache-entries\">");
    // The node saw git's own ls-refs and the cache's ls-refs check, and no fetch.
    awaitLogged(mark, 2);
    List<HttpdLogEntry> posts = uploadPackPosts(mark);
    assertThat(posts).extracting(e -> e.line().contains("gerrit-proxy-pack-cache"))
        .as("git's ls-refs, then the cache's check: %s", posts).containsExactlyInAnyOrder(false, true);
    assertThat(posts).allMatch(e -> alice.equals(e.user()));
  }

  /**
   * Gerrit decides read permissions ref by ref (a change ref's by its change), so a check of every
   * ref costs a project with many changes a decision per change on every cached fetch. The check
   * asks only about the refs the wanted tip was seen under: the node's own log shows the size of
   * what it answered the check.
   */
  @Test
  void theCheckAsksGerritOnlyAboutTheRefsTheWantWasSeenUnder() throws Exception {
    // A branch no check has seen: the first check learns its name from git's own ls-refs.
    Path work = Files.createTempDirectory(dir, "named");
    String branch = "refs/heads/named-" + Long.toString(System.nanoTime(), 36);
    String admin = node.httpUrl().toString().replace("://", "://" + GerritAdmin.ADMIN_USER + ":"
        + GerritAdmin.ADMIN_PASSWORD + "@") + "/a/" + project;
    Git.ok(work, "clone", "-q", "--single-branch", "--branch", "master", admin, "src");
    Files.writeString(work.resolve("src/NAMED"), branch + "\n");
    Git.ok(work.resolve("src"), "add", "NAMED");
    Git.ok(work.resolve("src"), "commit", "-q", "-m", "named");
    Git.ok(work.resolve("src"), "push", "-q", "origin", "HEAD:" + branch);

    String direct = node.httpUrl().toString();
    Optional<String> sha1 = Optional.of("object-format=sha1");
    long every = post(proxy.http, direct, alice,
        VisibleRefs.lsRefsRequest("t", sha1)).body().length;
    long named = post(proxy.http, direct, alice, VisibleRefs.lsRefsRequest("t", sha1,
        new java.util.TreeSet<>(List.of(branch)))).body().length;
    assertThat(named).as("what the named ref costs against every ref").isLessThan(every);

    String url = proxy.url(alice, "pw-" + alice) + "/a/" + project;
    Git.ok(work, "init", "-q", "first");
    Git.ok(work, "init", "-q", "second");
    LogMark first = node.httpdLog().mark();
    Instant firstAt = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    double misses = metric("miss");
    Git.ok(work.resolve("first"), "-c", "protocol.version=2", "fetch", "-q", url, branch);
    assertThat(metric("miss")).isEqualTo(misses + 1);
    awaitLogged(first, 3); // git's ls-refs, the check, the fill
    assertThat(checks(first, firstAt)).as("the fill's pack, and the check's answer").hasSize(2)
        .anySatisfy(c -> assertThat(c.responseLength()).isPositive()
            .isLessThanOrEqualTo(named));

    LogMark second = node.httpdLog().mark();
    Instant secondAt = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    double hits = metric("hit");
    Git.ok(work.resolve("second"), "-c", "protocol.version=2", "fetch", "-q", url, branch);
    assertThat(metric("hit")).isEqualTo(hits + 1);
    awaitLogged(second, 2); // git's ls-refs, the check
    assertThat(checks(second, secondAt)).singleElement().satisfies(c -> assertThat(c.responseLength())
        .as("the check's answer").isPositive().isLessThanOrEqualTo(named));
  }

  /**
   * The cache's own POSTs to the node logged since {@code mark} and begun at or after {@code
   * since}: not a fill of an earlier test that ended meanwhile. Gerrit stamps a line when the
   * request ends; it began its latency before (give or take the milliseconds between the two
   * clock reads).
   */
  static List<HttpdLogEntry> checks(LogMark mark, Instant since) {
    return uploadPackPosts(mark).stream()
        .filter(e -> e.line().contains("\"" + "gerrit-proxy-pack-cache" + "\"")
            && !e.time().minusMillis(Math.max(0, e.latencyMillis()))
                .isBefore(since.minusMillis(10)))
        .toList();
  }

  @Test
  void ciJobsWithHistoryFetchingTheSameBranchShareOneFetchFromTheNode() throws Exception {
    // Two CI checkouts that have master fetch the secret branch: git sends its haves once and
    // the node answers with acknowledgments and the pack at once; the second job's is a hit.
    Path work = Files.createTempDirectory(dir, "ci");
    String url = proxy.url(alice, "pw-" + alice) + "/a/" + project;
    Git.ok(work, "clone", "-q", "--bare", "--branch", "master", "--single-branch", url, "base");
    double hits = metric("hit");
    double misses = metric("miss");
    for (String job : new String[] {"job-1", "job-2"}) {
      Git.ok(work, "clone", "-q", "--bare", "--shared", "base", job);
      Git.ok(work.resolve(job), "-c", "protocol.version=2", "fetch", "-q", url,
          "refs/heads/secret:refs/heads/secret");
      assertThat(Git.ok(work.resolve(job), "cat-file", "-p", secretId + ":SECRET"))
          .startsWith("the launch code");
    }
    assertThat(metric("miss")).isEqualTo(misses + 1);
    assertThat(metric("hit")).isEqualTo(hits + 1);
  }

  @Test
  void bobCannotHaveTheSecretByItsIdNorByReplayingAlicesRequest() throws Exception {
    byte[] request = fetchBody(secretId);
    HttpResponse<byte[]> aliceFirst = post(alice, request);
    HttpResponse<byte[]> aliceAgain = post(alice, request);
    assertThat(aliceFirst.statusCode()).isEqualTo(200);
    assertThat(complete(aliceFirst.body())).as("alice gets the pack").isTrue();
    assertThat(aliceAgain.headers().firstValue("X-Gerrit-Proxy-Pack-Cache")).hasValue("hit");
    assertThat(aliceAgain.body()).isEqualTo(aliceFirst.body());

    // Bob, and anonymous users, send her exact request: Gerrit answers it, and refuses.
    for (String user : new String[] {bob, null}) {
      HttpResponse<byte[]> replay = post(user, request);
      assertThat(replay.headers().firstValue("X-Gerrit-Proxy-Pack-Cache")).as(user).isEmpty();
      assertThat(complete(replay.body())).as("%s gets no pack", user).isFalse();
      assertThat(new String(replay.body(), StandardCharsets.ISO_8859_1))
          .as(user).doesNotContain("PACK");
    }

    // Bob's git, wanting the id: Gerrit refuses, the object never reaches his repository.
    Path work = Files.createTempDirectory(dir, "bob");
    Git.ok(work, "init", "-q", "repo");
    Git.Result byId = Git.run(work.resolve("repo"), Map.of(), WAIT, "-c", "protocol.version=2",
        "fetch", proxy.url(bob, "pw-" + bob) + "/a/" + project, secretId);
    assertThat(byId.exit()).as(byId.output()).isNotZero();
    assertThat(Git.run(work.resolve("repo"), "cat-file", "-e", secretId).exit()).isNotZero();
    // Nor does wanting it beside a tip he can see help.
    HttpResponse<byte[]> mixed = post(bob, fetchBody(masterId, secretId));
    assertThat(mixed.headers().firstValue("X-Gerrit-Proxy-Pack-Cache")).isEmpty();
    assertThat(complete(mixed.body())).isFalse();
  }

  @Test
  void identicalLsRefsOfTwoUsersAreEachAnsweredFromTheirOwnRequestsToGerrit() throws Exception {
    // Alice and Bob send the same ls-refs body at the same time, many times each. Identical
    // requests of one user may wait for one answer from Gerrit; the other user's never.
    byte[] lsRefs = lsRefsBody();
    java.net.http.HttpClient h1 = java.net.http.HttpClient.newBuilder()
        .version(java.net.http.HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    String aliceOwn = refs(post(h1, node.httpUrl().toString(), alice, lsRefs).body());
    String bobOwn = refs(post(h1, node.httpUrl().toString(), bob, lsRefs).body());
    assertThat(aliceOwn).contains("refs/heads/secret").contains("refs/heads/master");
    assertThat(bobOwn).doesNotContain("refs/heads/secret").contains("refs/heads/master");

    double shared = refMetric("shared");
    LogMark mark = node.httpdLog().mark();
    int perUser = 6;
    Map<String, Integer> coalesced = new java.util.HashMap<>(Map.of(alice, 0, bob, 0));
    int rounds = 0;
    ExecutorService pool = Executors.newFixedThreadPool(2 * perUser);
    try {
      // Bounded: on any machine a few rounds of twelve requests at once overlap somewhere.
      while (rounds < 20 && (coalesced.get(alice) == 0 || coalesced.get(bob) == 0)) {
        rounds++;
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        List<Map.Entry<String, Future<HttpResponse<byte[]>>>> sent = new ArrayList<>();
        for (int i = 0; i < perUser; i++) {
          for (String user : new String[] {alice, bob}) {
            sent.add(Map.entry(user, pool.submit(() -> {
              go.await();
              return post(h1, proxy.url(), user, lsRefs);
            })));
          }
        }
        go.countDown();
        for (Map.Entry<String, Future<HttpResponse<byte[]>>> f : sent) {
          HttpResponse<byte[]> r = f.getValue().get(WAIT.toSeconds(), TimeUnit.SECONDS);
          assertThat(r.statusCode()).isEqualTo(200);
          // Each user gets exactly what Gerrit tells that user: Bob never sees Alice's branch.
          assertThat(refs(r.body())).as(f.getKey())
              .isEqualTo(f.getKey().equals(alice) ? aliceOwn : bobOwn);
          if (r.headers().firstValue("X-Gerrit-Proxy-Pack-Cache").orElse("").equals("coalesced")) {
            coalesced.merge(f.getKey(), 1, Integer::sum);
          }
        }
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(coalesced).as("answers shared within %s rounds", rounds)
        .allSatisfy((user, n) -> assertThat(n).isPositive());
    assertThat(refMetric("shared")).isGreaterThanOrEqualTo(shared + 2);
    // The node's own log: in every round, Gerrit was asked as Alice and as Bob; never a request
    // on behalf of anyone else, and fewer requests than the clients sent.
    int sentInAll = rounds * 2 * perUser;
    int finalRounds = rounds;
    TwoChannelProxy.awaitTrue(() -> {
      List<HttpdLogEntry> posts = uploadPackPosts(mark);
      return posts.stream().filter(e -> alice.equals(e.user())).count() >= finalRounds
          && posts.stream().filter(e -> bob.equals(e.user())).count() >= finalRounds;
    }, WAIT, "ls-refs of each user logged in each round");
    List<HttpdLogEntry> posts = uploadPackPosts(mark);
    assertThat(posts).allMatch(e -> alice.equals(e.user()) || bob.equals(e.user()));
    assertThat(posts.size()).as("requests Gerrit saw").isLessThan(sentInAll);
  }

  @Test
  void anEntryNeverAnswersOtherWants() throws Exception {
    HttpResponse<byte[]> master = post(alice, fetchBody(masterId));
    HttpResponse<byte[]> masterAgain = post(alice, fetchBody(masterId));
    assertThat(masterAgain.headers().firstValue("X-Gerrit-Proxy-Pack-Cache")).hasValue("hit");
    HttpResponse<byte[]> both = post(alice, fetchBody(masterId, secretId));
    assertThat(both.headers().firstValue("X-Gerrit-Proxy-Pack-Cache")).hasValue("miss");
    assertThat(both.body()).isNotEqualTo(master.body());
    HttpResponse<byte[]> withHave = post(alice, fetchBody(List.of(secretId), List.of(masterId)));
    assertThat(withHave.headers().firstValue("X-Gerrit-Proxy-Pack-Cache")).hasValue("miss");
    assertThat(complete(withHave.body())).isTrue();
  }

  @Test
  void clientsCutInTheMiddleOfASharedFetchHarmNeitherTheOthersNorTheEntry() throws Exception {
    byte[] request = fetchBody(bigId);
    double misses = metric("miss");
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      // The first client leads the fill, reads a little, and hangs up.
      Socket leader = rawPost(alice, request);
      String head = readHead(leader.getInputStream());
      assertThat(head).containsIgnoringCase("X-Gerrit-Proxy-Pack-Cache: miss");
      List<Future<HttpResponse<byte[]>>> followers = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        followers.add(pool.submit(() -> post(alice, request)));
      }
      List<Future<?>> quitters = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        quitters.add(pool.submit(() -> {
          try (Socket s = rawPost(alice, request)) {
            readHead(s.getInputStream());
            s.getInputStream().readNBytes(100_000);
            s.setSoLinger(true, 0); // a reset, as a killed client leaves it
          }
          return null;
        }));
      }
      leader.getInputStream().readNBytes(10_000);
      leader.setSoLinger(true, 0);
      leader.close();
      for (Future<?> q : quitters) {
        q.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      }
      byte[] first = null;
      for (Future<HttpResponse<byte[]>> f : followers) {
        HttpResponse<byte[]> r = f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(complete(r.body())).as("a whole answer").isTrue();
        if (first == null) {
          first = r.body();
        }
        assertThat(r.body()).as("every client gets the same bytes").isEqualTo(first);
      }
      HttpResponse<byte[]> later = post(alice, request);
      assertThat(later.headers().firstValue("X-Gerrit-Proxy-Pack-Cache")).hasValue("hit");
      assertThat(later.body()).as("the entry holds the same bytes").isEqualTo(first);
      assertThat(metric("miss")).as("one fetch from the node").isEqualTo(misses + 1);
      // And git takes the entry for a real pack.
      Path work = Files.createTempDirectory(dir, "big");
      Git.ok(work, "init", "-q", "repo");
      Git.ok(work.resolve("repo"), "-c", "protocol.version=2", "fetch", "-q",
          proxy.url(alice, "pw-" + alice) + "/a/" + project, "refs/heads/big");
      Git.ok(work.resolve("repo"), "fsck", "--no-dangling");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aCacheDirectoryThatCannotBeWrittenSendsFetchesOnToGerritWithAnEvent() throws Exception {
    Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
    try {
      proxy.reconfigure(List.of(node), sections(file.resolve("cache")));
      double passed = metric("passed");
      Path work = Files.createTempDirectory(dir, "unwritable");
      Git.ok(work, "init", "-q", "repo");
      Git.ok(work.resolve("repo"), "-c", "protocol.version=2", "fetch", "-q",
          proxy.url(alice, "pw-" + alice) + "/a/" + project, "refs/heads/secret");
      assertThat(Git.ok(work.resolve("repo"), "cat-file", "-p", secretId + ":SECRET"))
          .startsWith("the launch code");
      assertThat(metric("passed")).isGreaterThan(passed);
      assertThat(proxy.process().events().recent()).extracting(ClusterEvent::kind,
              e -> e.message().contains("cannot be written"))
          .contains(org.assertj.core.groups.Tuple.tuple("pack-cache", true));
    } finally {
      proxy.reconfigure(List.of(node), sections(dir.resolve("cache")));
    }
  }

  // ---------------------------------------------------------------- helpers

  static byte[] fetchBody(String... wants) {
    return fetchBody(List.of(wants), List.of());
  }

  /** A protocol v2 fetch request, as git sends it for a fetch with no negotiation left. */
  static byte[] fetchBody(List<String> wants, List<String> haves) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(PktLines.data("command=fetch\n"));
    b.writeBytes(PktLines.data("agent=git/2.39.5\n"));
    b.writeBytes(PktLines.data("object-format=sha1\n"));
    b.writeBytes(PktLines.DELIM);
    b.writeBytes(PktLines.data("thin-pack\n"));
    b.writeBytes(PktLines.data("ofs-delta\n"));
    for (String w : wants) {
      b.writeBytes(PktLines.data("want " + w + "\n"));
    }
    for (String h : haves) {
      b.writeBytes(PktLines.data("have " + h + "\n"));
    }
    b.writeBytes(PktLines.data("done\n"));
    b.writeBytes(PktLines.FLUSH);
    return b.toByteArray();
  }

  /** git's ls-refs of the branches, as git 2.39 sends it. */
  static byte[] lsRefsBody() {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(PktLines.data("command=ls-refs\n"));
    b.writeBytes(PktLines.data("agent=git/2.39.5\n"));
    b.writeBytes(PktLines.data("object-format=sha1\n"));
    b.writeBytes(PktLines.DELIM);
    b.writeBytes(PktLines.data("peel\n"));
    b.writeBytes(PktLines.data("symrefs\n"));
    b.writeBytes(PktLines.data("ref-prefix refs/heads/\n"));
    b.writeBytes(PktLines.FLUSH);
    return b.toByteArray();
  }

  /** The ref lines of an ls-refs answer, sorted (the order is Gerrit's, not the user's). */
  static String refs(byte[] answer) {
    return PktLines.parse(answer).stream().filter(l -> l.kind() == PktLines.Kind.DATA)
        .map(PktLines.Line::text).sorted().collect(java.util.stream.Collectors.joining());
  }

  /** POSTs {@code body} to {@code base}'s git-upload-pack of the project as {@code user}. */
  static HttpResponse<byte[]> post(java.net.http.HttpClient client, String base, String user,
      byte[] body) throws Exception {
    HttpRequest r = HttpRequest.newBuilder(URI.create(base + "/a/" + project + "/git-upload-pack"))
        .timeout(WAIT)
        .header("Content-Type", "application/x-git-upload-pack-request")
        .header("Accept", "application/x-git-upload-pack-result")
        .header("Git-Protocol", "version=2")
        .header("Authorization", basic(user))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    return client.send(r, HttpResponse.BodyHandlers.ofByteArray());
  }

  static double refMetric(String result) throws Exception {
    String doc = proxy.http.send(HttpRequest.newBuilder(URI.create(proxy.adminUrl() + "/metrics"))
        .timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString()).body();
    return Metrics.sum(doc, "gerrit_proxy_pack_cache_ref_requests_total", Map.of("result", result));
  }

  static boolean complete(byte[] answer) {
    FetchResponseCheck c = new FetchResponseCheck();
    c.feed(answer, 0, answer.length);
    return c.finish() == FetchResponseCheck.State.COMPLETE;
  }

  /** POSTs {@code body} to the project's git-upload-pack as {@code user} (null: anonymous). */
  static HttpResponse<byte[]> post(String user, byte[] body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(proxy.url()
            + (user == null ? "/" : "/a/") + project + "/git-upload-pack"))
        .timeout(WAIT)
        .header("Content-Type", "application/x-git-upload-pack-request")
        .header("Accept", "application/x-git-upload-pack-result")
        .header("Git-Protocol", "version=2")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (user != null) {
      b.header("Authorization", basic(user));
    }
    return proxy.http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  static Socket rawPost(String user, byte[] body) throws IOException {
    Socket s = new Socket("127.0.0.1", proxy.process().httpAddress().getPort());
    s.setSoTimeout((int) WAIT.toMillis());
    OutputStream out = s.getOutputStream();
    out.write(("POST /a/" + project + "/git-upload-pack HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Authorization: " + basic(user) + "\r\n"
        + "Content-Type: application/x-git-upload-pack-request\r\n"
        + "Git-Protocol: version=2\r\nContent-Length: " + body.length + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.write(body);
    out.flush();
    return s;
  }

  static String readHead(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    while (!sb.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        break;
      }
      sb.append((char) c);
    }
    return sb.toString();
  }

  static String basic(String user) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":pw-" + user)
        .getBytes(StandardCharsets.UTF_8));
  }

  static String dashboard() throws Exception {
    return proxy.http.send(HttpRequest.newBuilder(URI.create(proxy.adminUrl() + "/"))
        .timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  static double metric(String result) throws Exception {
    String doc = proxy.http.send(HttpRequest.newBuilder(URI.create(proxy.adminUrl() + "/metrics"))
        .timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString()).body();
    return Metrics.sum(doc, "gerrit_proxy_pack_cache_requests_total", Map.of("result", result));
  }

  static List<HttpdLogEntry> uploadPackPosts(LogMark mark) {
    return node.httpdLog().since(mark).stream()
        .filter(e -> e.method().equals("POST") && e.path().endsWith("/git-upload-pack"))
        .toList();
  }

  /** The node writes its log after each response: wait until {@code n} POSTs are in it. */
  static void awaitLogged(LogMark mark, int n) throws InterruptedException {
    TwoChannelProxy.awaitTrue(() -> uploadPackPosts(mark).size() >= n, WAIT,
        n + " upload-pack POSTs logged");
  }
}
