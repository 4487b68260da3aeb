package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gerritproxy.core.ProxyProcess;
import org.gerritproxy.core.cluster.GerritAdmin;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritClusterExtension;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.core.cluster.LogMark;
import org.gerritproxy.routing.NodeState;
import org.gerritproxy.routing.Rendezvous;
import org.gerritproxy.routing.SessionKey;
import org.gerritproxy.routing.WriteMaster;
import org.gerritproxy.ssh.KeyFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A glitch never moves the write master; only evidence does. With local election and no backdoor
 * (the defaults, where a DOWN master is replaced at once), an administrator closes the proxy's SSH
 * sessions on the healthy master with {@code gerrit close-connection}, and a relay resets the
 * proxy's HTTP connection to the master in the middle of a clone. After each, the master and its
 * epoch are unchanged, and the next push lands on the master, as its own logs say.
 */
@ExtendWith(GerritClusterExtension.class)
class GlitchesKeepTheMasterTest {
  private static final Duration LOG_WAIT = Duration.ofSeconds(30);
  /** Probes every 300 ms, three failures in a row to fall: about 1 s of evidence. */
  private static final Duration SETTLE = Duration.ofSeconds(3);

  @TempDir static Path dir;
  static GerritCluster cluster;
  static GerritNode master;
  static TcpRelay masterHttp;
  static ProxyProcess proxy;
  static String user;
  static String password;
  static Path key;
  static String project;

  @BeforeAll
  static void start(GerritCluster c) throws Exception {
    cluster = c;
    master = c.node(1);
    String suffix = Long.toString(System.nanoTime(), 36);
    project = "glitch-" + suffix;
    SshCli.newProjectOpenForPushes(master.admin(), project);
    Path peerKeyFile = dir.resolve("peer_key");
    KeyPair peer = KeyFiles.loadOrCreate(peerKeyFile);
    for (GerritNode node : c.nodes()) {
      node.trustPeerKey(KeyFiles.publicBase64(peer));
    }
    masterHttp = new TcpRelay(new InetSocketAddress("127.0.0.1", master.httpPort()));
    Path config = dir.resolve("proxy.config");
    StringBuilder text = new StringBuilder()
        .append("[proxy]\n\tname = glitch-proxy\n\tshutdownTimeout = 2s\n")
        .append("[httpd]\n\tlistenAddress = 127.0.0.1:0\n")
        .append("[sshd]\n\tlistenAddress = 127.0.0.1:0\n\tpeerKey = ").append(peerKeyFile)
        .append("\n\thostKey = ").append(dir.resolve("ssh_host_key")).append('\n')
        .append("[admin]\n\tlistenAddress = 127.0.0.1:0\n")
        .append("[accounts]\n\tuser = admin\n\tpassword = secret\n")
        .append("[health]\n\tinterval = 300ms\n\ttimeout = 2s\n\tfall = 3\n\trise = 2\n")
        .append("[election]\n\tmode = local\n")
        .append("[node \"gerrit-1\"]\n\thttp = http://127.0.0.1:").append(masterHttp.port())
        .append("\n\tssh = 127.0.0.1:").append(master.sshPort()).append("\n\tpriority = 100\n")
        .append("[node \"gerrit-2\"]\n\thttp = ").append(c.node(2).httpUrl())
        .append("\n\tssh = 127.0.0.1:").append(c.node(2).sshPort()).append("\n\tpriority = 50\n");
    Files.writeString(config, text);
    proxy = ProxyProcess.start(config);
    awaitMinute(() -> proxy.cluster().snapshot().master().is("gerrit-1")
        && proxy.cluster().snapshot().health().stateOf("gerrit-2") == NodeState.UP,
        "gerrit-1 elected and gerrit-2 up");

    // A user whose reads stick to the master, so that the clone below runs through the relay.
    password = "pw-" + suffix;
    for (int i = 0; ; i++) {
      String name = "glitch-user-" + suffix + "-" + i;
      String basic = "Basic " + Base64.getEncoder().encodeToString(
          (name + ":" + password).getBytes(StandardCharsets.UTF_8));
      String sessionKey = SessionKey.forHttp(null, basic, "127.0.0.1");
      if (Rendezvous.rank(sessionKey, proxy.cluster().snapshot().table().nodes()).get(0).name()
          .equals("gerrit-1")) {
        user = name;
        break;
      }
    }
    key = SshCli.newUserWithKey(dir, master.admin(), user, password);
    // Administrators may stream events and close connections.
    master.admin().put("groups/Administrators/members/" + GerritAdmin.encode(user), Map.of());

    // Some megabytes of history, pushed straight to the master, so that a clone takes a while.
    Path seed = dir.resolve("seed");
    Git.ok(dir, "clone", "-q", "http://" + user + ":" + password + "@127.0.0.1:"
        + master.httpPort() + "/a/" + project, seed.toString());
    byte[] blob = new byte[6 << 20];
    new Random(11).nextBytes(blob);
    Files.write(seed.resolve("big.bin"), blob);
    Git.ok(seed, "add", "big.bin");
    Git.ok(seed, "-c", "user.name=Glitch", "-c", "user.email=" + user + "@example.com",
        "commit", "-q", "-m", "big");
    Git.ok(seed, "push", "-q", "origin", "HEAD:refs/heads/master");
  }

  @AfterAll
  static void stop() throws Exception {
    if (proxy != null) {
      proxy.close();
    }
    if (masterHttp != null) {
      masterHttp.close();
    }
  }

  @Test
  void closingTheProxysSshSessionsOnAHealthyMasterKeepsIt() throws Exception {
    WriteMaster before = proxy.cluster().snapshot().master();
    LogMark mark = master.sshdLog().mark();
    Process stream = new ProcessBuilder(sshThroughProxy("gerrit", "stream-events"))
        .redirectErrorStream(true).redirectOutput(dir.resolve("stream.out").toFile()).start();
    try {
      String session = peerLoginSince(mark);
      Thread.sleep(1000); // the peer session runs stream-events by now
      assertThat(stream.isAlive()).as("stream-events runs until something ends it").isTrue();

      SshCli.Result closed = SshCli.run(master.sshPort(), key, user, "gerrit", "close-connection",
          session);
      assertThat(closed.exit()).as(closed.toString()).isZero();
      assertThat(stream.waitFor(30, TimeUnit.SECONDS))
          .as("stream-events ends once its session to the master is closed").isTrue();
    } finally {
      stream.destroyForcibly();
    }

    assertMasterKept(before);
    pushOverSshLandsOnTheMaster();
  }

  @Test
  void aResetMidCloneKeepsTheMaster() throws Exception {
    WriteMaster before = proxy.cluster().snapshot().master();
    long deliveredBefore = masterHttp.delivered();
    masterHttp.throttle(1 << 20);
    Process clone;
    try {
      clone = new ProcessBuilder("git", "clone", "-q", authUrl(), dir.resolve("cut-clone-"
          + System.nanoTime()).toString())
          .redirectErrorStream(true).redirectOutput(dir.resolve("clone.out").toFile()).start();
      awaitMinute(() -> masterHttp.delivered() - deliveredBefore > (1 << 20) || !clone.isAlive(),
          "a megabyte of the pack passed the relay");
      assertThat(clone.isAlive()).as("the clone is still under way when the relay resets it")
          .isTrue();
      masterHttp.reset();
    } finally {
      masterHttp.throttle(0);
    }
    assertThat(clone.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(clone.exitValue()).as("git says the clone was cut: "
        + Files.readString(dir.resolve("clone.out"))).isNotZero();

    assertMasterKept(before);
    pushOverHttpLandsOnTheMaster();
  }

  /** Right after the glitch and once probes have had time to speak: same master, same epoch. */
  private static void assertMasterKept(WriteMaster before) throws InterruptedException {
    assertThat(proxy.cluster().snapshot().master()).isEqualTo(before);
    Thread.sleep(SETTLE.toMillis());
    assertThat(proxy.cluster().snapshot().master()).as("master and epoch after the glitch")
        .isEqualTo(before);
    assertThat(proxy.cluster().snapshot().health().stateOf("gerrit-1")).isEqualTo(NodeState.UP);
  }

  private static void pushOverSshLandsOnTheMaster() throws Exception {
    Path repo = newCommitOnTop("ssh");
    LogMark onMaster = master.sshdLog().mark();
    LogMark onOther = cluster.node(2).sshdLog().mark();
    Git.Result pushed = Git.run(repo, Map.of("GIT_SSH_COMMAND", SshCli.gitSshCommand(key)), "push",
        "-q", "ssh://" + user + "@127.0.0.1:" + proxy.sshAddress().getPort() + "/" + project,
        "HEAD:refs/heads/master");
    assertThat(pushed.exit()).as(pushed.toString()).isZero();
    master.sshdLog().await(onMaster, e -> e.command().contains("git-receive-pack"), LOG_WAIT);
    assertThat(cluster.node(2).sshdLog().since(onOther))
        .noneMatch(e -> e.command().contains("git-receive-pack"));
  }

  private static void pushOverHttpLandsOnTheMaster() throws Exception {
    Path repo = newCommitOnTop("http");
    LogMark onMaster = master.httpdLog().mark();
    LogMark onOther = cluster.node(2).httpdLog().mark();
    Git.ok(repo, "push", "-q", authUrl(), "HEAD:refs/heads/master");
    master.httpdLog().await(onMaster,
        e -> e.method().equals("POST") && e.path().endsWith("/git-receive-pack"), LOG_WAIT);
    assertThat(cluster.node(2).httpdLog().since(onOther))
        .noneMatch(e -> e.path().endsWith("/git-receive-pack"));
  }

  /** A fresh shallow clone straight from the master, with one more commit on top. */
  private static Path newCommitOnTop(String name) throws Exception {
    Path repo = dir.resolve(name + "-" + System.nanoTime());
    Git.ok(dir, "clone", "-q", "--depth", "1", "http://" + user + ":" + password + "@127.0.0.1:"
        + master.httpPort() + "/a/" + project, repo.toString());
    Files.writeString(repo.resolve(name + ".txt"), name);
    Git.ok(repo, "add", ".");
    Git.ok(repo, "-c", "user.name=Glitch", "-c", "user.email=" + user + "@example.com",
        "commit", "-q", "-m", "after the " + name + " glitch");
    return repo;
  }

  private static String authUrl() {
    return "http://" + user + ":" + password + "@127.0.0.1:" + proxy.httpAddress().getPort()
        + "/a/" + project;
  }

  private static List<String> sshThroughProxy(String... command) {
    List<String> argv = new ArrayList<>(List.of("ssh", "-p",
        Integer.toString(proxy.sshAddress().getPort())));
    argv.addAll(SshCli.options(key));
    argv.addAll(List.of("-l", user, "127.0.0.1"));
    argv.addAll(List.of(command));
    return argv;
  }

  /** The id of the proxy's peer session that logged in to the master after {@code mark}. */
  private static String peerLoginSince(LogMark mark) throws Exception {
    Pattern login = Pattern.compile("^\\[[^\\]]+\\] ([0-9a-f]+) .*'Gerrit Code Review' - LOGIN FROM");
    String[] found = new String[1];
    awaitMinute(() -> {
      for (String line : master.sshdLog().linesSince(mark)) {
        Matcher m = login.matcher(line);
        if (m.find()) {
          found[0] = m.group(1);
          return true;
        }
      }
      return false;
    }, "the proxy's peer session logs in to the master (its sshd_log)");
    return found[0];
  }

  private static void awaitMinute(TwoChannelProxy.Condition condition, String what)
      throws InterruptedException {
    TwoChannelProxy.awaitTrue(condition, Duration.ofSeconds(60), what);
  }
}
