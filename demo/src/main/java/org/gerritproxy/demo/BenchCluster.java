package org.gerritproxy.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.gerritproxy.core.cluster.GerritAdmin;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritNode;

/**
 * The Gerrit side of {@code bench/run}: two real nodes sharing one git directory, a user with an
 * SSH key, the named projects (empty; the user may push to them), the proxy's peer key trusted by every
 * node, and a heartbeat agent per node on the git backdoor. It writes what the script needs to
 * know as shell assignments, then serves until it is sent SIGTERM.
 *
 * <pre>java -Dgerrit.lib=… [-Dfence.plugin=fence.jar] -cp gerrit-proxy.jar:gerrit-cluster.jar:gerrit-proxy-demo.jar \
 *     org.gerritproxy.demo.BenchCluster [--fence] DIR ENV-FILE PROJECT…</pre>
 *
 * <p>With {@code --fence}, every node runs the fence (docs/fence.md: the plugin and its library
 * module, from {@code -Dfence.plugin}); without, none does, also in sites an earlier run with the
 * fence left behind. The bench's "fence" section restarts it both ways.
 */
public final class BenchCluster {
  static final String USER = "bench";
  static final String PASSWORD = "bench-secret";

  private BenchCluster() {}

  public static void main(String[] args) throws Exception {
    boolean fence = args.length > 0 && args[0].equals("--fence");
    if (fence) {
      args = List.of(args).subList(1, args.length).toArray(String[]::new);
    }
    if (args.length < 2) {
      System.err.println("usage: BenchCluster [--fence] DIR ENV-FILE PROJECT...");
      System.exit(2);
    }
    Optional<Path> fencePlugin = Optional.empty();
    if (fence) {
      fencePlugin = DemoCluster.fencePlugin();
      if (fencePlugin.isEmpty()) {
        System.err.println("--fence needs -Dfence.plugin=…/gerrit-fence/target/fence.jar, built"
            + " (mvn -pl gerrit-fence -am package); it is " + System.getProperty("fence.plugin"));
        System.exit(2);
      }
    }
    Path dir = Path.of(args[0]).toAbsolutePath().normalize();
    Path envFile = Path.of(args[1]).toAbsolutePath();
    Files.createDirectories(dir);
    GerritCluster.Builder builder = GerritCluster.builder();
    // -Dbench.nodePorts=HTTP1,SSH1,HTTP2,SSH2: the same ports at every start, so that a proxy
    // left running finds the nodes again after a restart (the bench's "fence" section).
    String ports = System.getProperty("bench.nodePorts", "");
    if (!ports.isBlank()) {
      int[] p = java.util.Arrays.stream(ports.split(",")).map(String::strip)
          .mapToInt(Integer::parseInt).toArray();
      builder.httpPorts(p[0], p[2]).sshPorts(p[1], p[3]);
    }
    DemoCluster cluster = DemoCluster.start(builder
        .baseDir(dir.resolve("gerrit"))
        // A machine busy with other builds can take minutes to start Gerrit.
        .startTimeout(Duration.ofMinutes(6)), fencePlugin);
    try {
      prepare(dir, cluster, List.of(args).subList(2, args.length));
      cluster.startHeartbeatAgents("/config/server/version", Duration.ofMillis(200),
          Duration.ofSeconds(1));
      writeEnv(envFile, dir, cluster.gerrit(), cluster.sharedAllProjects());
    } catch (Exception e) {
      cluster.close();
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      cluster.close();
      stopped.countDown();
    }, "bench-cluster-stop"));
    System.out.println("bench cluster ready");
    stopped.await();
  }

  /** The demo's setup, plus push rights on the bench's projects' branches. */
  private static void prepare(Path dir, DemoCluster cluster, List<String> projects)
      throws IOException {
    cluster.ensureUser(USER, PASSWORD, dir.resolve("id_bench"));
    for (String project : projects) {
      if (cluster.ensureProject(project)) {
        cluster.admin().post("projects/" + GerritAdmin.encode(project) + "/access", Map.of("add", Map.of(
            "refs/heads/*", Map.of("permissions", Map.of("push", Map.of("rules",
                Map.of("global:Registered-Users", Map.of("action", "ALLOW"))))))));
      }
    }
    cluster.trustPeerKey(dir.resolve("peer_key"));
    cluster.gerrit().flushCaches("sshkeys", "project_list");
  }

  private static void writeEnv(Path envFile, Path dir, GerritCluster cluster, Path shared)
      throws IOException {
    StringBuilder env = new StringBuilder();
    for (GerritNode node : cluster.nodes()) {
      String n = node.name().replace("gerrit-", "");
      env.append("NODE").append(n).append("_NAME=").append(node.name()).append('\n')
          .append("NODE").append(n).append("_HTTP=").append(node.httpPort()).append('\n')
          .append("NODE").append(n).append("_SSH=").append(node.sshPort()).append('\n')
          .append("NODE").append(n).append("_SITE=").append(node.sitePath()).append('\n');
    }
    env.append("BENCH_USER=").append(USER).append('\n')
        .append("BENCH_PASSWORD=").append(PASSWORD).append('\n')
        .append("BENCH_KEY=").append(dir.resolve("id_bench")).append('\n')
        .append("PEER_KEY=").append(dir.resolve("peer_key")).append('\n')
        .append("SHARED_ALL_PROJECTS=").append(shared).append('\n');
    Files.writeString(envFile, env);
  }
}
