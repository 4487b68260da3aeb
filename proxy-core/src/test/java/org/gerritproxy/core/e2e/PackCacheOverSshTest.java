package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritClusterExtension;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.core.cluster.LogMark;
import org.gerritproxy.core.cluster.SshdLogEntry;
import org.gerritproxy.routing.git.PktLines;
import org.gerritproxy.routing.packcache.FetchResponseCheck;
import org.gerritproxy.ssh.KeyFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pack cache for git protocol v2 fetches over SSH, with real git, ssh and a real Gerrit node.
 * Alice may read {@code refs/heads/secret} (an exclusive read grant to her group); Bob may not.
 * A repeated identical fetch is answered from the cache: the node still runs Alice's
 * git-upload-pack (the cache's ls-refs check, as her) but builds no pack. Whatever Alice fetched,
 * Bob gets none of it; clients cut in the middle of a shared fetch harm neither the others nor
 * the entry; protocol v0 and v1 fetches are never cached.
 *
 * <p>What the node did is read from its own {@code sshd_log}: Gerrit 3.10 ends the line of a
 * git-upload-pack with its pack statistics, eleven quoted fields, all {@code -1} when the
 * session sent no pack (an ls-remote, or a fetch that found nothing to send). A session whose
 * client went away before it ended is logged as {@code killed}, without statistics:
 * <pre>
 * … alice a/1000001 suexec.--as.alice.--from.127.0.0.1:60742.--.git-upload-pack./p 15ms 271ms '0ms 1ms 0ms 0ms 0ms 199ms 200ms -1 0 5 2098200' 0 - 105ms 100ms 7298424
 * … alice a/1000001 suexec.--as.alice.--from.127.0.0.1:60754.--.git-upload-pack./p 9ms 15ms '-1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1' 0 - 6ms 10ms 144464
 * … 'Gerrit Code Review' - suexec.--as.alice.--from.127.0.0.1:38750.--.git-upload-pack./p 0ms 5737ms - killed - -155ms -150ms -4977848
 * </pre>
 */
@ExtendWith(GerritClusterExtension.class)
class PackCacheOverSshTest {
  private static final Duration WAIT = Duration.ofSeconds(120);

  @TempDir static Path dir;
  static GerritNode node;
  static ProxyFixture proxy;
  static String project;
  static String alice;
  static String bob;
  static Path aliceKey;
  static Path bobKey;
  static String masterId;
  static String secretId;
  static String bigId;

  @BeforeAll
  static void projectWithASecretBranch(GerritCluster cluster) throws Exception {
    node = cluster.node(1);
    Map<String, Path> keys = new java.util.HashMap<>();
    SecretBranchProject p = SecretBranchProject.create(node, dir, "ssh-packs-",
        (admin, name, password) -> keys.put(name, SshCli.newUserWithKey(dir, admin, name,
            password)));
    project = p.name();
    alice = p.alice();
    bob = p.bob();
    aliceKey = keys.get(alice);
    bobKey = keys.get(bob);
    masterId = p.masterId();
    secretId = p.secretId();
    bigId = p.bigId();

    // Only this node: every fetch goes to the node whose log is read.
    node.trustPeerKey(KeyFiles.publicBase64(KeyFiles.loadOrCreate(dir.resolve("peer_key"))));
    proxy = ProxyFixture.start(dir, List.of(node), ProxyFixture.sshSections(dir, "")
        + "[packCache]\n\tdirectory = " + dir.resolve("cache") + "\n\tproject = " + project + "\n");
    proxy.awaitMaster(node.name());
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void aRepeatedSshFetchIsServedFromTheCacheAndTheNodeBuildsNoPack() throws Exception {
    Path work = Files.createTempDirectory(dir, "repeat");
    Git.ok(work, "init", "-q", "first");
    Git.ok(work, "init", "-q", "second");
    fetch(work.resolve("first"), alice, "2", "refs/heads/master").assertOk("first fetch");
    settleSshdLog();

    LogMark mark = node.sshdLog().mark();
    double hits = metric("hit");
    fetch(work.resolve("second"), alice, "2", "refs/heads/master").assertOk("repeated fetch");
    assertThat(Git.ok(work.resolve("second"), "cat-file", "-p", masterId + ":README"))
        .isEqualTo("visible to all\n");

    // The node ran Alice's git-upload-pack (the cache's ls-refs check, as her), ended it, and
    // says it sent no pack (a session cut by the proxy could not say so).
    List<SshdLogEntry> uploads = awaitUploadPacks(mark, alice, 1);
    assertThat(uploads).extracting(PackCacheOverSshTest::outcome)
        .as("what the node did for the repeated fetch: %s", uploads)
        .containsExactly(Outcome.SENT_NO_PACK);
    assertThat(metric("hit")).isEqualTo(hits + 1);
  }

  @Test
  void bobCannotHaveTheSecretOverSshAfterAliceFetchedItThroughTheCache() throws Exception {
    // Alice fetches the secret branch twice: the second from the cache, once it is filled.
    for (String name : new String[] {"alice-1", "alice-2"}) {
      Path repo = Files.createTempDirectory(dir, name);
      Git.ok(repo, "init", "-q");
      fetch(repo, alice, "2", "refs/heads/secret").assertOk(name);
      assertThat(Git.ok(repo, "cat-file", "-p", secretId + ":SECRET"))
          .startsWith("the launch code");
    }
    // Her exact request, sent again by hand, gets the pack: Bob's replay below is a real test.
    byte[] request = gitsFetchRequest(secretId);
    double hits = metric("hit");
    RawFetch aliceAgain = rawFetch(alice, aliceKey, request);
    assertThat(aliceAgain.advertisement()).as("GIT_PROTOCOL reached the node")
        .startsWith("version 2");
    assertThat(aliceAgain.complete()).as("alice gets the pack: %s", aliceAgain).isTrue();
    assertThat(metric("hit")).as("her request, answered from the cache's entry")
        .isEqualTo(hits + 1);

    LogMark mark = node.sshdLog().mark();
    // Bob sends her exact request: it goes on to Gerrit, which refuses.
    RawFetch replay = rawFetch(bob, bobKey, request);
    assertThat(replay.complete()).as("bob gets no pack: %s", replay).isFalse();
    assertThat(new String(replay.answer(), StandardCharsets.ISO_8859_1)).doesNotContain("PACK");
    // Nor does wanting it beside a tip he can see help.
    RawFetch mixed = rawFetch(bob, bobKey, gitsFetchRequest(masterId, secretId));
    assertThat(mixed.complete()).as("bob gets no pack: %s", mixed).isFalse();
    assertThat(new String(mixed.answer(), StandardCharsets.ISO_8859_1)).doesNotContain("PACK");

    // Bob's git, wanting the id: refused, the object never reaches his repository.
    Path repo = Files.createTempDirectory(dir, "bob");
    Git.ok(repo, "init", "-q");
    Git.Result byId = fetch(repo, bob, "2", secretId);
    assertThat(byId.exit()).as(byId.output()).isNotZero();
    assertThat(Git.run(repo, "cat-file", "-e", secretId).exit()).isNotZero();
    assertThat(Git.run(repo, "cat-file", "-e", secretId + "^{tree}").exit()).isNotZero();

    assertThat(metric("hit")).as("none of Bob's requests was answered from the cache")
        .isEqualTo(hits + 1);

    // And the node agrees: it ran Bob's three sessions as Bob, and sent him no pack.
    List<SshdLogEntry> bobs = awaitUploadPacks(mark, bob, 3);
    assertThat(packsSent(bobs)).as("packs the node sent Bob: %s", bobs).isEmpty();
  }

  @Test
  void clientsCutInTheMiddleOfASharedSshFetchHarmNeitherTheOthersNorTheEntry() throws Exception {
    double misses = metric("miss");
    settleSshdLog();
    LogMark mark = node.sshdLog().mark();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<StalledFetch> stalled = new ArrayList<>();
    try {
      // The first client starts the fetch, takes a little of the pack and stops reading.
      stalled.add(StalledFetch.start("first"));
      stalled.get(0).awaitStalled();
      List<Path> repos = new ArrayList<>();
      List<Future<Git.Result>> others = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        Path repo = Files.createTempDirectory(dir, "whole-" + i);
        Git.ok(repo, "init", "-q");
        repos.add(repo);
        others.add(pool.submit(() -> fetch(repo, alice, "2", "refs/heads/big")));
      }
      stalled.add(StalledFetch.start("second"));
      stalled.get(1).awaitStalled();
      // Both are killed in the middle of the pack, as a CI runner that is shut down.
      for (StalledFetch s : stalled) {
        s.kill();
      }
      for (int i = 0; i < others.size(); i++) {
        others.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS).assertOk("fetch " + i);
        assertWhole(repos.get(i));
      }

      // A later fetch is whole too.
      Path later = Files.createTempDirectory(dir, "later");
      Git.ok(later, "init", "-q");
      LogMark beforeLater = node.sshdLog().mark();
      fetch(later, alice, "2", "refs/heads/big").assertOk("later fetch");
      assertWhole(later);

      // The node built the pack at most once, for the fetch that filled the entry (whether that
      // fill's session ends cleanly or is cut, the clients cut were only readers of it); the
      // later fetch was answered from the entry.
      List<SshdLogEntry> all = awaitUploadPacks(mark, alice, 1);
      assertThat(packsSent(all)).as("packs the node sent for 7 identical fetches: %s", all)
          .hasSizeLessThanOrEqualTo(1);
      List<SshdLogEntry> lately = awaitUploadPacks(beforeLater, alice, 1);
      assertThat(lately).extracting(PackCacheOverSshTest::outcome)
          .as("what the node did for the later fetch: %s", lately)
          .containsExactly(Outcome.SENT_NO_PACK);
      assertThat(metric("miss")).as("one fetch from the node").isEqualTo(misses + 1);
    } finally {
      for (StalledFetch s : stalled) {
        s.kill();
      }
      pool.shutdownNow();
    }
  }

  @Test
  void withoutProtocolV2SshFetchesAreNeverCached() throws Exception {
    for (String version : new String[] {"0", "1"}) {
      double hits = metric("hit");
      double misses = metric("miss");
      settleSshdLog();
      LogMark mark = node.sshdLog().mark();
      for (int i = 0; i < 2; i++) {
        Path repo = Files.createTempDirectory(dir, "v" + version + "-");
        Git.ok(repo, "init", "-q");
        fetch(repo, alice, version, "refs/heads/master").assertOk("v" + version + " fetch " + i);
        assertThat(Git.ok(repo, "cat-file", "-p", masterId + ":README"))
            .isEqualTo("visible to all\n");
      }
      List<SshdLogEntry> uploads = awaitUploadPacks(mark, alice, 2);
      assertThat(uploads).extracting(PackCacheOverSshTest::outcome)
          .as("protocol v%s: the node built each pack: %s", version, uploads)
          .containsExactly(Outcome.SENT_A_PACK, Outcome.SENT_A_PACK);
      assertThat(metric("hit")).as("v" + version).isEqualTo(hits);
      assertThat(metric("miss")).as("v" + version).isEqualTo(misses);
    }
  }

  // ---------------------------------------------------------------- helpers

  /** {@code git fetch} of {@code what} into {@code repo}, over SSH through the proxy. */
  static Git.Result fetch(Path repo, String user, String protocolVersion, String what)
      throws Exception {
    return Git.run(repo, sshEnv(user), WAIT, "-c", "protocol.version=" + protocolVersion,
        "fetch", "-q", sshUrl(user), what);
  }

  static void assertWhole(Path repo) throws Exception {
    Git.ok(repo, "fsck", "--no-dangling");
    assertThat(Git.ok(repo, "cat-file", "-s", bigId + ":big.bin").strip())
        .isEqualTo(Integer.toString(SecretBranchProject.BIG_SIZE));
  }

  static String sshUrl(String user) {
    return "ssh://" + user + "@127.0.0.1:" + proxy.process().sshAddress().getPort() + "/"
        + project;
  }

  static Map<String, String> sshEnv(String user) {
    return Map.of("GIT_SSH_COMMAND", SshCli.gitSshCommand(user.equals(alice) ? aliceKey : bobKey));
  }

  /**
   * Alice's {@code git fetch} of the big branch whose ssh stops passing the answer on after 256
   * KiB, well inside the pack: a client stuck in the middle of a fetch, until {@link #kill}.
   */
  record StalledFetch(Process git, Path repo, Path stalled) {
    static StalledFetch start(String name) throws Exception {
      Path script = dir.resolve("stalling-ssh");
      if (!Files.exists(script)) {
        // head unbuffered, or git would wait for the advertisement in head's buffer. Then the
        // pipe stays open (sleep holds it) but unread: ssh, then the proxy, must hold back.
        Files.writeString(script, "#!/bin/sh\nssh \"$@\" | {"
            + " stdbuf -o0 head -c \"$STALL_AFTER\"; touch \"$STALLED\"; exec sleep 600; }\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
      }
      Path repo = Files.createTempDirectory(dir, "stalled-" + name);
      Git.ok(repo, "init", "-q");
      Path stalled = repo.resolve("stalled");
      List<String> command = new ArrayList<>(List.of("git", "-c", "protocol.version=2",
          // git passes GIT_PROTOCOL (-o SendEnv) only to an ssh it knows to be OpenSSH.
          "-c", "ssh.variant=ssh", "fetch", "-q", sshUrl(alice), "refs/heads/big"));
      ProcessBuilder b = new ProcessBuilder(command).directory(repo.toFile())
          .redirectErrorStream(true).redirectOutput(repo.resolve("git.out").toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      b.environment().put("GIT_TERMINAL_PROMPT", "0");
      b.environment().put("GIT_CONFIG_NOSYSTEM", "1");
      b.environment().put("GIT_CONFIG_GLOBAL", "/dev/null");
      b.environment().put("GIT_SSH_COMMAND",
          script + " " + String.join(" ", SshCli.options(aliceKey)));
      b.environment().put("STALL_AFTER", Integer.toString(256 * 1024));
      b.environment().put("STALLED", stalled.toString());
      return new StalledFetch(b.start(), repo, stalled);
    }

    void awaitStalled() throws Exception {
      try {
        TwoChannelProxy.awaitTrue(() -> Files.exists(stalled) || !git.isAlive(), WAIT,
            "256 KiB of the answer read");
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "; git said: "
            + Files.readString(repo.resolve("git.out")) + "; processes: "
            + git.descendants().map(p -> p.info().commandLine().orElse("?")).toList(), e);
      }
      if (!Files.exists(stalled)) {
        throw new AssertionError("git ended before it had 256 KiB of the pack: "
            + Files.readString(repo.resolve("git.out")));
      }
    }

    /** Kills git, its ssh and the rest of the pipe at once. */
    void kill() throws InterruptedException {
      git.descendants().forEach(ProcessHandle::destroyForcibly);
      git.destroyForcibly();
      git.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** What one git-upload-pack session over SSH sent, after Gerrit's capability advertisement. */
  record RawFetch(String advertisement, byte[] answer, String err) {
    boolean complete() {
      FetchResponseCheck c = new FetchResponseCheck();
      c.feed(answer, 0, answer.length);
      return c.finish() == FetchResponseCheck.State.COMPLETE;
    }

    @Override
    public String toString() {
      String start = new String(answer, 0, Math.min(answer.length, 400),
          StandardCharsets.ISO_8859_1);
      return "answer of " + answer.length + " bytes starting " + start + ", ssh said " + err;
    }
  }

  /**
   * A protocol v2 git-upload-pack session over SSH through the proxy as {@code user}, run by
   * hand: reads the capability advertisement, sends {@code request}, hangs up, and returns what
   * came back.
   */
  static RawFetch rawFetch(String user, Path key, byte[] request) throws Exception {
    List<String> argv = new ArrayList<>(List.of("ssh", "-p",
        Integer.toString(proxy.process().sshAddress().getPort()), "-o", "SendEnv=GIT_PROTOCOL"));
    argv.addAll(SshCli.options(key));
    argv.addAll(List.of("-l", user, "127.0.0.1", "git-upload-pack '/" + project + "'"));
    Path err = Files.createTempFile(dir, "ssh-", ".err");
    ProcessBuilder b = new ProcessBuilder(argv).redirectError(err.toFile());
    b.environment().put("GIT_PROTOCOL", "version=2");
    Process ssh = b.start();
    try {
      CompletableFuture<RawFetch> session = CompletableFuture.supplyAsync(() -> {
        try (InputStream in = ssh.getInputStream(); OutputStream out = ssh.getOutputStream()) {
          String advertisement = readUntilFlush(in);
          out.write(request);
          out.close();
          return new RawFetch(advertisement, in.readAllBytes(), "");
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      RawFetch r = session.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      ssh.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS);
      return new RawFetch(r.advertisement(), r.answer(), Files.readString(err).strip());
    } finally {
      ssh.destroyForcibly();
    }
  }

  /** pkt-lines up to a flush-pkt, as text. */
  static String readUntilFlush(InputStream in) throws IOException {
    StringBuilder text = new StringBuilder();
    while (true) {
      byte[] head = in.readNBytes(4);
      if (head.length < 4) {
        throw new EOFException("the advertisement ended early: " + text);
      }
      int length = Integer.parseInt(new String(head, StandardCharsets.US_ASCII), 16);
      if (length == 0) {
        return text.toString();
      }
      if (length > 4) {
        text.append(new String(in.readNBytes(length - 4), StandardCharsets.UTF_8));
      }
    }
  }

  /** A protocol v2 fetch as git 2.39 sends it over SSH to Gerrit 3.10 from an empty repository. */
  static byte[] gitsFetchRequest(String... wants) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(PktLines.data("command=fetch\n"));
    b.writeBytes(PktLines.DELIM);
    b.writeBytes(PktLines.data("thin-pack\n"));
    b.writeBytes(PktLines.data("no-progress\n"));
    b.writeBytes(PktLines.data("ofs-delta\n"));
    for (String w : wants) {
      b.writeBytes(PktLines.data("want " + w + "\n"));
    }
    b.writeBytes(PktLines.data("done\n"));
    b.writeBytes(PktLines.FLUSH);
    return b.toByteArray();
  }

  /** What the node's sshd_log says one git-upload-pack session did. */
  enum Outcome {
    SENT_A_PACK,
    SENT_NO_PACK,
    /** Killed before it ended (its client went away): logged without pack statistics. */
    CUT
  }

  /** The pack statistics Gerrit appends to a git-upload-pack's line: eleven fields, quoted. */
  private static final Pattern PACK_STATISTICS =
      Pattern.compile("'(-?\\d+(?:ms)?(?: -?\\d+(?:ms)?){10})'");
  private static final Pattern KILLED = Pattern.compile(" -?\\d+ms -?\\d+ms - killed ");

  /**
   * What the git-upload-pack session on this line did. A line that is neither fails the test:
   * this Gerrit does not log what the test relies on.
   */
  static Outcome outcome(SshdLogEntry e) {
    Matcher m = PACK_STATISTICS.matcher(e.message());
    if (m.find()) {
      return m.group(1).equals("-1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1")
          ? Outcome.SENT_NO_PACK : Outcome.SENT_A_PACK;
    }
    if (KILLED.matcher(e.message()).find()) {
      return Outcome.CUT;
    }
    throw new AssertionError("neither pack statistics nor 'killed' in the node's sshd_log line "
        + e.line());
  }

  static List<SshdLogEntry> packsSent(List<SshdLogEntry> uploads) {
    return uploads.stream().filter(e -> outcome(e) == Outcome.SENT_A_PACK).toList();
  }

  /**
   * {@code user}'s git-upload-pack lines in the node's sshd_log since {@code mark}, once at
   * least {@code atLeast} are there and the log has caught up with what ran before now.
   */
  static List<SshdLogEntry> awaitUploadPacks(LogMark mark, String user, int atLeast)
      throws Exception {
    TwoChannelProxy.awaitTrue(() -> uploadPacks(mark, user).size() >= atLeast, WAIT,
        atLeast + " git-upload-pack of " + user + " in the node's sshd_log");
    settleSshdLog();
    return uploadPacks(mark, user);
  }

  static List<SshdLogEntry> uploadPacks(LogMark mark, String user) {
    return node.sshdLog().since(mark).stream()
        .filter(e -> e.actsFor(user) && e.message().contains("git-upload-pack"))
        .toList();
  }

  /**
   * Waits until the node has logged every SSH command that ended so far: it writes sshd_log
   * asynchronously but in order, so once a command run now is logged, so are those.
   */
  static void settleSshdLog() throws Exception {
    LogMark m = node.sshdLog().mark();
    SshCli.Result r = SshCli.run(node.sshPort(), aliceKey, alice, "gerrit", "version");
    assertThat(r.exit()).as(r.err()).isZero();
    node.sshdLog().await(m, e -> alice.equals(e.user()) && e.command().equals("gerrit.version"),
        WAIT);
  }

  static double metric(String result) throws Exception {
    String doc = proxy.http.send(HttpRequest.newBuilder(URI.create(proxy.adminUrl() + "/metrics"))
        .timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString()).body();
    return Metrics.sum(doc, "gerrit_proxy_pack_cache_requests_total", Map.of("result", result));
  }
}
