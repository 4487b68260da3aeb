package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
import org.gerritproxy.ssh.KeyFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fair shares with real git and a real Gerrit node: one fetch slot per node, a robot (a batch
 * account) with many clones queued and a person with one. The person's fetch runs before every
 * queued robot fetch, as the order of the node's own {@code httpd_log} shows; a fetch that waits
 * too long ends in an error git prints; ssh git shows its place in the queue while it waits; the
 * top talkers are on {@code /metrics} and the dashboard.
 *
 * <p>The slot is held by an SSH {@code git-upload-pack} that this test keeps open (upload-pack
 * waits for the client's wants), so who waits and when the slot frees are the test's choice, not a
 * race against the clock.
 */
@ExtendWith(GerritClusterExtension.class)
class FairSharesThroughProxyTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int ROBOT_CLONES = 6;

  @TempDir static Path dir;
  static GerritNode node;
  static ProxyFixture proxy;
  static String project;
  static String suffix;
  static String robot;
  static String person;
  /** A robot that is batch because it is in a Gerrit group, not by name. */
  static String groupedRobot;
  static String robots;
  static Path holderKey;
  static String holder;

  @BeforeAll
  static void startProxyWithOneSlot(GerritCluster cluster) throws Exception {
    node = cluster.node(1);
    suffix = Long.toString(System.nanoTime(), 36);
    project = "fair-" + suffix;
    robot = "robot-" + suffix;
    person = "person-" + suffix;
    holder = "holder-" + suffix;
    node.admin().createProject(project);
    node.admin().createUser(robot, "pw-" + robot);
    node.admin().createUser(person, "pw-" + person);
    groupedRobot = "grouped-robot-" + suffix;
    robots = "CI Robots " + suffix;
    node.admin().createUser(groupedRobot, "pw-" + groupedRobot);
    node.admin().put("/groups/" + GerritAdmin.encode(robots), Map.of());
    node.admin().put("/groups/" + GerritAdmin.encode(robots) + "/members/" + groupedRobot,
        Map.of());
    // Gerrit makes the group's creator a member: admin is no robot.
    node.admin().delete("/groups/" + GerritAdmin.encode(robots) + "/members/admin");
    holderKey = SshCli.newUserWithKey(dir, node.admin(), holder, "pw-" + holder);
    KeyPair peer = KeyFiles.loadOrCreate(dir.resolve("peer_key"));
    node.trustPeerKey(KeyFiles.publicBase64(peer));
    // One node only, so that every fetch competes for the same slot whatever its session.
    proxy = ProxyFixture.start(dir, List.of(node), sections("120s"));
    proxy.awaitMaster(node.name());
  }

  private static String sections(String queueTimeout) {
    return ProxyFixture.sshSections(dir, "").replace("master = gerrit-1", "master = " + node.name())
        + "[fetch]\n\tmaxPerNode = 1\n\tmaxPerAccount = 2\n\tqueueTimeout = " + queueTimeout
        + "\n\tbatchAccount = " + robot.toUpperCase() + "\n\tbatchGroup = " + robots + "\n";
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void aPersonsFetchRunsBeforeEveryQueuedRobotFetch() throws Exception {
    ExecutorService clients = Executors.newFixedThreadPool(ROBOT_CLONES + 1);
    try (Holder slot = Holder.take()) {
      LogMark mark = node.httpdLog().mark();
      List<Future<Git.Result>> robots = new ArrayList<>();
      for (int i = 0; i < ROBOT_CLONES; i++) {
        String into = "robot-" + i;
        robots.add(clients.submit(() -> cloneOverHttp(robot, into)));
      }
      awaitGauge("batch", "waiting", ROBOT_CLONES);
      // More fetches wait than the proxy has event loop threads: waiting holds none of them.
      assertThat(proxy.get("/config/server/version", null, null).statusCode())
          .as("a REST read while fetches wait").isEqualTo(200);
      Future<Git.Result> personClone = clients.submit(() -> cloneOverHttp(person, "person"));
      awaitGauge("interactive", "waiting", 1);

      slot.release();

      personClone.get(WAIT.toSeconds(), TimeUnit.SECONDS).assertOk("the person's clone");
      for (Future<Git.Result> r : robots) {
        r.get(WAIT.toSeconds(), TimeUnit.SECONDS).assertOk("a robot's clone");
      }
      // The node writes its log after each response: wait until all of them are in it.
      TwoChannelProxy.awaitTrue(() -> node.httpdLog().since(mark).stream()
          .filter(e -> isFetchBy(e, robot)).count() == ROBOT_CLONES, WAIT, "robot fetches logged");
      List<HttpdLogEntry> fetches = node.httpdLog().since(mark).stream()
          .filter(e -> isFetchBy(e, robot) || isFetchBy(e, person)).toList();
      assertThat(fetches).as("the node ran the person's fetch first, then the robot's")
          .extracting(HttpdLogEntry::user).first().isEqualTo(person);
      assertThat(fetches).hasSize(ROBOT_CLONES + 1).allMatch(e -> e.status() == 200);
    } finally {
      clients.shutdownNow();
    }

    String metrics = get(proxy.adminUrl() + "/metrics");
    assertThat(Metrics.sum(metrics, "gerrit_proxy_fetches_by_account_total",
        Map.of("account", robot))).isEqualTo(ROBOT_CLONES);
    assertThat(Metrics.sum(metrics, "gerrit_proxy_fetches_by_account_total",
        Map.of("account", person))).isGreaterThanOrEqualTo(1);
    assertThat(metrics).containsPattern(
        "gerrit_proxy_fetches_by_user_agent_total\\{user_agent=\"git/[^\"]+\"\\} \\d");
    assertThat(Metrics.sum(metrics, "gerrit_proxy_fetch_admissions_total",
        Map.of("result", "after_wait"))).isGreaterThanOrEqualTo(ROBOT_CLONES + 1);
    String dashboard = get(proxy.adminUrl() + "/");
    assertThat(dashboard).contains("id=\"top-accounts\"").contains(robot).contains(person);
  }

  @Test
  void aMemberOfABatchGroupWaitsAsBatchWork() throws Exception {
    // The proxy reads the group's members from Gerrit as [accounts] user, at start.
    TwoChannelProxy.awaitTrue(() -> proxy.process().events().recent().stream().anyMatch(
            e -> e.kind().equals("batch-groups") && e.message().startsWith("1 account(s)")),
        WAIT, "the proxy has read the batch group's one member");
    ExecutorService clients = Executors.newSingleThreadExecutor();
    try (Holder slot = Holder.take()) {
      Future<Git.Result> clone = clients.submit(() -> cloneOverHttp(groupedRobot, "grouped"));
      awaitGauge("batch", "waiting", 1);
      slot.release();
      clone.get(WAIT.toSeconds(), TimeUnit.SECONDS).assertOk("the grouped robot's clone");
    } finally {
      clients.shutdownNow();
    }
  }

  @Test
  void aQueueTimeoutEndsInAnErrorGitShowsAndSshGitSeesItsPlaceWhileWaiting() throws Exception {
    proxy.reconfigure(List.of(node), sections("2s"));
    try (Holder slot = Holder.take()) {
      Path work = Files.createTempDirectory(dir, "timeout");
      Git.Result ssh = Git.run(work, Map.of("GIT_SSH_COMMAND", SshCli.gitSshCommand(holderKey)),
          WAIT, "clone", "ssh://" + holder + "@127.0.0.1:" + proxy.process().sshAddress().getPort()
              + "/" + project, "over-ssh");
      assertThat(ssh.exit()).as(ssh.output()).isNotZero();
      assertThat(ssh.output())
          .contains("gerrit-proxy: waiting for a slot, 0 ahead")
          .contains("no fetch slot became free within 2s");

      Git.Result http = Git.run(work, Map.of(), WAIT, "-c", "protocol.version=0", "clone",
          proxy.url(person, "pw-" + person) + "/a/" + project, "over-http");
      assertThat(http.exit()).as(http.output()).isNotZero();
      assertThat(http.output()).contains("no fetch slot became free within 2s");
      assertThat(Metrics.sum(get(proxy.adminUrl() + "/metrics"),
          "gerrit_proxy_fetch_admissions_total", Map.of("result", "timed_out")))
          .isGreaterThanOrEqualTo(2);
    } finally {
      proxy.reconfigure(List.of(node), sections("120s"));
    }
  }

  @Test
  void aClientThatHangsUpWhileWaitingLeavesTheQueue() throws Exception {
    try (Holder slot = Holder.take()) {
      Path work = Files.createTempDirectory(dir, "hangup");
      Process http = gitProcess(work, Map.of(), "-c", "protocol.version=0", "clone", "-q",
          proxy.url(person, "pw-" + person) + "/a/" + project, "over-http");
      Process ssh = gitProcess(work, Map.of("GIT_SSH_COMMAND", SshCli.gitSshCommand(holderKey)),
          "clone", "-q", "ssh://" + holder + "@127.0.0.1:"
              + proxy.process().sshAddress().getPort() + "/" + project, "over-ssh");
      awaitGauge("interactive", "waiting", 2);
      kill(http);
      kill(ssh);
      awaitGauge("interactive", "waiting", 0);
    }
  }

  private static Process gitProcess(Path work, Map<String, String> env, String... args)
      throws IOException {
    List<String> argv = new ArrayList<>(List.of("git"));
    argv.addAll(List.of(args));
    ProcessBuilder b = new ProcessBuilder(argv).directory(work.toFile())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    b.environment().put("GIT_TERMINAL_PROMPT", "0");
    b.environment().put("GIT_CONFIG_NOSYSTEM", "1");
    b.environment().put("GIT_CONFIG_GLOBAL", "/dev/null");
    b.environment().putAll(env);
    return b.start();
  }

  /** As a user's Ctrl-C would: git and its helpers (ssh, git-remote-http) go at once. */
  private static void kill(Process p) throws InterruptedException {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
    p.waitFor(30, TimeUnit.SECONDS);
  }

  /** Clones with protocol v0, whose fetch is exactly one upload-pack POST. */
  private static Git.Result cloneOverHttp(String user, String into) throws Exception {
    Path work = Files.createTempDirectory(dir, into);
    return Git.run(work, Map.of(), WAIT, "-c", "protocol.version=0", "clone", "-q",
        proxy.url(user, "pw-" + user) + "/a/" + project, "repo");
  }

  private static boolean isFetchBy(HttpdLogEntry e, String user) {
    return user.equals(e.user()) && e.method().equals("POST")
        && e.path().endsWith("/git-upload-pack");
  }

  private static void awaitGauge(String fetchClass, String state, int value)
      throws InterruptedException {
    TwoChannelProxy.awaitTrue(() -> Metrics.sum(get(proxy.adminUrl() + "/metrics"),
            "gerrit_proxy_fetches", Map.of("class", fetchClass, "state", state)) == value,
        WAIT, value + " " + fetchClass + " fetches " + state);
  }

  private static String get(String url) throws IOException, InterruptedException {
    return proxy.http.send(HttpRequest.newBuilder(URI.create(url)).timeout(WAIT).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  /**
   * The one fetch slot, held by an SSH git-upload-pack whose stdin stays open: upload-pack sends
   * its advertisement and then waits for the client's wants, running until stdin closes.
   */
  private static final class Holder implements AutoCloseable {
    private final Process ssh;

    private Holder(Process ssh) {
      this.ssh = ssh;
    }

    static Holder take() throws Exception {
      List<String> argv = new ArrayList<>(List.of("ssh", "-p",
          Integer.toString(proxy.process().sshAddress().getPort())));
      argv.addAll(SshCli.options(holderKey));
      argv.addAll(List.of("-l", holder, "127.0.0.1", "git-upload-pack", "/" + project));
      Holder h = new Holder(new ProcessBuilder(argv).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
      awaitGauge("interactive", "running", 1);
      return h;
    }

    /** Ends the upload-pack: its slot goes to the next fetch. */
    void release() throws IOException {
      ssh.getOutputStream().close();
    }

    @Override
    public void close() throws Exception {
      release();
      if (!ssh.waitFor(30, TimeUnit.SECONDS)) {
        ssh.destroyForcibly();
      }
      awaitGauge("interactive", "running", 0);
    }
  }
}
