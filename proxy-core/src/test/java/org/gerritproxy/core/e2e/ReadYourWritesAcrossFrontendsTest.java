package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritClusterExtension;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.core.cluster.HttpdLogEntry;
import org.gerritproxy.core.cluster.LogMark;
import org.gerritproxy.core.cluster.SshdLogEntry;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.NodeState;
import org.gerritproxy.routing.Rendezvous;
import org.gerritproxy.routing.SessionKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Read-your-writes is one rule for both frontends: a user who pushed over SSH reads over HTTP
 * from the master, and the reverse, although that user's reads are otherwise sticky on the other
 * node. Where each request ran is read from the real nodes' own {@code httpd_log} and {@code
 * sshd_log}.
 */
@ExtendWith(GerritClusterExtension.class)
class ReadYourWritesAcrossFrontendsTest {
  private static final Duration LOG_WAIT = Duration.ofSeconds(30);
  /** Long enough that no read of these tests falls outside it on a loaded machine. */
  private static final String ROUTING = "[routing]\n\treadYourWrites = 10m\n";

  @TempDir static Path dir;
  static GerritCluster cluster;
  static ProxyFixture proxy;
  static GerritNode master;
  static GerritNode other;
  static String project;
  static String suffix;

  /** A Gerrit user with an HTTP password and an SSH key. */
  record User(String name, String password, Path key) {}

  @BeforeAll
  static void startProxyWithBothFrontends(GerritCluster c) throws Exception {
    cluster = c;
    master = c.node(1);
    other = c.node(2);
    suffix = Long.toString(System.nanoTime(), 36);
    project = "ryw-" + suffix;
    SshCli.newProjectOpenForPushes(master.admin(), project);
    proxy = ProxyFixture.withSsh(dir, c, "", ROUTING);
    awaitBothNodesUp();
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void aPushOverSshSendsThatUsersHttpReadsToTheMaster() throws Exception {
    User u = newUserStickyOnTheOtherNode("ssh");
    LogMark sticky = other.httpdLog().mark();
    Git.ok(dir, "ls-remote", httpUrl(u));
    other.httpdLog().await(sticky, e -> isUploadPackBy(e, u), LOG_WAIT);

    String head = pushOverSsh(u);

    LogMark onMaster = master.httpdLog().mark();
    LogMark onOther = other.httpdLog().mark();
    String refs = Git.ok(dir, "ls-remote", httpUrl(u), "refs/heads/master");
    assertThat(refs).as("the read sees the write").startsWith(head);
    master.httpdLog().await(onMaster, e -> isUploadPackBy(e, u), LOG_WAIT);
    settleHttpdLog(other);
    assertThat(other.httpdLog().since(onOther))
        .as("none of " + u.name() + "'s HTTP reads after the push ran on " + other.name())
        .noneMatch(e -> u.name().equals(e.user()));
  }

  @Test
  void aPushOverHttpSendsThatUsersSshReadsToTheMaster() throws Exception {
    User u = newUserStickyOnTheOtherNode("http");
    LogMark sticky = other.sshdLog().mark();
    Git.run(dir, sshEnv(u), "ls-remote", sshUrl(u)).assertOk("ls-remote over SSH");
    other.sshdLog().await(sticky, e -> isUploadPackBy(e, u), LOG_WAIT);

    Path work = Files.createTempDirectory(dir, "http-push");
    Git.ok(work, "clone", "-q", httpUrl(u), "repo");
    Path repo = work.resolve("repo");
    Git.ok(repo, "-c", "user.email=" + u.name() + "@example.com", "commit", "-q",
        "--allow-empty", "-m", "pushed over HTTP by " + u.name());
    String head = Git.ok(repo, "rev-parse", "HEAD").strip();
    LogMark push = master.httpdLog().mark();
    Git.ok(repo, "push", httpUrl(u), "HEAD:refs/heads/master");
    master.httpdLog().await(push, e -> u.name().equals(e.user()) && e.method().equals("POST")
        && e.path().endsWith("/git-receive-pack") && e.status() == 200, LOG_WAIT);

    LogMark onMaster = master.sshdLog().mark();
    LogMark onOther = other.sshdLog().mark();
    String refs = Git.run(dir, sshEnv(u), "ls-remote", sshUrl(u), "refs/heads/master")
        .assertOk("ls-remote over SSH after the push").output();
    assertThat(refs).as("the read sees the write").startsWith(head);
    master.sshdLog().await(onMaster, e -> isUploadPackBy(e, u), LOG_WAIT);
    settleSshdLog(other, u);
    assertThat(other.sshdLog().since(onOther))
        .as("none of " + u.name() + "'s SSH reads after the push ran on " + other.name())
        .noneMatch(e -> isUploadPackBy(e, u));
  }

  @Test
  void aReloadToAZeroWindowSendsAWritersReadsBackToTheirStickyNode() throws Exception {
    User u = newUserStickyOnTheOtherNode("reload");
    pushOverSsh(u);
    LogMark onMaster = master.httpdLog().mark();
    Git.ok(dir, "ls-remote", httpUrl(u));
    master.httpdLog().await(onMaster, e -> isUploadPackBy(e, u), LOG_WAIT);

    try {
      proxy.reconfigure(cluster.nodes(), ProxyFixture.sshSections(dir, "")
          + "[routing]\n\treadYourWrites = 0\n");
      awaitBothNodesUp();
      LogMark onOther = other.httpdLog().mark();
      Git.ok(dir, "ls-remote", httpUrl(u));
      other.httpdLog().await(onOther, e -> isUploadPackBy(e, u), LOG_WAIT);
    } finally {
      proxy.reconfigure(cluster.nodes(), ProxyFixture.sshSections(dir, "") + ROUTING);
      awaitBothNodesUp();
    }
  }

  /**
   * A new user whose session key the proxy ranks first on the node that is not the master, so
   * that only read-your-writes can send that user's reads to the master.
   */
  private static User newUserStickyOnTheOtherNode(String role) throws Exception {
    List<Node> nodes = proxy.process().cluster().snapshot().table().nodes();
    for (int i = 0; ; i++) {
      String name = "ryw-" + role + "-" + suffix + "-" + i;
      if (Rendezvous.rank(SessionKey.forSsh(name), nodes).get(0).name().equals(other.name())) {
        String password = "pw-" + name;
        return new User(name, password, SshCli.newUserWithKey(dir, master.admin(), name, password));
      }
    }
  }

  /** Clones over SSH as {@code u}, commits and pushes to master; returns the commit pushed. */
  private static String pushOverSsh(User u) throws Exception {
    Path work = Files.createTempDirectory(dir, "ssh-push");
    Git.run(work, sshEnv(u), "clone", "-q", sshUrl(u), "repo").assertOk("clone over SSH");
    Path repo = work.resolve("repo");
    Git.ok(repo, "-c", "user.email=" + u.name() + "@example.com", "commit", "-q",
        "--allow-empty", "-m", "pushed over SSH by " + u.name());
    String head = Git.ok(repo, "rev-parse", "HEAD").strip();
    LogMark push = master.sshdLog().mark();
    Git.run(repo, sshEnv(u), "push", sshUrl(u), "HEAD:refs/heads/master")
        .assertOk("push over SSH");
    master.sshdLog().await(push, e -> e.actsFor(u.name())
        && e.message().contains("git-receive-pack"), LOG_WAIT);
    return head;
  }

  private static boolean isUploadPackBy(HttpdLogEntry e, User u) {
    return u.name().equals(e.user()) && (e.path().endsWith("/git-upload-pack")
        || (e.path().endsWith("/info/refs") && e.query().contains("service=git-upload-pack")));
  }

  private static boolean isUploadPackBy(SshdLogEntry e, User u) {
    return e.actsFor(u.name()) && e.message().contains("git-upload-pack");
  }

  /**
   * Waits until {@code node} has logged every HTTP request it finished so far: it writes its
   * access log asynchronously but in order, so once a request sent now is logged, so are those.
   */
  private static void settleHttpdLog(GerritNode node) throws Exception {
    LogMark m = node.httpdLog().mark();
    // A path of its own (Gerrit refuses unknown query options on REST paths); any answer will do.
    String marker = "/settle-" + System.nanoTime();
    proxy.http.send(HttpRequest.newBuilder(URI.create(node.httpUrl() + marker))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.discarding());
    node.httpdLog().await(m, e -> e.path().equals(marker), LOG_WAIT);
  }

  /** The same for {@code sshd_log}, with a command that {@code u} runs on {@code node} directly. */
  private static void settleSshdLog(GerritNode node, User u) throws Exception {
    LogMark m = node.sshdLog().mark();
    SshCli.Result r = SshCli.run(node.sshPort(), u.key(), u.name(), "gerrit", "version");
    assertThat(r.exit()).as(r.err()).isZero();
    node.sshdLog().await(m, e -> u.name().equals(e.user())
        && e.command().equals("gerrit.version"), LOG_WAIT);
  }

  /** Until both nodes are UP, reads are not spread by session and the premise does not hold. */
  private static void awaitBothNodesUp() throws InterruptedException {
    TwoChannelProxy.awaitTrue(
        () -> proxy.process().cluster().snapshot().health().stateOf(master.name()) == NodeState.UP
            && proxy.process().cluster().snapshot().health().stateOf(other.name()) == NodeState.UP,
        Duration.ofSeconds(30), "both nodes UP in the proxy's view");
  }

  private static String httpUrl(User u) {
    return proxy.url(u.name(), u.password()) + "/a/" + project;
  }

  private static String sshUrl(User u) {
    return "ssh://" + u.name() + "@127.0.0.1:" + proxy.process().sshAddress().getPort() + "/"
        + project;
  }

  private static Map<String, String> sshEnv(User u) {
    return Map.of("GIT_SSH_COMMAND", SshCli.gitSshCommand(u.key()));
  }
}
