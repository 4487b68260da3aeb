package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.gerritproxy.core.cluster.GerritAdmin;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritClusterExtension;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.ssh.KeyFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A node that dies in the middle of a command gives the client a non-zero exit, never 0. */
@ExtendWith(GerritClusterExtension.class)
class SshNodeFailureTest {
  @TempDir Path dir;

  @Test
  void aNodeDyingMidCommandGivesANonZeroExitAndSaysSo(GerritCluster cluster) throws Exception {
    String user = "ssh-dies-" + Long.toString(System.nanoTime(), 36);
    Path key = SshCli.newKey(dir, "id_" + user);
    GerritAdmin admin = cluster.node(1).admin();
    admin.createUser(user, "pw", Files.readString(dir.resolve("id_" + user + ".pub")));
    admin.put("groups/Administrators/members/" + GerritAdmin.encode(user), null);
    Path peerKeyFile = dir.resolve("peer_key");
    KeyPair peer = KeyFiles.loadOrCreate(peerKeyFile);
    for (GerritNode node : cluster.nodes()) {
      node.trustPeerKey(KeyFiles.publicBase64(peer));
    }
    try (ProxyFixture proxy = ProxyFixture.start(dir, cluster.nodes(),
        ProxyFixture.staticMaster("gerrit-1") + "[accounts]\n\tuser = admin\n\tpassword = secret\n"
            + "[sshd]\n\tpeerKey = " + peerKeyFile + "\n\thostKey = " + dir.resolve("hk") + "\n")) {
      proxy.awaitMaster("gerrit-1");
      List<String> argv = new ArrayList<>(List.of("ssh", "-p",
          Integer.toString(proxy.process().sshAddress().getPort())));
      argv.addAll(SshCli.options(key));
      argv.addAll(List.of("-l", user, "127.0.0.1", "gerrit", "stream-events"));
      Process stream = new ProcessBuilder(argv).start();
      CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> {
        try {
          return new String(stream.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
          return "";
        }
      });
      try {
        Thread.sleep(2000);
        assertThat(stream.isAlive()).as("stream-events runs until something ends it").isTrue();
        cluster.node(1).kill();
        assertThat(stream.waitFor(20, TimeUnit.SECONDS)).as("the client is told at once").isTrue();
        assertThat(stream.exitValue()).isNotZero();
        assertThat(stderr.get(5, TimeUnit.SECONDS))
            .contains("gerrit-1 closed the connection before the command finished");
      } finally {
        stream.destroyForcibly();
        cluster.node(1).start();
      }
    }
  }
}
