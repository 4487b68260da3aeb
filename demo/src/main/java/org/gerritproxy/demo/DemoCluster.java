package org.gerritproxy.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.gerritproxy.core.backdoor.GitBackdoor;
import org.gerritproxy.core.backdoor.HeartbeatAgent;
import org.gerritproxy.core.cluster.GerritAdmin;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.core.cluster.GerritRestException;
import org.gerritproxy.routing.AdminState;
import org.gerritproxy.routing.Endpoint;
import org.gerritproxy.routing.Node;
import org.gerritproxy.ssh.KeyFiles;

/**
 * Two real Gerrit nodes sharing one git directory, prepared for the proxy to run in front of:
 * a user with an HTTP password and an SSH key, projects, the proxy's peer key trusted by every
 * node, and a heartbeat agent per node on the git backdoor. The one setup of
 * {@code gerrit-proxy demo} and of bench/run's {@link BenchCluster}; each step may find its work
 * done by an earlier run, since both keep their sites between runs.
 */
final class DemoCluster implements AutoCloseable {
  private final GerritCluster gerrit;
  // Agents and their backdoors, closed in this order.
  private final List<AutoCloseable> agents = new ArrayList<>();

  private DemoCluster(GerritCluster gerrit) {
    this.gerrit = gerrit;
  }

  /** Starts the nodes {@code builder} describes, reusing the sites an earlier run left. */
  static DemoCluster start(GerritCluster.Builder builder) {
    return start(builder, Optional.empty());
  }

  /**
   * The same, with the fence (gerrit-fence, docs/fence.md) in every node: fence.jar in {@code
   * plugins/} and on Gerrit's classpath, where its library module makes the repositories refuse
   * the ref updates Gerrit starts by itself; both read the write master record the proxy
   * publishes in the shared All-Projects.
   *
   * @param fencePlugin fence.jar, or the plugin's compiled classes
   */
  static DemoCluster start(GerritCluster.Builder builder, Optional<Path> fencePlugin) {
    if (fencePlugin.isEmpty()) {
      // Reused sites may hold the fence of an earlier run: without its jar, the library module
      // named in gerrit.config would keep Gerrit from starting.
      builder.withoutPlugin("fence").nodeSettings((node, config) -> {
        config.unset("gerrit", null, "installDbModule");
        config.unsetSection("plugin", "fence");
      });
    }
    fencePlugin.ifPresent(plugin -> {
      Path record = builder.sharedGitDir().resolve("All-Projects.git");
      builder.plugin(plugin).library(plugin).nodeSettings((node, config) -> {
        config.setString("gerrit", null, "installDbModule", "org.gerritproxy.fence.FenceGitModule");
        config.setString("plugin", "fence", "node", node);
        config.setString("plugin", "fence", "repository", record.toString());
      });
    });
    return new DemoCluster(builder.reuseSites(true).start());
  }

  /**
   * fence.jar as the launcher names it ({@code -Dfence.plugin}), if it is there; the demo runs
   * without the fence otherwise.
   */
  static Optional<Path> fencePlugin() {
    String property = System.getProperty("fence.plugin");
    if (property == null || property.isBlank()) {
      return Optional.empty();
    }
    Path plugin = Path.of(property);
    return Files.exists(plugin) ? Optional.of(plugin) : Optional.empty();
  }

  GerritCluster gerrit() {
    return gerrit;
  }

  /**
   * The administrator on a node that takes writes: the first whose fence does not refuse them.
   * A run after a failover finds the record naming gerrit-2 until the proxy, started after this
   * setup, publishes its own election.
   */
  GerritAdmin admin() {
    for (GerritNode node : gerrit.nodes()) {
      if (!fenced(node)) {
        return node.admin();
      }
    }
    return gerrit.node(1).admin();
  }

  private static boolean fenced(GerritNode node) {
    try {
      java.net.http.HttpResponse<String> status = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(node.httpUrl().resolve("/plugins/fence/status"))
              .timeout(Duration.ofSeconds(10)).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      return status.statusCode() == 200 && status.body().contains("\"fenced\":true");
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The All-Projects repository that the nodes share: the git backdoor's heartbeat refs live there. */
  Path sharedAllProjects() {
    return gerrit.gitDir().resolve("All-Projects.git");
  }

  /** Creates the project unless it exists; true when it was created now. */
  boolean ensureProject(String name) {
    if (admin().projectExists(name)) {
      return false;
    }
    admin().createProject(name);
    return true;
  }

  /**
   * The user with that HTTP password and the SSH key in {@code keyFile} (generated when missing).
   * A user an earlier run created is kept; a key generated now is added to it.
   */
  void ensureUser(String user, String password, Path keyFile) throws IOException {
    boolean newKey = !Files.exists(keyFile);
    String publicKey = KeyFiles.publicLine(KeyFiles.loadOrCreate(keyFile)) + " " + user;
    // Asked first, so that a rerun writes nothing it need not: with the fence, every node may
    // refuse writes until the proxy, started after this setup, publishes its election.
    if (!newKey && admin().exists("/accounts/" + GerritAdmin.encode(user))) {
      return;
    }
    try {
      admin().createUser(user, password, publicKey);
    } catch (GerritRestException e) {
      if (e.status() != 409) {
        throw e;
      }
      if (newKey) {
        admin().addSshKey(user, publicKey);
      }
    }
  }

  /** The proxy's peer key in {@code keyFile} (generated when missing), trusted by every node. */
  void trustPeerKey(Path keyFile) throws IOException {
    KeyPair peer = KeyFiles.loadOrCreate(keyFile);
    for (GerritNode node : gerrit.nodes()) {
      node.trustPeerKey(KeyFiles.publicBase64(peer));
    }
  }

  /**
   * One heartbeat agent per node, as {@code gerrit-proxy heartbeat} would run on each node's
   * host; here in this process, each checking its own node over loopback and writing to the git
   * backdoor on the nodes' shared All-Projects. A node killed with {@code kill -9} then reads as
   * DOWN (its agent reports it unhealthy) rather than only unreachable.
   */
  void startHeartbeatAgents(String path, Duration interval, Duration timeout) throws IOException {
    for (GerritNode node : gerrit.nodes()) {
      GitBackdoor door = new GitBackdoor(sharedAllProjects());
      HeartbeatAgent agent = new HeartbeatAgent(
          new Node(node.name(), node.httpUrl(), new Endpoint("127.0.0.1", node.sshPort()), 1, 1,
              AdminState.ACTIVE),
          path, interval, timeout, door);
      agent.start();
      agents.add(agent);
      agents.add(door);
    }
  }

  /** Stops the agents, then the nodes. */
  @Override
  public void close() {
    for (AutoCloseable c : agents) {
      try {
        c.close();
      } catch (Exception e) {
        System.err.println("stopping " + c + " failed: " + e.getMessage());
      }
    }
    agents.clear();
    gerrit.close();
  }
}
