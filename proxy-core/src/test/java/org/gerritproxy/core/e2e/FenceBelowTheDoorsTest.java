package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.gerritproxy.core.backdoor.GitBackdoor;
import org.gerritproxy.core.backdoor.HeartbeatRecord;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.core.cluster.LogMark;
import org.gerritproxy.record.MasterRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fence below the doors (docs/fence.md): with fence.jar also on Gerrit's classpath and
 * {@code gerrit.installDbModule = org.gerritproxy.fence.FenceGitModule}, the repositories of a
 * node that is not the write master refuse the ref updates Gerrit makes for itself, which no
 * request door sees. A test-only plugin (src/test/resources/internal-writes-plugin, compiled here
 * against the node's Gerrit) makes such writes from inside the server on a GET, which every door
 * lets through: a server-initiated account update in All-Users, a single ref update, and the
 * reservation of change numbers in All-Projects' NoteDb sequence.
 *
 * <p>The record is published the proxies' way (GitBackdoor's compare-and-set) by this JVM, a
 * process other than Gerrit, into the shared All-Projects, beside a heartbeat: the module does
 * not stand in their way.
 */
class FenceBelowTheDoorsTest {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final String ADMIN_REF = "refs/users/00/1000000";
  private static final String CHANGE_SEQUENCE = "refs/sequences/changes";
  private static GerritCluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    Path gerritLib = Path.of(System.getProperty("gerrit.lib", "target/gerrit-lib")).toAbsolutePath();
    Path target = gerritLib.getParent();
    Path fence = Path.of(System.getProperty("fence.plugin", "../gerrit-fence/target/classes"))
        .toAbsolutePath();
    Path base = target.resolve("gerrit-cluster-fence-below");
    Path writes = compileInternalWritesPlugin(gerritLib, target.resolve("internal-writes-plugin"));
    GerritCluster.Builder builder = GerritCluster.builder()
        .baseDir(base)
        .templateDir(target.resolve("gerrit-cluster").resolve("template"))
        .plugin(fence)
        .library(fence)
        .plugin(writes);
    Path record = builder.sharedGitDir().resolve("All-Projects.git");
    cluster = builder.nodeSettings((node, config) -> {
          config.setString("gerrit", null, "installDbModule", "org.gerritproxy.fence.FenceGitModule");
          config.setString("plugin", "fence", "node", node);
          config.setString("plugin", "fence", "repository", record.toString());
          config.setString("plugin", "fence", "refresh", "250ms");
        })
        .start();
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aFencedNodeRefusesTheRefUpdatesGerritMakesForItselfAndTheMasterWritesThem()
      throws Exception {
    GerritNode master = cluster.node(1);
    GerritNode other = cluster.node(2);
    for (GerritNode node : cluster.nodes()) {
      assertThat(Files.readString(node.consoleLog().file()))
          .contains("Installed module org.gerritproxy.fence.FenceGitModule")
          .contains("fence: the repositories refuse ref updates too (FenceGitModule)");
    }
    long epoch = publish(master.name());
    String sentence = other.name() + " is not the write master: " + master.name() + " is, at epoch "
        + epoch + ". Write through the proxy.";
    String project = "below-" + Long.toString(System.nanoTime(), 36);
    master.admin().createProject(project);

    // On the fenced node: refused, with the sentence in its log, and nothing in the repositories.
    ObjectId accountBefore = ref("All-Users", ADMIN_REF).orElseThrow();
    LogMark mark = other.consoleLog().mark();
    HttpResponse<String> account = get(other, "/plugins/internalwrites/account?name=fenced");
    assertThat(account.statusCode()).as(account.body()).isEqualTo(500);
    assertThat(account.body()).contains(sentence);
    assertThat(ref("All-Users", ADMIN_REF)).as("the account in All-Users").contains(accountBefore);
    HttpResponse<String> branch =
        get(other, "/plugins/internalwrites/branch?project=" + project + "&branch=fenced");
    assertThat(branch.statusCode()).as(branch.body()).isEqualTo(500);
    assertThat(branch.body()).contains(sentence);
    assertThat(ref(project, "refs/heads/fenced")).as("the branch").isEmpty();
    Optional<ObjectId> sequenceBefore = ref("All-Projects", CHANGE_SEQUENCE);
    HttpResponse<String> changeId = get(other, "/plugins/internalwrites/change-id");
    assertThat(changeId.statusCode()).as(changeId.body()).isEqualTo(500);
    assertThat(changeId.body()).contains(sentence);
    assertThat(ref("All-Projects", CHANGE_SEQUENCE)).as("the change sequence")
        .isEqualTo(sequenceBefore);
    other.consoleLog().await(mark, line -> line.contains("fence: refused")
        && line.contains("refs/heads/fenced") && line.contains(sentence), Duration.ofSeconds(10));
    assertThat(other.consoleLog().linesSince(mark))
        .anyMatch(line -> line.contains("fence: refused") && line.contains("in All-Users")
            && line.contains(sentence));
    // Reads there are untouched.
    assertThat(other.admin().projectExists(project)).isTrue();
    assertThat(get(other, "/a/accounts/self").statusCode()).isEqualTo(200);

    // The master makes the same writes as before.
    String name = "written by " + master.name() + " at epoch " + epoch;
    HttpResponse<String> onMaster = get(master,
        "/plugins/internalwrites/account?name=" + name.replace(' ', '+'));
    assertThat(onMaster.statusCode()).as(onMaster.body()).isEqualTo(200);
    assertThat(ref("All-Users", ADMIN_REF).orElseThrow()).isNotEqualTo(accountBefore);
    assertThat(master.admin().getJson("/accounts/self").get("name").asText()).isEqualTo(name);
    HttpResponse<String> branchOnMaster =
        get(master, "/plugins/internalwrites/branch?project=" + project + "&branch=written");
    assertThat(branchOnMaster.statusCode()).as(branchOnMaster.body()).isEqualTo(200);
    assertThat(ref(project, "refs/heads/written")).isPresent();
    HttpResponse<String> changeIdOnMaster = get(master, "/plugins/internalwrites/change-id");
    assertThat(changeIdOnMaster.statusCode()).as(changeIdOnMaster.body()).isEqualTo(200);
    assertThat(changeIdOnMaster.body().strip()).containsOnlyDigits();
    // Its first change number reserved a batch: the sequence moved on disk.
    assertThat(ref("All-Projects", CHANGE_SEQUENCE)).isPresent().isNotEqualTo(sequenceBefore);
  }

  @Test
  void whenTheRecordNamesAnotherMasterTheRolesSwapBelowTheDoorsToo() throws Exception {
    GerritNode first = cluster.node(1);
    GerritNode second = cluster.node(2);
    publish(first.name());
    long epoch = publish(second.name());
    String project = "swap-" + Long.toString(System.nanoTime(), 36);
    second.admin().createProject(project);

    HttpResponse<String> refused =
        get(first, "/plugins/internalwrites/branch?project=" + project + "&branch=old-master");
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(500);
    assertThat(refused.body()).contains(first.name() + " is not the write master: "
        + second.name() + " is, at epoch " + epoch + ".");
    assertThat(ref(project, "refs/heads/old-master")).isEmpty();
    HttpResponse<String> written =
        get(second, "/plugins/internalwrites/branch?project=" + project + "&branch=new-master");
    assertThat(written.statusCode()).as(written.body()).isEqualTo(200);
    assertThat(ref(project, "refs/heads/new-master")).isPresent();
  }

  /**
   * Publishes {@code master} at the next epoch as a proxy does, writes a heartbeat beside it, and
   * waits until both nodes' fences enforce it; returns the epoch.
   */
  private static long publish(String master) throws Exception {
    try (GitBackdoor backdoor = new GitBackdoor(cluster.gitDir().resolve("All-Projects.git"))) {
      Optional<MasterRecord> stored = backdoor.readMaster();
      long epoch = stored.map(MasterRecord::epoch).orElse(0L) + 1;
      assertThat(backdoor.compareAndSetMaster(stored, new MasterRecord(Optional.of(master), epoch)))
          .as("the record's compare-and-set").isTrue();
      backdoor.write(new HeartbeatRecord(master, epoch, true, ""));
      assertThat(backdoor.readAll()).containsKey(master);
      for (GerritNode node : cluster.nodes()) {
        awaitFence(node, !node.name().equals(master), master, epoch);
      }
      return epoch;
    }
  }

  private static void awaitFence(GerritNode node, boolean fenced, String master, long epoch)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      last = get(node, "/plugins/fence/status").body();
      if (last.contains("\"fenced\":" + fenced + ",") && last.contains("\"epoch\":" + epoch + ",")
          && last.contains("\"master\":\"" + master + "\"")) {
        // What the proxy's probe reads to show the node fenced below its doors too.
        assertThat(last).as("the status says the repositories are fenced")
            .contains("\"repositories\":true");
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError(node.name() + "'s fence did not say fenced=" + fenced + ", master="
        + master + ", epoch " + epoch + " within 30 s; it said " + last);
  }

  /** The ref as the shared repository on disk has it, read by JGit in this process. */
  private static Optional<ObjectId> ref(String project, String name) throws IOException {
    try (Repository repo = new FileRepositoryBuilder()
        .setGitDir(cluster.gitDir().resolve(project + ".git").toFile()).setMustExist(true).build()) {
      return Optional.ofNullable(repo.exactRef(name)).map(Ref::getObjectId);
    }
  }

  private static HttpResponse<String> get(GerritNode node, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path))
            .timeout(Duration.ofSeconds(60))
            .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                "admin:secret".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
            .GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Compiles the test-only plugin against the node's own Gerrit jars (never on this JVM's
   * classpath) into {@code out}, with its manifest, for {@link GerritCluster.Builder#plugin}.
   */
  private static Path compileInternalWritesPlugin(Path gerritLib, Path out) throws Exception {
    Path sources = Path.of(FenceBelowTheDoorsTest.class.getResource("/internal-writes-plugin").toURI());
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    String classpath;
    try (Stream<Path> jars = Files.list(gerritLib)) {
      classpath = jars.map(Path::toString).collect(Collectors.joining(File.pathSeparator));
    }
    List<String> files;
    try (Stream<Path> all = Files.walk(sources)) {
      files = all.filter(p -> p.toString().endsWith(".java")).map(Path::toString).toList();
    }
    Files.createDirectories(out.resolve("META-INF"));
    List<String> args = new java.util.ArrayList<>(List.of("-d", out.toString(), "-cp", classpath,
        "--release", "17", "-nowarn"));
    args.addAll(files);
    java.io.ByteArrayOutputStream errors = new java.io.ByteArrayOutputStream();
    int exit = javac.run(null, errors, errors, args.toArray(String[]::new));
    assertThat(exit).as("compiling the internal-writes plugin: " + errors).isZero();
    Files.copy(sources.resolve("MANIFEST.MF"), out.resolve("META-INF").resolve("MANIFEST.MF"),
        StandardCopyOption.REPLACE_EXISTING);
    return out;
  }
}
