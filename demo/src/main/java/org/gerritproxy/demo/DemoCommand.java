package org.gerritproxy.demo;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.gerritproxy.core.ProxyProcess;
import org.gerritproxy.core.cli.RunCommand;
import org.gerritproxy.core.cluster.GerritAdmin;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.core.config.ConfigException;
import org.gerritproxy.core.config.ConfigLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

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

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Optional<String> taken = takenPort();
    if (taken.isPresent()) {
      spec.commandLine().getErr().println(taken.get());
      return 1;
    }
    Path base = (dir != null ? dir : home().resolve("demo-data")).toAbsolutePath().normalize();
    Files.createDirectories(base);
    String proxyUrl = "http://localhost:" + httpPort;
    System.out.println("Starting two Gerrit nodes in " + base + " (the first run initialises them:"
        + " about a minute)...");
    Optional<Path> fence = DemoCluster.fencePlugin();
    if (fence.isEmpty()) {
      System.out.println("No fence plugin (gerrit-fence/target/fence.jar): the nodes run without"
          + " the fence. Build it with mvn package to have it (docs/fence.md).");
    }
    DemoCluster cluster = DemoCluster.start(GerritCluster.builder()
        .baseDir(base.resolve("gerrit"))
        .httpPorts(nodeHttpPorts)
        .sshPorts(nodeSshPorts)
        .canonicalWebUrl(URI.create(proxyUrl + "/")), fence);
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

  /** One port the demo listens on (or a Gerrit node does), and the option that sets it. */
  private record DemoPort(String role, String option, int[] list, int index) {
    int port() {
      return list[index];
    }

    /** The option as it would be given with {@code port} in place of this one. */
    String optionWith(int port) {
      int[] ports = list.clone();
      ports[index] = port;
      return option + " " + Arrays.stream(ports).mapToObj(String::valueOf)
          .collect(Collectors.joining(","));
    }
  }

  /**
   * The first of the demo's ports that is taken on 127.0.0.1, as a sentence that names it and
   * says how to choose another; checked before anything starts, since a Gerrit node or listener
   * that cannot bind its port fails later, with a stack trace and half the demo started.
   */
  Optional<String> takenPort() {
    List<DemoPort> ports = new ArrayList<>(List.of(
        new DemoPort("the proxy's HTTP port", "--http-port", new int[] {httpPort}, 0),
        new DemoPort("the proxy's SSH port", "--ssh-port", new int[] {sshPort}, 0),
        new DemoPort("the proxy's admin port", "--admin-port", new int[] {adminPort}, 0)));
    for (int i = 0; i < nodeHttpPorts.length; i++) {
      ports.add(new DemoPort("gerrit-" + (i + 1) + "'s HTTP port", "--node-http-ports",
          nodeHttpPorts, i));
    }
    for (int i = 0; i < nodeSshPorts.length; i++) {
      ports.add(new DemoPort("gerrit-" + (i + 1) + "'s SSH port", "--node-ssh-ports",
          nodeSshPorts, i));
    }
    Set<Integer> wanted = new HashSet<>();
    ports.forEach(p -> wanted.add(p.port()));
    for (DemoPort p : ports) {
      // 0 lets the node pick a free port itself.
      if (p.port() != 0 && !isFree(p.port())) {
        return Optional.of("gerrit-proxy demo: port " + p.port() + " on 127.0.0.1 (" + p.role()
            + ") is taken, perhaps by another demo still running. Stop what holds it, or choose"
            + " another port: ./gerrit-proxy demo " + p.optionWith(freePortNear(p.port(), wanted))
            + " (see ./gerrit-proxy demo --help for every port).");
      }
    }
    return Optional.empty();
  }

  /** A free port a round step above {@code port}, else any free one: a suggestion that works now. */
  private static int freePortNear(int port, Set<Integer> avoid) {
    for (int candidate = port + 100; candidate <= Math.min(port + 2000, 65535); candidate += 100) {
      if (!avoid.contains(candidate) && isFree(candidate)) {
        return candidate;
      }
    }
    try (ServerSocket any = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return any.getLocalPort();
    } catch (IOException e) {
      return 0;
    }
  }

  private static boolean isFree(int port) {
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true); // a port left in TIME_WAIT can be listened on again
      probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
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
    if (DemoCluster.fencePlugin().isPresent()) {
      GerritNode other = cluster.node(2);
      System.out.println("  curl -s " + other.httpUrl().resolve("/plugins/fence/status")
          + "   # the fence: " + other.name() + " refuses writes sent to it directly");
    }
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
