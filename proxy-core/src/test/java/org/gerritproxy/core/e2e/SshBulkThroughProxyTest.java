package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritClusterExtension;
import org.gerritproxy.core.cluster.GerritNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Volume through the SSH frontend: a 100 MB repository pushed and cloned back intact (both
 * directions stream through SSH windows), and 20 clones at once.
 */
@ExtendWith(GerritClusterExtension.class)
class SshBulkThroughProxyTest {
  @TempDir static Path dir;
  static ProxyFixture proxy;
  static Path userKey;
  static String user;
  static String project;
  static GerritNode gerrit1;

  @BeforeAll
  static void start(GerritCluster cluster) throws Exception {
    String suffix = Long.toString(System.nanoTime(), 36);
    gerrit1 = cluster.node(1);
    user = "ssh-bulk-" + suffix;
    project = "ssh-bulk-" + suffix;
    userKey = SshCli.newUserWithKey(dir, cluster.node(1).admin(), user, "pw");
    SshCli.newProjectOpenForPushes(cluster.node(1).admin(), project);
    proxy = ProxyFixture.withSsh(dir, cluster, "");
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void aHundredMegabyteRepositoryIsPushedAndClonedBackIntact() throws Exception {
    Path work = Files.createTempDirectory(dir, "big");
    Git.run(work, env(), "clone", url(), "repo").assertOk("clone");
    Path repo = work.resolve("repo");
    Random random = new Random(42);
    byte[] chunk = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(repo.resolve("big.bin"))) {
      for (int i = 0; i < 100; i++) {
        random.nextBytes(chunk);
        out.write(chunk);
      }
    }
    Git.ok(repo, "add", "big.bin");
    Git.ok(repo, "-c", "user.email=" + user + "@example.com", "commit", "-q", "-m", "100 MB");
    String head = Git.ok(repo, "rev-parse", "HEAD").strip();
    long t0 = System.nanoTime();
    Git.run(repo, env(), "push", url(), "HEAD:refs/heads/master").assertOk("push 100 MB");
    long pushMs = (System.nanoTime() - t0) / 1_000_000;

    Path back = Files.createTempDirectory(dir, "big-back");
    long t1 = System.nanoTime();
    Git.run(back, env(), "clone", url(), "repo").assertOk("clone 100 MB");
    long cloneMs = (System.nanoTime() - t1) / 1_000_000;
    assertThat(Git.ok(back.resolve("repo"), "rev-parse", "HEAD").strip()).isEqualTo(head);
    assertThat(Files.size(back.resolve("repo/big.bin"))).isEqualTo(100L << 20);
    // For the figures in bench/ (not asserted: timings on a shared machine are too noisy).
    Path direct = Files.createTempDirectory(dir, "big-direct");
    long t2 = System.nanoTime();
    Git.run(direct, env(), "clone", "ssh://" + user + "@127.0.0.1:" + gerrit1.sshPort() + "/"
        + project, "repo").assertOk("clone 100 MB directly from gerrit-1");
    long directMs = (System.nanoTime() - t2) / 1_000_000;
    System.out.printf("100 MB over SSH: push through the proxy %d ms; clone through the proxy %d ms,"
        + " directly from gerrit-1 %d ms%n", pushMs, cloneMs, directMs);
  }

  @Test
  void twentyClonesAtOnceAllSucceed() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(20);
    try {
      List<Future<Git.Result>> clones = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        Path work = Files.createTempDirectory(dir, "many");
        clones.add(pool.submit(() -> Git.run(work, env(), "clone", "-q", url(), "repo")));
      }
      for (Future<Git.Result> clone : clones) {
        clone.get().assertOk("one of 20 concurrent clones");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static String url() {
    return "ssh://" + user + "@127.0.0.1:" + proxy.process().sshAddress().getPort() + "/" + project;
  }

  private static Map<String, String> env() {
    return Map.of("GIT_SSH_COMMAND", SshCli.gitSshCommand(userKey));
  }
}
