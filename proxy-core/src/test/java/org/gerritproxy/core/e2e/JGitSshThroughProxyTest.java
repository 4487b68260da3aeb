package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.List;
import org.eclipse.jgit.api.TransportConfigCallback;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.RemoteRefUpdate;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.sshd.ServerKeyDatabase;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * JGit's own SSH client (Apache MINA SSHD underneath, as in IDEs and build tools) clones and
 * pushes through the proxy's SSH port to a real cluster.
 */
@ExtendWith(GerritClusterExtension.class)
class JGitSshThroughProxyTest {
  @TempDir static Path dir;
  static ProxyFixture proxy;
  static SshdSessionFactory sshFactory;
  static String user;
  static String project;

  @BeforeAll
  static void startProxyWithAUserWhoMayPush(GerritCluster c) throws Exception {
    String suffix = Long.toString(System.nanoTime(), 36);
    user = "jgit-user-" + suffix;
    project = "jgit-project-" + suffix;
    Path key = SshCli.newUserWithKey(dir, c.node(1).admin(), user, "pw-" + suffix);
    SshCli.newProjectOpenForPushes(c.node(1).admin(), project);
    proxy = ProxyFixture.withSsh(dir, c, "");

    // A home and ~/.ssh of the test's own, so that the developer's keys and config play no part.
    File home = Files.createDirectories(dir.resolve("home")).toFile();
    sshFactory = new SshdSessionFactoryBuilder()
        .setHomeDirectory(home)
        .setSshDirectory(Files.createDirectories(dir.resolve("home/.ssh")).toFile())
        .setPreferredAuthentications("publickey")
        .setDefaultIdentities(sshDir -> List.of(key))
        .setServerKeyDatabase((h, s) -> new AnyHostKey())
        .build(null);
  }

  @AfterAll
  static void stop() {
    if (sshFactory != null) {
      sshFactory.close();
    }
    if (proxy != null) {
      proxy.close();
    }
  }

  /**
   * Twenty times in a row: JGit closes its session as soon as it has what it needs, sometimes
   * before the node's exit status; that is the client's doing and must never count against the
   * master (it once took the master out and the push after it found none).
   */
  @RepeatedTest(20)
  void cloneAndPushToABranch() throws Exception {
    Path work = Files.createTempDirectory(dir, "jgit");
    try (var git = org.eclipse.jgit.api.Git.cloneRepository()
        .setURI(sshUrl())
        .setDirectory(work.toFile())
        .setTransportConfigCallback(withOurSsh())
        .call()) {
      assertThat(git.getRepository().resolve("HEAD")).as("the clone has the initial commit")
          .isNotNull();
      PersonIdent me = new PersonIdent(user, user + "@example.com");
      RevCommit commit = git.commit().setAllowEmpty(true).setAuthor(me).setCommitter(me)
          .setMessage("pushed by JGit through the SSH proxy").call();

      Iterable<PushResult> results = git.push()
          .setRemote("origin")
          .setRefSpecs(new RefSpec("HEAD:refs/heads/master"))
          .setTransportConfigCallback(withOurSsh())
          .call();

      for (PushResult r : results) {
        assertThat(r.getRemoteUpdate("refs/heads/master").getStatus())
            .as(r.getMessages()).isEqualTo(RemoteRefUpdate.Status.OK);
      }
      var remote = org.eclipse.jgit.api.Git.lsRemoteRepository()
          .setRemote(sshUrl())
          .setHeads(true)
          .setTransportConfigCallback(withOurSsh())
          .callAsMap();
      assertThat(remote.get("refs/heads/master").getObjectId()).isEqualTo(commit.getId());
    }
  }

  private static TransportConfigCallback withOurSsh() {
    return t -> ((SshTransport) t).setSshSessionFactory(sshFactory);
  }

  private static String sshUrl() {
    return "ssh://" + user + "@127.0.0.1:" + proxy.process().sshAddress().getPort() + "/" + project;
  }

  /** Trusts any host key: the proxy's key is made for the test, so there is nothing to pin. */
  private static final class AnyHostKey implements ServerKeyDatabase {
    @Override
    public List<PublicKey> lookup(String connectAddress, InetSocketAddress remoteAddress,
        Configuration config) {
      return List.of();
    }

    @Override
    public boolean accept(String connectAddress, InetSocketAddress remoteAddress,
        PublicKey serverKey, Configuration config, CredentialsProvider provider) {
      return true;
    }
  }
}
