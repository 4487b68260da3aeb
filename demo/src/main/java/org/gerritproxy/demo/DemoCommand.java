package org.gerritproxy.demo;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.gerritproxy.core.ProxyProcess;
import org.gerritproxy.core.cli.RunCommand;
import org.gerritproxy.core.cluster.GerritAdmin;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.core.config.ConfigException;
import org.gerritproxy.core.config.ConfigLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code demo}: the embedded default. Two real Gerrit nodes sharing one git directory, a project
 * and a user, and the proxy in front of them on localhost; Ctrl-C stops all of it.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Runs two real local Gerrit nodes and the proxy in front of them.")
final class DemoCommand implements Callable<Integer> {
  static final String PROJECT = "demo";
  static final String USER = "demo";
  static final String PASSWORD = "demo-secret";
  static final String DEMO_KEY = "demo_id_ed25519";

  @Option(names = "--dir", paramLabel = "DIR",
      description = "Where the demo keeps its Gerrit sites and configuration"
          + " (default: demo-data/ in the gerrit-proxy directory). Reused across runs.")
  Path dir;

  @Option(names = "--http-port", defaultValue = "8080", description = "The proxy's HTTP port.")
  int httpPort;

  @Option(names = "--ssh-port", defaultValue = "29418",
      description = "The proxy's SSH port (kept free for the SSH frontend).")
  int sshPort;

  @Option(names = "--admin-port", defaultValue = "8090", description = "The admin port.")
  int adminPort;

  @Option(names = "--node-http-ports", split = ",", defaultValue = "18081,18082",
      description = "The Gerrit nodes' own HTTP ports.")
  int[] nodeHttpPorts;

  @Option(names = "--node-ssh-ports", split = ",", defaultValue = "29421,29422",
      description = "The Gerrit nodes' own SSH ports.")
  int[] nodeSshPorts;

  @Override
  public Integer call() throws Exception {
    Path base = (dir != null ? dir : home().resolve("demo-data")).toAbsolutePath().normalize();
    Files.createDirectories(base);
    String proxyUrl = "http://localhost:" + httpPort;
    System.out.println("Starting two Gerrit nodes in " + base + " (the first run initialises them:"
        + " about a minute)...");
    DemoCluster cluster = DemoCluster.start(GerritCluster.builder()
        .baseDir(base.resolve("gerrit"))
        .httpPorts(nodeHttpPorts)
        .sshPorts(nodeSshPorts)
        .canonicalWebUrl(URI.create(proxyUrl + "/")));
    ProxyProcess proxy;
    try {
      cluster.ensureProject(PROJECT);
      cluster.ensureUser(USER, PASSWORD, base.resolve(DEMO_KEY));
      cluster.trustPeerKey(base.resolve("etc/peer_key"));
      Path config = writeConfig(base, cluster.gerrit());
      var health = ConfigLoader.load(config).health();
      cluster.startHeartbeatAgents(health.path(), health.interval(), health.timeout());
      proxy = ProxyProcess.start(config);
    } catch (ConfigException | IOException | RuntimeException e) {
      cluster.close();
      if (e instanceof ConfigException ce) {
        ce.problems().forEach(System.err::println);
        return 1;
      }
      throw e;
    }
    printWelcome(proxyUrl, cluster.gerrit(), base);
    RunCommand.awaitTermination(proxy, cluster::close);
    return 0;
  }

  private Path writeConfig(Path base, GerritCluster cluster) throws IOException {
    StringBuilder c = new StringBuilder();
    c.append("# Written by 'gerrit-proxy demo'; rewritten at every start.\n")
        .append("[proxy]\n\tname = demo-proxy\n\tshutdownTimeout = 5s\n")
        .append("[httpd]\n\tlistenAddress = 127.0.0.1:").append(httpPort).append('\n')
        .append("[sshd]\n\tlistenAddress = 127.0.0.1:").append(sshPort).append('\n')
        .append("\tpeerKey = etc/peer_key\n")
        .append("[accounts]\n\tuser = ").append(GerritAdmin.ADMIN_USER).append('\n')
        .append("\tpassword = ").append(GerritAdmin.ADMIN_PASSWORD).append('\n')
        .append("[admin]\n\tlistenAddress = 127.0.0.1:").append(adminPort).append('\n');
    int priority = 100;
    for (GerritNode node : cluster.nodes()) {
      c.append("[node \"").append(node.name()).append("\"]\n")
          .append("\thttp = ").append(node.httpUrl()).append('\n')
          .append("\tssh = 127.0.0.1:").append(node.sshPort()).append('\n')
          .append("\tpriority = ").append(priority).append('\n');
      priority -= 10;
    }
    c.append("[routing]\n\twrites = master\n\treadYourWrites = 10s\n")
        .append("[election]\n\tmode = local\n")
        .append("[health]\n\tinterval = 1s\n\ttimeout = 2s\n")
        .append("[backdoor]\n\ttype = git\n\trepository = ")
        .append(cluster.gitDir().resolve("All-Projects.git")).append('\n');
    Path config = base.resolve("proxy.config");
    Files.writeString(config, c);
    return config;
  }

  private void printWelcome(String proxyUrl, GerritCluster cluster, Path base) {
    String hostPort = proxyUrl.substring("http://".length());
    System.out.println();
    System.out.println("gerrit-proxy demo is running: two Gerrit nodes behind the proxy, each with"
        + " a heartbeat agent writing to refs/meta/masters/* in the shared All-Projects.");
    for (GerritNode node : cluster.nodes()) {
      System.out.println("  " + node.name() + ": " + node.httpUrl() + " (site " + node.sitePath() + ")");
    }
    System.out.println();
    System.out.println("Try:");
    System.out.println("  git clone " + proxyUrl + "/" + PROJECT + " && cd " + PROJECT);
    System.out.println("  git config user.name Demo && git config user.email " + USER + "@example.com");
    System.out.println("  curl -sLo .git/hooks/commit-msg " + proxyUrl
        + "/tools/hooks/commit-msg && chmod +x .git/hooks/commit-msg");
    System.out.println("  git commit --allow-empty -m hello");
    System.out.println("  git push http://" + USER + ":" + PASSWORD + "@" + hostPort + "/a/" + PROJECT
        + " HEAD:refs/for/master    # a new change, written by the master only");
    String sshOptions = "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes"
        + " -i " + base.resolve(DEMO_KEY);
    System.out.println("  ssh -p " + sshPort + " " + sshOptions + " " + USER
        + "@localhost gerrit version    # over the proxy's SSH port");
    System.out.println("  GIT_SSH_COMMAND='ssh " + sshOptions + "' git clone ssh://" + USER
        + "@localhost:" + sshPort + "/" + PROJECT + " " + PROJECT + "-ssh");
    System.out.println("  curl -si " + proxyUrl + "/config/server/version   # see X-Gerrit-Proxy-Node");
    System.out.println("  the web UI: " + proxyUrl + "/");
    System.out.println("  the dashboard: http://localhost:" + adminPort + "/   (JSON: /health)");
    System.out.println();
    System.out.println("Watch a failover on the dashboard: kill -9 $(cat "
        + cluster.node(1).sitePath().resolve("logs/gerrit.pid") + ")");
    System.out.println("Press Ctrl-C to stop the proxy and both Gerrit nodes.");
  }

  static Path home() {
    String home = System.getProperty("gerrit-proxy.home");
    return home != null ? Path.of(home) : Path.of("").toAbsolutePath();
  }
}
