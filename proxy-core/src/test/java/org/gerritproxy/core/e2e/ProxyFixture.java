package org.gerritproxy.core.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.gerritproxy.core.ProxyProcess;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.ssh.KeyFiles;

/**
 * A gerrit-proxy started in the test JVM, from a real configuration file written for a cluster
 * of real Gerrit nodes; the file can be rewritten and reloaded as an operator would.
 */
final class ProxyFixture implements AutoCloseable {
  private final Path configFile;
  private final ProxyProcess proxy;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private ProxyFixture(Path configFile, ProxyProcess proxy) {
    this.configFile = configFile;
    this.proxy = proxy;
  }

  /** A proxy for {@code nodes} with the given {@code [election]} (and other) sections. */
  static ProxyFixture start(Path dir, List<GerritNode> nodes, String extraSections) throws Exception {
    Path config = dir.resolve("proxy.config");
    Files.writeString(config, configText(nodes, extraSections));
    return new ProxyFixture(config, ProxyProcess.start(config));
  }

  /**
   * A proxy with static master gerrit-1 and its SSH frontend ready: every node trusts its peer
   * key, and {@code [accounts]} lets it read users' keys from Gerrit.
   *
   * @param sshdKeys more {@code [sshd]} keys, each as {@code "\tkey = value\n"}
   */
  static ProxyFixture withSsh(Path dir, GerritCluster cluster, String sshdKeys) throws Exception {
    return withSsh(dir, cluster, sshdKeys, "");
  }

  /** The same, with more sections after those, e.g. {@code [routing]}. */
  static ProxyFixture withSsh(Path dir, GerritCluster cluster, String sshdKeys,
      String extraSections) throws Exception {
    KeyPair peer = KeyFiles.loadOrCreate(dir.resolve("peer_key"));
    for (GerritNode node : cluster.nodes()) {
      node.trustPeerKey(KeyFiles.publicBase64(peer));
    }
    ProxyFixture proxy = start(dir, cluster.nodes(), sshSections(dir, sshdKeys) + extraSections);
    proxy.awaitMaster("gerrit-1");
    return proxy;
  }

  /**
   * The sections {@link #withSsh} writes (static master gerrit-1, {@code [accounts]}, {@code
   * [sshd]}), for a {@link #reconfigure} that keeps them.
   */
  static String sshSections(Path dir, String sshdKeys) {
    return staticMaster("gerrit-1")
        + "[accounts]\n\tuser = admin\n\tpassword = secret\n"
        + "[sshd]\n\tpeerKey = " + dir.resolve("peer_key") + "\n\thostKey = "
        + dir.resolve("ssh_host_key") + "\n" + sshdKeys;
  }

  static ProxyFixture withStaticMaster(Path dir, GerritCluster cluster, String master) throws Exception {
    return start(dir, cluster.nodes(), staticMaster(master));
  }

  static String staticMaster(String master) {
    return "[election]\n\tmode = static\n\tmaster = " + master + "\n";
  }

  static String configText(List<GerritNode> nodes, String extraSections) {
    StringBuilder c = new StringBuilder()
        .append("[proxy]\n\tname = test-proxy\n\tshutdownTimeout = 5s\n")
        .append("[httpd]\n\tlistenAddress = 127.0.0.1:0\n")
        .append("[sshd]\n\tlistenAddress = 127.0.0.1:0\n")
        .append("[admin]\n\tlistenAddress = 127.0.0.1:0\n")
        .append("[health]\n\tinterval = 300ms\n\ttimeout = 2s\n\tfall = 2\n\trise = 1\n");
    int priority = 100;
    for (GerritNode node : nodes) {
      c.append("[node \"").append(node.name()).append("\"]\n")
          .append("\thttp = ").append(node.httpUrl()).append('\n')
          .append("\tssh = 127.0.0.1:").append(node.sshPort()).append('\n')
          .append("\tpriority = ").append(priority).append('\n');
      priority -= 10;
    }
    return c.append(extraSections).toString();
  }

  /** Rewrites the configuration file and reloads it, as an operator would. */
  void reconfigure(List<GerritNode> nodes, String extraSections) throws IOException {
    Files.writeString(configFile, configText(nodes, extraSections));
    if (!proxy.reload()) {
      throw new AssertionError("reload refused: " + proxy.cluster().snapshot());
    }
  }

  ProxyProcess process() {
    return proxy;
  }

  /** The proxy's base URL, e.g. {@code http://127.0.0.1:PORT}. */
  String url() {
    return "http://127.0.0.1:" + proxy.httpAddress().getPort();
  }

  /** The proxy's URL with credentials in it, for git: {@code http://user:pw@127.0.0.1:PORT}. */
  String url(String user, String password) {
    return "http://" + user + ":" + password + "@127.0.0.1:" + proxy.httpAddress().getPort();
  }

  String adminUrl() {
    return "http://127.0.0.1:" + proxy.adminAddress().getPort();
  }

  /** Waits (bounded) until the proxy has a write master and has probed every node. */
  void awaitMaster(String node) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!proxy.cluster().snapshot().master().is(node)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the proxy did not elect " + node + " within 20 s: "
            + proxy.cluster().snapshot().master());
      }
      Thread.sleep(50);
    }
  }

  HttpResponse<String> get(String path, String user, String password) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(url() + path)).GET(), user, password);
  }

  HttpResponse<String> send(HttpRequest.Builder request, String user, String password)
      throws Exception {
    if (user != null) {
      request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
          (user + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }
    return http.send(request.timeout(Duration.ofSeconds(60)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() {
    proxy.close();
  }
}
