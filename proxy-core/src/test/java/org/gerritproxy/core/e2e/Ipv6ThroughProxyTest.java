package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.gerritproxy.core.ProxyProcess;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritClusterExtension;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.core.cluster.LogMark;
import org.gerritproxy.ssh.KeyFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * IPv6 end to end: the proxy listens on [::1] for HTTP and SSH, and its nodes are named by [::1]
 * addresses ({@code http://[::1]:PORT}, {@code [::1]:PORT}). The shared Gerrit nodes listen on
 * 127.0.0.1, so each is reached through a plain TCP relay on [::1]; the proxy speaks IPv6 on
 * every hop it owns. Real git clones over HTTP and SSH, checked in the nodes' own logs.
 */
@ExtendWith(GerritClusterExtension.class)
class Ipv6ThroughProxyTest {
  static final InetAddress V6 = v6Loopback();

  @TempDir static Path dir;
  static GerritCluster cluster;
  static ProxyProcess proxy;
  static final List<ProxyProtocolBalancer> relays = new ArrayList<>();
  static Path userKey;
  static String user;
  static String project;

  @BeforeAll
  static void startProxyOnIpv6(GerritCluster c) throws Exception {
    cluster = c;
    String suffix = Long.toString(System.nanoTime(), 36);
    user = "v6-user-" + suffix;
    project = "v6-project-" + suffix;
    userKey = SshCli.newUserWithKey(dir, c.node(1).admin(), user, "pw-" + suffix);
    SshCli.newProjectOpenForPushes(c.node(1).admin(), project);
    KeyPair peer = KeyFiles.loadOrCreate(dir.resolve("peer_key"));
    StringBuilder config = new StringBuilder()
        .append("[proxy]\n\tname = v6-proxy\n\tshutdownTimeout = 5s\n")
        .append("[httpd]\n\tlistenAddress = [::1]:0\n")
        .append("[sshd]\n\tlistenAddress = [::1]:0\n\tpeerKey = ").append(dir.resolve("peer_key"))
        .append("\n\thostKey = ").append(dir.resolve("ssh_host_key")).append('\n')
        .append("[admin]\n\tlistenAddress = [::1]:0\n")
        .append("[accounts]\n\tuser = admin\n\tpassword = secret\n")
        .append("[election]\n\tmode = static\n\tmaster = gerrit-1\n")
        .append("[health]\n\tinterval = 300ms\n\ttimeout = 2s\n\tfall = 2\n\trise = 1\n");
    for (GerritNode node : c.nodes()) {
      node.trustPeerKey(KeyFiles.publicBase64(peer));
      ProxyProtocolBalancer http = relay(new InetSocketAddress("127.0.0.1", node.httpPort()));
      ProxyProtocolBalancer ssh = relay(new InetSocketAddress("127.0.0.1", node.sshPort()));
      config.append("[node \"").append(node.name()).append("\"]\n")
          .append("\thttp = http://[::1]:").append(http.port()).append('\n')
          .append("\tssh = [::1]:").append(ssh.port()).append('\n');
    }
    Path file = dir.resolve("proxy.config");
    Files.writeString(file, config);
    proxy = ProxyProcess.start(file);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!proxy.cluster().snapshot().master().is("gerrit-1")) {
      assertThat(System.nanoTime()).as("a master over IPv6").isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  /** A plain relay (no PROXY header) accepting on [::1]. */
  private static ProxyProtocolBalancer relay(InetSocketAddress to) throws Exception {
    ProxyProtocolBalancer r = new ProxyProtocolBalancer(V6, to, InetAddress.getByName("127.0.0.1"));
    relays.add(r);
    return r;
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
    relays.forEach(ProxyProtocolBalancer::close);
  }

  @Test
  void theListenersAreOnIpv6() {
    assertThat(proxy.httpAddress().getAddress()).isEqualTo(V6);
    assertThat(proxy.sshAddress().getAddress()).isEqualTo(V6);
  }

  @Test
  void aCloneOverHttpThroughIpv6() throws Exception {
    LogMark m1 = cluster.node(1).httpdLog().mark();
    LogMark m2 = cluster.node(2).httpdLog().mark();
    Path work = Files.createTempDirectory(dir, "http");
    Git.run(work, "clone", "http://admin:secret@[::1]:" + proxy.httpAddress().getPort() + "/a/"
        + project, "repo").assertOk("clone over HTTP through [::1]");
    assertThat(Git.ok(work.resolve("repo"), "rev-parse", "HEAD").strip()).hasSize(40);
    awaitIn(() -> cluster.node(1).httpdLog().since(m1).stream()
        .anyMatch(e -> e.resource().contains(project + "/git-upload-pack"))
        || cluster.node(2).httpdLog().since(m2).stream()
        .anyMatch(e -> e.resource().contains(project + "/git-upload-pack")));
  }

  @Test
  void aCloneOverSshThroughIpv6WithTheIpv6ClientAsFrom() throws Exception {
    LogMark m1 = cluster.node(1).sshdLog().mark();
    LogMark m2 = cluster.node(2).sshdLog().mark();
    Path work = Files.createTempDirectory(dir, "ssh");
    Git.run(work, Map.of("GIT_SSH_COMMAND", SshCli.gitSshCommand(userKey)), "clone",
        "ssh://" + user + "@[::1]:" + proxy.sshAddress().getPort() + "/" + project, "repo")
        .assertOk("clone over SSH through [::1]");
    assertThat(Git.ok(work.resolve("repo"), "rev-parse", "HEAD").strip()).hasSize(40);
    awaitIn(() -> cluster.node(1).sshdLog().since(m1).stream().anyMatch(this::uploadPackFromV6)
        || cluster.node(2).sshdLog().since(m2).stream().anyMatch(this::uploadPackFromV6));
  }

  private boolean uploadPackFromV6(org.gerritproxy.core.cluster.SshdLogEntry e) {
    return e.actsFor(user) && e.message().contains("git-upload-pack")
        && e.message().contains("--from.[0:0:0:0:0:0:0:1]:");
  }

  private static void awaitIn(java.util.function.BooleanSupplier seen) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!seen.getAsBoolean()) {
      assertThat(System.nanoTime()).as("the request in a node's own log").isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  private static InetAddress v6Loopback() {
    try {
      return InetAddress.getByName("::1");
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
