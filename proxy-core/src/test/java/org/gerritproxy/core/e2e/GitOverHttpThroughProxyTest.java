package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gerritproxy.core.cluster.GerritAdmin;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritClusterExtension;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.core.cluster.GerritRestException;
import org.gerritproxy.core.cluster.HttpdLogEntry;
import org.gerritproxy.core.cluster.LogMark;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Git smart HTTP and the REST API through gerrit-proxy to a real two-node Gerrit cluster, with
 * the real {@code git}; where each request went is read from each node's own {@code httpd_log}.
 */
@ExtendWith(GerritClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GitOverHttpThroughProxyTest {
  private static final String ADMIN = GerritAdmin.ADMIN_USER;
  private static final String SECRET = GerritAdmin.ADMIN_PASSWORD;
  private static final Duration LOG_WAIT = Duration.ofSeconds(15);

  private GerritCluster cluster;
  private GerritNode master;
  private GerritNode other;
  private ProxyFixture proxy;

  @TempDir Path work;

  @BeforeAll
  void startProxy(GerritCluster cluster, @TempDir Path proxyDir) throws Exception {
    this.cluster = cluster;
    this.master = cluster.node(1);
    this.other = cluster.node(2);
    proxy = ProxyFixture.withStaticMaster(proxyDir, cluster, master.name());
    proxy.awaitMaster(master.name());
  }

  @AfterAll
  void stopProxy() {
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void clonesWithProtocolV0AndV2() throws Exception {
    String project = newProject("clone-v0-v2");
    Git.Result v0 = Git.run(work, Map.of("GIT_TRACE_PACKET", "1"),
        "-c", "protocol.version=0", "clone", proxy.url() + "/" + project, "v0");
    v0.assertOk("clone with protocol v0");
    assertThat(v0.output()).doesNotContain("version 2");

    Git.Result v2 = Git.run(work, Map.of("GIT_TRACE_PACKET", "1"),
        "-c", "protocol.version=2", "clone", proxy.url() + "/" + project + ".git", "v2");
    v2.assertOk("clone with protocol v2");
    assertThat(v2.output()).as("the node answered in protocol v2").contains("< version 2");
    assertThat(head(work.resolve("v0"))).isEqualTo(head(work.resolve("v2")));
  }

  @Test
  void fetchesWhatWasPushedThroughTheProxy() throws Exception {
    String project = newProject("fetch");
    Path a = cloneAs(project, "a");
    Path b = cloneAs(project, "b");
    commitFile(a, "one.txt", "one");
    Git.ok(a, "push", authUrl(project), "HEAD:refs/heads/master");
    Git.ok(b, "fetch", "origin");
    assertThat(Git.ok(b, "rev-parse", "origin/master").strip()).isEqualTo(head(a));
  }

  @Test
  void pushToABranchIsRecordedOnlyInTheMasterNodesLog() throws Exception {
    String project = newProject("push-branch");
    Path repo = cloneAs(project, "repo");
    commitFile(repo, "file.txt", "through the proxy");
    LogMark onMaster = master.httpdLog().mark();
    LogMark onOther = other.httpdLog().mark();

    Git.ok(repo, "push", authUrl(project), "HEAD:refs/heads/master");

    master.httpdLog().await(onMaster, e -> isReceivePack(e, project), LOG_WAIT);
    assertThat(other.httpdLog().since(onOther))
        .as("no part of the push reached the node that is not master")
        .noneMatch(e -> e.path().contains(project) && e.path().contains("receive-pack")
            || "git-receive-pack".equals(queryService(e)));
    assertThat(lsRemote(project, "refs/heads/master")).isEqualTo(head(repo));
  }

  @Test
  void pushForReviewCreatesAChangeAndTheRestSubmitReachesTheMaster() throws Exception {
    String project = newProject("review");
    Path repo = cloneAs(project, "repo");
    Files.writeString(repo.resolve(".git/hooks/commit-msg"), "#!/bin/sh\n"
        + "grep -q '^Change-Id:' \"$1\" || printf '\\nChange-Id: I%s\\n' \"$(date +%s%N | sha1sum | cut -c1-40)\" >> \"$1\"\n");
    repo.resolve(".git/hooks/commit-msg").toFile().setExecutable(true);
    commitFile(repo, "change.txt", "for review");

    String pushed = Git.ok(repo, "push", authUrl(project), "HEAD:refs/for/master");
    Matcher m = Pattern.compile("/\\+/(\\d+)").matcher(pushed);
    assertThat(m.find()).as("git push printed the new change's URL:\n" + pushed).isTrue();
    String change = GerritAdmin.encode(project) + "~" + m.group(1);

    HttpResponse<String> review = proxy.send(HttpRequest.newBuilder(
            URI.create(proxy.url() + "/a/changes/" + change + "/revisions/current/review"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"labels\":{\"Code-Review\":2}}")), ADMIN, SECRET);
    assertThat(review.statusCode()).as(review.body()).isEqualTo(200);

    LogMark onMaster = master.httpdLog().mark();
    LogMark onOther = other.httpdLog().mark();
    HttpResponse<String> submit = proxy.send(HttpRequest.newBuilder(
            URI.create(proxy.url() + "/a/changes/" + change + "/submit"))
        .POST(HttpRequest.BodyPublishers.noBody()), ADMIN, SECRET);

    assertThat(submit.statusCode()).as(submit.body()).isEqualTo(200);
    assertThat(submit.body()).contains("\"status\":\"MERGED\"");
    assertThat(submit.headers().firstValue("X-Gerrit-Proxy-Node")).hasValue(master.name());
    master.httpdLog().await(onMaster, e -> e.method().equals("POST") && e.path().endsWith("/submit"), LOG_WAIT);
    assertThat(other.httpdLog().since(onOther)).noneMatch(e -> e.path().endsWith("/submit"));
    assertThat(lsRemote(project, "refs/heads/master")).isEqualTo(head(repo));
  }

  @Test
  void pushesAndClonesARepositoryOf100Megabytes() throws Exception {
    String project = newProject("large");
    Path repo = cloneAs(project, "large-src");
    Random random = new Random(42);
    byte[] chunk = new byte[1 << 20];
    for (int file = 0; file < 4; file++) {
      try (var out = Files.newOutputStream(repo.resolve("blob-" + file + ".bin"))) {
        for (int mb = 0; mb < 26; mb++) {
          random.nextBytes(chunk);
          out.write(chunk);
        }
      }
    }
    Git.ok(repo, "add", ".");
    Git.ok(repo, "commit", "-q", "-m", "104 MB of incompressible data");
    Git.ok(repo, "push", authUrl(project), "HEAD:refs/heads/master");

    Path copy = work.resolve("large-copy");
    Git.ok(work, "clone", "-q", proxy.url() + "/" + project, copy.toString());
    assertThat(head(copy)).isEqualTo(head(repo));
    long bytes = 0;
    for (int file = 0; file < 4; file++) {
      bytes += Files.size(copy.resolve("blob-" + file + ".bin"));
      assertThat(Files.mismatch(copy.resolve("blob-" + file + ".bin"), repo.resolve("blob-" + file + ".bin")))
          .isEqualTo(-1L);
    }
    assertThat(bytes).isGreaterThanOrEqualTo(100L << 20);
  }

  @Test
  void restWritesGoToTheMasterAndReadsAreServed() throws Exception {
    String project = "rest-" + System.nanoTime();
    HttpResponse<String> created = proxy.send(HttpRequest.newBuilder(
            URI.create(proxy.url() + "/a/projects/" + project))
        .header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString("{\"create_empty_commit\":true}")), ADMIN, SECRET);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertThat(created.headers().firstValue("X-Gerrit-Proxy-Node")).hasValue(master.name());

    HttpResponse<String> read = proxy.get("/a/projects/" + project, ADMIN, SECRET);
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(read.body()).startsWith(")]}'").contains("\"name\":\"" + project + "\"");
    assertThat(read.headers().firstValue("X-Gerrit-Proxy-Node")).isPresent();
  }

  @Test
  void readsOfDifferentUsersSpreadAcrossBothNodesAndEachUserStaysOnOne() throws Exception {
    Map<String, String> nodeOfUser = new HashMap<>();
    Map<String, LogMark> marks = Map.of(master.name(), master.httpdLog().mark(),
        other.name(), other.httpdLog().mark());
    for (int i = 1; i <= 12; i++) {
      String user = "reader-" + i;
      ensureUser(user);
      Set<String> served = new HashSet<>();
      for (int request = 0; request < 5; request++) {
        HttpResponse<String> self = proxy.get("/a/accounts/self", user, "pw-" + user);
        assertThat(self.statusCode()).as(self.body()).isEqualTo(200);
        assertThat(self.body()).contains("\"username\":\"" + user + "\"");
        served.add(self.headers().firstValue("X-Gerrit-Proxy-Node").orElseThrow());
      }
      assertThat(served).as("every request of " + user + " went to one node").hasSize(1);
      nodeOfUser.put(user, served.iterator().next());
    }
    assertThat(new HashSet<>(nodeOfUser.values()))
        .as("readers are spread over both nodes: " + nodeOfUser)
        .containsExactlyInAnyOrder(master.name(), other.name());

    for (GerritNode node : List.of(master, other)) {
      for (Map.Entry<String, String> e : nodeOfUser.entrySet()) {
        String user = e.getKey();
        boolean here = e.getValue().equals(node.name());
        if (here) {
          node.httpdLog().await(marks.get(node.name()),
              entry -> user.equals(entry.user()) && entry.path().equals("/a/accounts/self"), LOG_WAIT);
        } else {
          assertThat(node.httpdLog().since(marks.get(node.name())))
              .as(user + "'s reads are not on " + node.name())
              .noneMatch(entry -> user.equals(entry.user()));
        }
      }
    }
  }

  @Test
  void aUsersGitSessionStaysOnOneNode() throws Exception {
    String project = newProject("sticky-git");
    ensureUser("sticky");
    LogMark m1 = master.httpdLog().mark();
    LogMark m2 = other.httpdLog().mark();
    for (int i = 0; i < 3; i++) {
      Git.ok(work, "clone", "-q", proxy.url("sticky", "pw-sticky") + "/a/" + project, "sticky-" + i);
    }
    Thread.sleep(1000); // the nodes write their access logs asynchronously
    long onMaster = master.httpdLog().since(m1).stream().filter(e -> "sticky".equals(e.user())).count();
    long onOther = other.httpdLog().since(m2).stream().filter(e -> "sticky".equals(e.user())).count();
    assertThat(onMaster + onOther).as("three clones, each of several HTTP requests").isGreaterThanOrEqualTo(6);
    assertThat(Math.min(onMaster, onOther)).as("all of them on one node").isZero();
  }

  @Test
  void writesMoveWhenTheStaticMasterIsChanged() throws Exception {
    String project = newProject("move-master");
    Path repo = cloneAs(project, "repo");
    try {
      proxy.reconfigure(cluster.nodes(), ProxyFixture.staticMaster(other.name()));
      proxy.awaitMaster(other.name());
      assertThat(proxy.process().cluster().snapshot().master().epoch()).isGreaterThan(1);

      commitFile(repo, "moved.txt", "to the new master");
      LogMark onOld = master.httpdLog().mark();
      LogMark onNew = other.httpdLog().mark();
      Git.ok(repo, "push", authUrl(project), "HEAD:refs/heads/master");

      other.httpdLog().await(onNew, e -> isReceivePack(e, project), LOG_WAIT);
      assertThat(master.httpdLog().since(onOld)).noneMatch(e -> isReceivePack(e, project));
    } finally {
      proxy.reconfigure(cluster.nodes(), ProxyFixture.staticMaster(master.name()));
      proxy.awaitMaster(master.name());
    }
  }

  @Test
  void healthNamesTheMasterAndShowsBothNodesUp() throws Exception {
    HttpResponse<String> health = proxy.http.send(
        HttpRequest.newBuilder(URI.create(proxy.adminUrl() + "/health")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body())
        .contains("\"proxy\" : \"test-proxy\"")
        .contains("\"node\" : \"" + master.name() + "\"")
        .contains("\"name\" : \"" + other.name() + "\"")
        .contains("\"state\" : \"UP\"")
        .doesNotContain(SECRET);
  }

  @Test
  void metricsCountTrafficPerNodeAndNameTheMaster() throws Exception {
    HttpResponse<String> read = proxy.get("/a/accounts/self", ADMIN, SECRET);
    assertThat(read.statusCode()).isEqualTo(200);
    String node = read.headers().firstValue("X-Gerrit-Proxy-Node").orElseThrow();

    HttpResponse<String> metrics = proxy.http.send(
        HttpRequest.newBuilder(URI.create(proxy.adminUrl() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(
        t -> assertThat(t).startsWith("text/plain"));
    assertThat(metrics.body())
        .containsPattern("gerrit_proxy_requests_total\\{class=\"read\",frontend=\"http\",node=\""
            + node + "\",outcome=\"completed\"} [1-9]")
        .containsPattern("gerrit_proxy_bytes_total\\{direction=\"out\",frontend=\"http\",node=\""
            + node + "\"} [1-9]")
        .contains("gerrit_proxy_master{node=\"" + master.name() + "\"} 1")
        .contains("gerrit_proxy_node_state{node=\"" + other.name() + "\",state=\"UP\"} 1")
        .contains("gerrit_proxy_request_duration_seconds_bucket{")
        .doesNotContain(SECRET);
  }

  // --- helpers

  private String newProject(String prefix) {
    String name = prefix + "-" + System.nanoTime();
    master.admin().createProject(name);
    return name;
  }

  private void ensureUser(String user) {
    try {
      master.admin().createUser(user, "pw-" + user);
    } catch (GerritRestException e) {
      if (e.status() != 409) {
        throw e;
      }
    }
  }

  private Path cloneAs(String project, String dir) throws Exception {
    Git.ok(work, "clone", "-q", proxy.url() + "/" + project, dir);
    return work.resolve(dir);
  }

  private String authUrl(String project) {
    return proxy.url(ADMIN, SECRET) + "/a/" + project;
  }

  private static void commitFile(Path repo, String name, String content) throws Exception {
    Files.writeString(repo.resolve(name), content + "\n");
    Git.ok(repo, "add", name);
    Git.ok(repo, "commit", "-q", "-m", "Add " + name);
  }

  private static String head(Path repo) throws Exception {
    return Git.ok(repo, "rev-parse", "HEAD").strip();
  }

  private String lsRemote(String project, String ref) throws Exception {
    String out = Git.ok(work, "ls-remote", proxy.url() + "/" + project, ref);
    return out.isBlank() ? "" : out.split("\\s+")[0];
  }

  private static boolean isReceivePack(HttpdLogEntry e, String project) {
    return e.path().contains(project)
        && (e.path().endsWith("/git-receive-pack") || "git-receive-pack".equals(queryService(e)));
  }

  private static String queryService(HttpdLogEntry e) {
    String q = e.query();
    if (q == null) {
      return null;
    }
    for (String p : q.split("&")) {
      if (p.startsWith("service=")) {
        return p.substring("service=".length());
      }
    }
    return null;
  }
}
