package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.gerritproxy.core.ProxyProcess;
import org.gerritproxy.core.cluster.GerritAdmin;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritClusterExtension;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.core.cluster.LogMark;
import org.gerritproxy.core.cluster.SshdLogEntry;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshException;
import org.gerritproxy.ssh.KeyFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code ssh} and {@code git} clients through the proxy's SSH port to a real two-node
 * Gerrit cluster: users log in with the keys they gave Gerrit, and each command runs, as them, on
 * the node the routing rules choose (read from the nodes' own {@code sshd_log}).
 */
@ExtendWith(GerritClusterExtension.class)
class SshThroughProxyTest {
  @TempDir static Path dir;
  static GerritCluster cluster;
  static ProxyFixture proxy;
  static Path userKey;
  static Path peerKeyFile;
  static String user;
  static String project;

  @BeforeAll
  static void startProxyWithAUserWhoseKeyIsInGerrit(GerritCluster c) throws Exception {
    cluster = c;
    String suffix = Long.toString(System.nanoTime(), 36);
    user = "ssh-user-" + suffix;
    project = "ssh-project-" + suffix;
    userKey = SshCli.newUserWithKey(dir, c.node(1).admin(), user, "pw-" + suffix);
    SshCli.newProjectOpenForPushes(c.node(1).admin(), project);
    peerKeyFile = dir.resolve("peer_key");
    proxy = ProxyFixture.withSsh(dir, c, "");
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void cloneWithProtocolV0() throws Exception {
    Path work = Files.createTempDirectory(dir, "v0");
    Git.Result clone = Git.run(work, sshEnv(Map.of()), "-c", "protocol.version=0", "clone",
        sshUrl(), "repo");
    clone.assertOk("clone over SSH with protocol v0");
    assertThat(Git.ok(work.resolve("repo"), "rev-parse", "HEAD").strip()).hasSize(40);
  }

  @Test
  void cloneWithProtocolV2ForwardsGitProtocol() throws Exception {
    Path work = Files.createTempDirectory(dir, "v2");
    Git.Result clone = Git.run(work, sshEnv(Map.of("GIT_TRACE_PACKET", "1")), "-c",
        "protocol.version=2", "clone", sshUrl(), "repo");
    clone.assertOk("clone over SSH with protocol v2");
    assertThat(clone.output()).as("the node answered in protocol v2").contains("version 2");
  }

  @Test
  void pushToABranchRunsOnlyOnTheMasterAsTheUserAndAFetchSeesIt() throws Exception {
    Path work = Files.createTempDirectory(dir, "push");
    Git.run(work, sshEnv(Map.of()), "clone", sshUrl(), "repo").assertOk("clone");
    Path repo = work.resolve("repo");
    Git.ok(repo, "-c", "user.email=" + user + "@example.com", "commit", "-q", "--allow-empty", "-m", "pushed through the SSH proxy");
    String head = Git.ok(repo, "rev-parse", "HEAD").strip();
    LogMark m1 = cluster.node(1).sshdLog().mark();
    LogMark m2 = cluster.node(2).sshdLog().mark();

    Git.run(repo, sshEnv(Map.of()), "push", sshUrl(), "HEAD:refs/heads/master")
        .assertOk("push to a branch over SSH");

    SshdLogEntry push = cluster.node(1).sshdLog().await(m1,
        e -> e.actsFor(user) && e.message().contains("git-receive-pack"),
        Duration.ofSeconds(10));
    assertThat(push.message()).contains("suexec");
    assertThat(cluster.node(2).sshdLog().since(m2))
        .noneMatch(e -> e.message().contains("git-receive-pack"));

    Path other = Files.createTempDirectory(dir, "fetch");
    Git.run(other, sshEnv(Map.of()), "clone", sshUrl(), "repo").assertOk("second clone");
    Git.run(other.resolve("repo"), sshEnv(Map.of()), "fetch", "origin").assertOk("fetch over SSH");
    assertThat(Git.ok(other.resolve("repo"), "rev-parse", "origin/master").strip()).isEqualTo(head);
  }

  @Test
  void pushForReviewCreatesAChange() throws Exception {
    Path work = Files.createTempDirectory(dir, "review");
    Git.run(work, sshEnv(Map.of()), "clone", sshUrl(), "repo").assertOk("clone");
    Path repo = work.resolve("repo");
    String changeId = "I" + "0123456789abcdef0123456789abcdef".substring(0, 24)
        + Long.toHexString(System.nanoTime() & 0xffffffffffffL);
    changeId = (changeId + "0000000000000000").substring(0, 41);
    Git.ok(repo, "-c", "user.email=" + user + "@example.com", "commit", "-q", "--allow-empty", "-m", "a change for review\n\nChange-Id: "
        + changeId);
    Git.Result push = Git.run(repo, sshEnv(Map.of()), "push", sshUrl(), "HEAD:refs/for/master");
    push.assertOk("push to refs/for/master over SSH");
    assertThat(push.output()).contains("SUCCESS");
  }

  @Test
  void gerritVersionAndLsProjects() throws Exception {
    SshCli.Result version = SshCli.run(port(), userKey, user, "gerrit", "version");
    assertThat(version.exit()).as(version.err()).isZero();
    assertThat(version.out()).startsWith("gerrit version");
    SshCli.Result ls = SshCli.run(port(), userKey, user, "gerrit", "ls-projects");
    assertThat(ls.exit()).as(ls.err()).isZero();
    assertThat(ls.out().lines()).contains(project);
  }

  @Test
  void aUsersReadsStayOnOneNode() throws Exception {
    LogMark m1 = cluster.node(1).sshdLog().mark();
    LogMark m2 = cluster.node(2).sshdLog().mark();
    for (int i = 0; i < 3; i++) {
      assertThat(SshCli.run(port(), userKey, user, "gerrit", "ls-projects").exit()).isZero();
    }
    long on1 = countLsProjects(cluster.node(1), m1);
    long on2 = countLsProjects(cluster.node(2), m2);
    assertThat(List.of(on1, on2)).containsExactlyInAnyOrder(3L, 0L);
  }

  @Test
  void anUnknownKeyIsRefused() throws Exception {
    Path stranger = SshCli.newKey(dir, "id_stranger_" + System.nanoTime());
    SshCli.Result r = SshCli.run(port(), stranger, user, "gerrit", "version");
    assertThat(r.exit()).isEqualTo(255);
    assertThat(r.err()).contains("Permission denied");
    SshCli.Result nobody = SshCli.run(port(), userKey, "nobody-" + System.nanoTime(), "gerrit",
        "version");
    assertThat(nobody.exit()).as("a user Gerrit does not know").isEqualTo(255);
  }

  @Test
  void aPeerKeyTheNodesDoNotTrustSaysSoAndLeavesTheNodesUp() throws Exception {
    Path other = Files.createTempDirectory(dir, "untrusted");
    try (ProxyFixture untrusted = ProxyFixture.start(other, cluster.nodes(),
        ProxyFixture.staticMaster("gerrit-1") + "[accounts]\n\tuser = admin\n\tpassword = secret\n"
            + "[sshd]\n\tpeerKey = " + other.resolve("untrusted_peer_key") + "\n\thostKey = "
            + other.resolve("hk") + "\n")) {
      untrusted.awaitMaster("gerrit-1");
      SshCli.Result r = SshCli.run(untrusted.process().sshAddress().getPort(), userKey, user,
          "gerrit", "version");
      assertThat(r.exit()).isNotZero();
      assertThat(r.err()).contains("fatal:").contains("etc/peer_keys");
      assertThat(untrusted.process().cluster().snapshot().health().stateOf("gerrit-1"))
          .isEqualTo(org.gerritproxy.routing.NodeState.UP);
    }
  }

  @Test
  void aLoginAsThePeerUserIsRefusedEvenWithThePeerKey() throws Exception {
    SshCli.Result r = SshCli.run(port(), peerKeyFile, "Gerrit Code Review", "gerrit", "version");
    assertThat(r.exit()).isEqualTo(255);
    assertThat(r.err()).contains("Permission denied");
  }

  @Test
  void aClientsSuexecIsRefusedWithAReason() throws Exception {
    SshCli.Result r = SshCli.run(port(), userKey, user, "suexec", "--as", "admin", "--",
        "gerrit", "version");
    assertThat(r.exit()).isNotZero();
    assertThat(r.err()).contains("suexec is reserved for the proxy");
  }

  @Test
  void portForwardingIntoTheNodesNetworkIsRefused() throws Exception {
    SshCli.Result r = SshCli.run(List.of("-W", "127.0.0.1:" + cluster.node(1).httpPort()),
        port(), userKey, user);
    assertThat(r.exit()).isNotZero();
    assertThat(r.out()).doesNotContain("HTTP/");
  }

  @Test
  void aShellIsRefusedWithAReason() throws Exception {
    SshCli.Result r = SshCli.run(port(), userKey, user);
    assertThat(r.exit()).isNotZero();
    assertThat(r.err()).contains("no interactive shell");
  }

  @Test
  void withoutAWriteMasterAPushFailsAndSaysWhy() throws Exception {
    Path other = Files.createTempDirectory(dir, "nomaster");
    Path config = other.resolve("proxy.config");
    // Draining nodes still answer the key lookups, but neither may become the write master.
    Files.writeString(config, ProxyFixture.configText(cluster.nodes(),
            "[election]\n\tmode = local\n[accounts]\n\tuser = admin\n\tpassword = secret\n"
                + "[sshd]\n\tpeerKey = " + peerKeyFile + "\n\thostKey = " + other.resolve("hk") + "\n")
        .replace("\tpriority = ", "\tstate = drain\n\tpriority = "));
    try (ProxyProcess noMaster = ProxyProcess.start(config)) {
      Path work = Files.createTempDirectory(dir, "nomaster-work");
      Git.run(work, sshEnv(Map.of()), "clone", sshUrl(), "repo").assertOk("clone");
      Path repo = work.resolve("repo");
      Git.ok(repo, "-c", "user.email=" + user + "@example.com", "commit", "-q", "--allow-empty",
          "-m", "never lands");
      int port = noMaster.sshAddress().getPort();
      Git.Result push = Git.run(repo, sshEnv(Map.of()), "push",
          "ssh://" + user + "@127.0.0.1:" + port + "/" + project, "HEAD:refs/heads/master");
      assertThat(push.exit()).isNotZero();
      assertThat(push.output()).contains("fatal: There is no write master");
    }
  }

  @Test
  void theCommandsExitStatusAndErrorReachTheClient() throws Exception {
    SshCli.Result r = SshCli.run(port(), userKey, user, "gerrit", "no-such-command");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("no-such-command");
  }

  @Test
  void userNamesShapedLikeInjectionsAreRefused() throws Exception {
    // OpenSSH's own client will not even send most of these, so an SSH library sends them.
    KeyPair key = KeyFiles.load(userKey);
    try (SshClient client = SshClient.setUpDefaultClient()) {
      client.setServerKeyVerifier((session, address, serverKey) -> true);
      client.start();
      for (String name : List.of(user + " --as admin", user + ";id", "$(id)", "-oProxyCommand=x",
          "admin\nx", "Gerrit Code Review")) {
        try (ClientSession session = client.connect(name, "127.0.0.1", port())
            .verify(Duration.ofSeconds(10)).getSession()) {
          session.addPublicKeyIdentity(key);
          assertThatThrownBy(() -> session.auth().verify(Duration.ofSeconds(10)))
              .as(name).isInstanceOf(SshException.class);
        }
      }
    }
  }

  @Test
  void streamEventsReceivesAPushAndEndsWhenTheMasterChanges() throws Exception {
    String watcher = user + "-events";
    Path watcherKey = SshCli.newKey(dir, "id_" + watcher);
    GerritAdmin admin = cluster.node(1).admin();
    admin.createUser(watcher, "pw", Files.readString(dir.resolve("id_" + watcher + ".pub")));
    // Stream Events is an administrator's capability by default.
    admin.put("groups/Administrators/members/" + GerritAdmin.encode(watcher), null);
    Path other = Files.createTempDirectory(dir, "events");
    try (ProxyFixture events = ProxyFixture.start(other, cluster.nodes(), eventsProxy("gerrit-1", other))) {
      events.awaitMaster("gerrit-1");
      List<String> argv = new java.util.ArrayList<>(List.of("ssh", "-p",
          Integer.toString(events.process().sshAddress().getPort())));
      argv.addAll(SshCli.options(watcherKey));
      argv.addAll(List.of("-l", watcher, "127.0.0.1", "gerrit", "stream-events"));
      Process stream = new ProcessBuilder(argv).start();
      try {
        var lines = new java.util.concurrent.LinkedBlockingQueue<String>();
        Thread reader = new Thread(() -> new java.io.BufferedReader(new java.io.InputStreamReader(
            stream.getInputStream(), java.nio.charset.StandardCharsets.UTF_8)).lines()
            .forEach(lines::add));
        reader.setDaemon(true);
        reader.start();
        var stderr = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
          try {
            return new String(stream.getErrorStream().readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);
          } catch (java.io.IOException e) {
            return "";
          }
        });
        Thread.sleep(2000); // lets the stream subscribe before the push

        Path work = Files.createTempDirectory(dir, "events-push");
        Git.run(work, sshEnv(Map.of()), "clone", sshUrl(), "repo").assertOk("clone");
        Path repo = work.resolve("repo");
        Git.ok(repo, "-c", "user.email=" + user + "@example.com", "commit", "-q",
            "--allow-empty", "-m", "an event");
        Git.run(repo, sshEnv(Map.of()), "push", sshUrl(), "HEAD:refs/heads/master")
            .assertOk("push");
        String event = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
          String line = lines.poll(500, java.util.concurrent.TimeUnit.MILLISECONDS);
          if (line != null && line.contains("ref-updated") && line.contains(project)) {
            event = line;
            break;
          }
        }
        assertThat(event).as("a ref-updated event for the push").isNotNull();

        events.reconfigure(cluster.nodes(), eventsProxy("gerrit-2", other));
        assertThat(stream.waitFor(20, java.util.concurrent.TimeUnit.SECONDS))
            .as("the stream ends once the master changed").isTrue();
        assertThat(stream.exitValue()).isNotZero();
        assertThat(stderr.get(5, java.util.concurrent.TimeUnit.SECONDS))
            .contains("The write master changed from gerrit-1 to gerrit-2");
      } finally {
        stream.destroyForcibly();
      }
    }
  }

  private static String eventsProxy(String master, Path other) {
    return ProxyFixture.staticMaster(master) + "[accounts]\n\tuser = admin\n\tpassword = secret\n"
        + "[sshd]\n\tpeerKey = " + peerKeyFile + "\n\thostKey = " + other.resolve("hk") + "\n";
  }

  @Test
  void modernAlgorithmsWorkAndSha1KeyExchangeIsRefused() throws Exception {
    for (String cipher : List.of("aes128-gcm@openssh.com", "aes256-ctr")) {
      SshCli.Result aes = SshCli.run(List.of("-o", "Ciphers=" + cipher,
          "-o", "KexAlgorithms=curve25519-sha256"), port(), userKey, user, "gerrit", "version");
      assertThat(aes.exit()).as(cipher + ": " + aes.err()).isZero();
    }
    // MINA computes chacha20-poly1305 in plain Java, five times slower than AES: not offered.
    SshCli.Result chacha = SshCli.run(List.of("-o", "LogLevel=INFO",
        "-o", "Ciphers=chacha20-poly1305@openssh.com"), port(), userKey, user, "gerrit", "version");
    assertThat(chacha.exit()).isEqualTo(255);
    assertThat(chacha.err()).contains("no matching cipher");
    SshCli.Result sha1 = SshCli.run(List.of("-o", "KexAlgorithms=diffie-hellman-group14-sha1"),
        port(), userKey, user, "gerrit", "version");
    assertThat(sha1.exit()).isEqualTo(255);
  }

  @Test
  void aQueryIsAReadAndAReviewWithSubmitRunsOnTheMaster() throws Exception {
    String reviewer = user + "-reviewer";
    Path reviewerKey = SshCli.newKey(dir, "id_" + reviewer);
    GerritAdmin admin = cluster.node(1).admin();
    admin.createUser(reviewer, "pw", Files.readString(dir.resolve("id_" + reviewer + ".pub")));
    admin.put("groups/Administrators/members/" + GerritAdmin.encode(reviewer), null);

    Path work = Files.createTempDirectory(dir, "submit");
    Git.run(work, sshEnv(Map.of()), "clone", sshUrl(), "repo").assertOk("clone");
    Path repo = work.resolve("repo");
    String changeId = String.format("I%040x", new java.math.BigInteger(1,
        java.security.MessageDigest.getInstance("SHA-1").digest(reviewer.getBytes())));
    Git.ok(repo, "-c", "user.email=" + user + "@example.com", "commit", "-q", "--allow-empty",
        "-m", "to be submitted\n\nChange-Id: " + changeId);
    String commit = Git.ok(repo, "rev-parse", "HEAD").strip();
    Git.run(repo, sshEnv(Map.of()), "push", sshUrl(), "HEAD:refs/for/master").assertOk("push");

    SshCli.Result query = SshCli.run(port(), reviewerKey, reviewer, "gerrit", "query",
        "--format=JSON", "project:" + project);
    assertThat(query.exit()).as(query.err()).isZero();

    LogMark m1 = cluster.node(1).sshdLog().mark();
    LogMark m2 = cluster.node(2).sshdLog().mark();
    SshCli.Result submit = SshCli.run(port(), reviewerKey, reviewer, "gerrit", "review",
        "--project", project, "--code-review", "+2", "--submit", commit);
    assertThat(submit.exit()).as(submit.err()).isZero();
    // The command as sshd_log writes it ("suexec.--as.USER.--from.….--.gerrit.review.…"): the
    // reviewer's own name contains "review", and a node logs a command when it ends, so the
    // query's line may land after the mark.
    cluster.node(1).sshdLog().await(m1,
        e -> e.actsFor(reviewer) && e.message().contains(".gerrit.review."),
        Duration.ofSeconds(10));
    assertThat(cluster.node(2).sshdLog().since(m2))
        .noneMatch(e -> e.actsFor(reviewer) && e.message().contains(".gerrit.review."));
  }

  private static long countLsProjects(GerritNode node, LogMark mark) {
    return node.sshdLog().since(mark).stream()
        .filter(e -> e.actsFor(user) && e.message().contains("ls-projects"))
        .count();
  }

  private static int port() {
    return proxy.process().sshAddress().getPort();
  }

  private static String sshUrl() {
    return "ssh://" + user + "@127.0.0.1:" + port() + "/" + project;
  }

  private static Map<String, String> sshEnv(Map<String, String> extra) {
    var env = new java.util.HashMap<String, String>(extra);
    env.put("GIT_SSH_COMMAND", SshCli.gitSshCommand(userKey));
    return env;
  }
}
