package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.core.cluster.LogMark;
import org.gerritproxy.routing.NodeState;
import org.gerritproxy.ssh.KeyFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real Gerrit nodes with the fence plugin (gerrit-fence) installed, reading the record the proxy
 * publishes in the shared All-Projects: a node that is not the write master refuses every write
 * sent to it directly, past the proxy, and nothing is written; the master and every read are
 * untouched. A cluster of its own, since a fenced node would refuse other tests' direct writes.
 */
class FenceEnforcedTest {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static GerritCluster cluster;
  private static Path peerKey;

  @BeforeAll
  static void startCluster(@TempDir Path keys) throws Exception {
    Path target = Path.of(System.getProperty("gerrit.lib", "target/gerrit-lib")).toAbsolutePath()
        .getParent();
    Path base = target.resolve("gerrit-cluster-fence");
    Path record = base.resolve("gerrit-1").resolve("git").resolve("All-Projects.git");
    cluster = GerritCluster.builder()
        .baseDir(base)
        .templateDir(target.resolve("gerrit-cluster").resolve("template"))
        .plugin(Path.of(System.getProperty("fence.plugin", "../gerrit-fence/target/classes")))
        .nodeSettings((node, config) -> {
          config.setString("plugin", "fence", "node", node);
          config.setString("plugin", "fence", "repository", record.toString());
          config.setString("plugin", "fence", "refresh", "250ms");
        })
        .start();
    peerKey = keys.resolve("peer_key");
    String base64 = KeyFiles.publicBase64(KeyFiles.loadOrCreate(peerKey));
    for (GerritNode node : cluster.nodes()) {
      node.trustPeerKey(base64);
    }
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aNodeThatIsNotTheMasterRefusesPushesRestAndSshWritesAndNothingIsWritten(@TempDir Path dir)
      throws Exception {
    GerritNode master = cluster.node(1);
    GerritNode other = cluster.node(2);
    try (TwoChannelProxy proxy = new TwoChannelProxy(dir, cluster, Map.of(), Map.of())) {
      proxy.awaitMaster(master.name());
      String suffix = Long.toString(System.nanoTime(), 36);
      String project = "fence-" + suffix;
      // An earlier test may have left another master in the record: until the proxy has
      // published its own and the nodes have read it, the new master refuses writes too.
      long epoch = awaitFence(master, false, master.name());
      awaitFence(other, true, master.name());
      String sentence = other.name() + " is not the write master: " + master.name()
          + " is, at epoch " + epoch + ". Write through the proxy.";
      assertThat(proxy.createProject(project).statusCode()).isEqualTo(201);

      // The proxy shows each node's fence: /health, the dashboard, /metrics.
      TwoChannelProxy.awaitTrue(() -> fenceInHealth(proxy, other.name()).equals("fenced " + epoch)
              && fenceInHealth(proxy, master.name()).equals("enforced " + epoch),
          Duration.ofSeconds(20), "/health shows " + other.name() + " fenced and "
              + master.name() + " enforced at epoch " + epoch);
      assertThat(proxy.dashboard()).contains("fenced</b> <small>epoch " + epoch + "</small>")
          .contains("enforced <small>epoch " + epoch + "</small>")
          .as("these nodes run the plugin without FenceGitModule").contains("doors only");
      String metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + proxy.process().adminAddress().getPort() + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      assertThat(metrics)
          .contains("gerrit_proxy_node_fence{node=\"" + other.name() + "\",state=\"fenced\"} 1")
          .contains("gerrit_proxy_node_fence{node=\"" + master.name() + "\",state=\"enforced\"} 1")
          .contains("gerrit_proxy_node_fence_epoch{node=\"" + other.name() + "\"} " + epoch)
          .contains("gerrit_proxy_node_fence_repositories{node=\"" + other.name() + "\"} 0");

      // A REST write straight to the non-master: refused with the sentence, nothing created.
      LogMark mark = other.httpdLog().mark();
      HttpResponse<String> rest = put(other, "/a/projects/" + project + "-rest");
      assertThat(rest.statusCode()).isEqualTo(503);
      assertThat(rest.body().strip()).isEqualTo(sentence);
      other.httpdLog().await(mark, e -> e.method().equals("PUT") && e.status() == 503,
          Duration.ofSeconds(10));
      assertThat(master.admin().projectExists(project + "-rest")).isFalse();

      // A push over HTTP straight to the non-master: rejected with the sentence.
      Path work = dir.resolve("work");
      Git.ok(dir, "clone", authUrl(other, project), work.toString());
      Files.writeString(work.resolve("fenced.txt"), "must not land\n");
      Git.ok(work, "add", "fenced.txt");
      // With a Change-Id, so that Gerrit's own checks of a push for review pass and the fence's
      // refusal is what stops it.
      String changeId = "I" + String.format("%040x", new java.math.BigInteger(1,
          java.security.MessageDigest.getInstance("SHA-1").digest(suffix.getBytes(StandardCharsets.UTF_8))));
      Git.ok(work, "commit", "-m", "fenced", "-m", "Change-Id: " + changeId);
      String tip = Git.ok(work, "rev-parse", "HEAD").strip();
      Git.Result push = Git.run(work, "push", authUrl(other, project), "HEAD:refs/heads/master");
      assertThat(push.exit()).isNotZero();
      assertThat(push.output()).contains(sentence);
      Git.Result forReview = Git.run(work, "push", authUrl(other, project), "HEAD:refs/for/master");
      assertThat(forReview.exit()).isNotZero();
      assertThat(forReview.output()).contains(sentence);
      assertThat(Git.ok(work, "ls-remote", authUrl(master, project))).doesNotContain(tip);

      // Over SSH, as a stale proxy would send it (the peer login and suexec): a gerrit write
      // command and a push are refused with the sentence too.
      SshCli.Result create = SshCli.run(other.sshPort(), peerKey, "Gerrit Code Review",
          "suexec", "--as", "admin", "--", "gerrit", "create-project", project + "-ssh");
      assertThat(create.exit()).isNotZero();
      assertThat(create.err()).contains(sentence);
      assertThat(master.admin().projectExists(project + "-ssh")).isFalse();
      Git.Result sshPush = Git.run(work,
          Map.of("GIT_SSH_COMMAND", SshCli.gitSshCommand(peerKey) + " -l 'Gerrit Code Review'"),
          "push", "--receive-pack=suexec --as admin -- git-receive-pack",
          "ssh://127.0.0.1:" + other.sshPort() + "/" + project, "HEAD:refs/heads/master");
      assertThat(sshPush.exit()).isNotZero();
      assertThat(sshPush.output()).contains(sentence);
      assertThat(Git.ok(work, "ls-remote", authUrl(master, project))).doesNotContain(tip);

      // Reads on the fenced node are untouched: a REST read, a fetch, an SSH read command.
      assertThat(get(other, "/a/projects/" + project).statusCode()).isEqualTo(200);
      assertThat(Git.run(work, "fetch", authUrl(other, project)).exit()).isZero();
      SshCli.Result read = SshCli.run(other.sshPort(), peerKey, "Gerrit Code Review",
          "suexec", "--as", "admin", "--", "gerrit", "ls-projects");
      assertThat(read.exit()).isZero();
      assertThat(read.out()).contains("All-Projects");

      // The master takes the same writes straight away, as before.
      assertThat(put(master, "/a/projects/" + project + "-direct").statusCode()).isEqualTo(201);
      assertThat(Git.run(work, "push", authUrl(master, project), "HEAD:refs/heads/master").exit())
          .isZero();
      assertThat(Git.ok(work, "ls-remote", authUrl(other, project))).contains(tip);
      SshCli.Result onMaster = SshCli.run(master.sshPort(), peerKey, "Gerrit Code Review",
          "suexec", "--as", "admin", "--", "gerrit", "create-project", project + "-ssh");
      assertThat(onMaster.exit()).as(onMaster.err()).isZero();
    }
  }

  @Test
  void aKilledMasterRestartedAfterTheFailoverRefusesWritesFromItsFirstSecond(@TempDir Path dir)
      throws Exception {
    GerritNode first = cluster.node(1);
    GerritNode second = cluster.node(2);
    try (TwoChannelProxy proxy = new TwoChannelProxy(dir, cluster, Map.of(), Map.of())) {
      proxy.awaitMaster(first.name());
      awaitFence(second, true, first.name());
      first.kill();
      proxy.awaitMaster(second.name());
      long epoch = awaitFence(second, false, second.name());

      first.start(); // returns as soon as Gerrit says it is ready
      HttpResponse<String> write = put(first, "/a/projects/fence-revived-"
          + Long.toString(System.nanoTime(), 36));
      assertThat(write.statusCode()).as(write.body()).isEqualTo(503);
      assertThat(write.body().strip()).isEqualTo(first.name() + " is not the write master: "
          + second.name() + " is, at epoch " + epoch + ". Write through the proxy.");
      proxy.awaitState(first.name(), NodeState.UP, Duration.ofSeconds(30));
      String project = "fence-after-" + Long.toString(System.nanoTime(), 36);
      assertThat(proxy.createProject(project).statusCode()).isEqualTo(201);
      assertThat(second.admin().projectExists(project)).isTrue();
    } finally {
      if (!first.isRunning()) {
        first.start();
      }
    }
  }

  @Test
  void aFrozenProxyThatWakesAfterAnotherDecidedCannotLandAWriteOnTheOldMaster(@TempDir Path dir)
      throws Exception {
    GerritNode first = cluster.node(1);
    GerritNode second = cluster.node(2);
    int httpPort = ProxyJvm.freePort();
    int adminPort = ProxyJvm.freePort();
    Path config = dir.resolve("stale.config");
    Files.writeString(config, "[proxy]\n\tname = stale-proxy\n\tshutdownTimeout = 2s\n"
        + "[httpd]\n\tlistenAddress = 127.0.0.1:" + httpPort + "\n"
        + "[sshd]\n\tlistenAddress = 127.0.0.1:0\n"
        + "[admin]\n\tlistenAddress = 127.0.0.1:" + adminPort + "\n"
        // Static: its master does not hang on its first probes, which a loaded machine slows.
        + ProxyFixture.staticMaster(first.name())
        + TwoChannelProxy.nodeSections(cluster, Map.of(), Map.of(), Map.of()));
    Path out = dir.resolve("stale.out");
    try (ProxyJvm stale = ProxyJvm.start("stale-proxy", config, adminPort, out,
        java.util.List.of())) {
      try {
        TwoChannelProxy.awaitTrue(() -> stale.master().filter(m -> m.is(first.name())).isPresent(),
            Duration.ofSeconds(120), "the proxy in its own JVM follows " + first.name());
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "; its output:\n" + Files.readString(out), e);
      }
      awaitFence(first, false, first.name());

      // Frozen (a long GC, a stopped VM), it misses another proxy's decision: here a proxy
      // whose operator moved the master to gerrit-2, as a failover elsewhere would.
      stale.stop();
      try (TwoChannelProxy other = new TwoChannelProxy(Files.createDirectories(dir.resolve("other")), cluster, Map.of(),
          Map.of(), ProxyFixture.staticMaster(second.name()))) {
        other.awaitMaster(second.name());
        long epoch = awaitFence(first, true, second.name());
        stale.resume();

        // It wakes still sure that gerrit-1 is master and sends it a write: the fence refuses.
        String project = "fence-stale-" + Long.toString(System.nanoTime(), 36);
        LogMark mark = first.httpdLog().mark();
        HttpResponse<String> write = HTTP.send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + httpPort + "/a/projects/" + project))
            .timeout(Duration.ofSeconds(60))
            .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                "admin:secret".getBytes(StandardCharsets.UTF_8)))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString("{}")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(stale.master()).as("the woken proxy still routes writes to the old master")
            .hasValueSatisfying(m -> assertThat(m.node()).contains(first.name()));
        assertThat(write.statusCode()).as(write.body()).isEqualTo(503);
        assertThat(write.body().strip()).isEqualTo(first.name() + " is not the write master: "
            + second.name() + " is, at epoch " + epoch + ". Write through the proxy.");
        first.httpdLog().await(mark, e -> e.method().equals("PUT") && e.path().contains(project)
            && e.status() == 503, Duration.ofSeconds(10));
        assertThat(second.admin().projectExists(project)).as("nothing was written").isFalse();
      }
    }
  }

  /** "STATE EPOCH" of the node's fence in the proxy's /health. */
  private static String fenceInHealth(TwoChannelProxy proxy, String node) throws Exception {
    com.fasterxml.jackson.databind.JsonNode health =
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(proxy.health());
    for (com.fasterxml.jackson.databind.JsonNode n : health.get("nodes")) {
      if (n.get("name").asText().equals(node)) {
        return n.get("fence").get("state").asText() + " " + n.get("fence").get("epoch").asLong();
      }
    }
    return "absent";
  }

  /** Waits until the node's fence says so; returns the epoch it enforces. */
  private static long awaitFence(GerritNode node, boolean fenced, String master) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      last = get(node, "/plugins/fence/status").body();
      if (last.contains("\"fenced\":" + fenced + ",") && last.contains("\"master\":\"" + master + "\"")) {
        String epoch = last.replaceAll("(?s).*\"epoch\":(-?\\d+).*", "$1");
        return Long.parseLong(epoch);
      }
      Thread.sleep(50);
    }
    throw new AssertionError(node.name() + "'s fence did not say fenced=" + fenced + ", master="
        + master + " within 30 s; it said " + last);
  }

  private static String authUrl(GerritNode node, String project) {
    return "http://admin:secret@127.0.0.1:" + node.httpPort() + "/a/" + project;
  }

  private static HttpResponse<String> get(GerritNode node, String path) throws Exception {
    return HTTP.send(request(node, path).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> put(GerritNode node, String path) throws Exception {
    return HTTP.send(request(node, path).header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString("{\"create_empty_commit\":true}")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpRequest.Builder request(GerritNode node, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path))
        .timeout(Duration.ofSeconds(60))
        .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
            "admin:secret".getBytes(StandardCharsets.UTF_8)));
  }
}
