package org.gerritproxy.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.server.SshServer;
import org.junit.jupiter.api.Test;

/** The server offers only algorithms that are still considered safe. */
class ModernAlgorithmsTest {
  final SshServer server = SshServer.setUpDefaultServer();

  @Test
  void sha1AndCbcAreDroppedAndTheModernOnesKept() {
    List<String> kex = names(SshFrontend.modern(server.getKeyExchangeFactories()));
    List<String> ciphers = names(SshFrontend.modern(server.getCipherFactories()));
    List<String> macs = names(SshFrontend.modern(server.getMacFactories()));
    List<String> signatures = names(SshFrontend.modern(server.getSignatureFactories()));

    assertThat(kex).contains("curve25519-sha256").noneMatch(n -> n.endsWith("sha1"));
    assertThat(ciphers).contains("chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com")
        .noneMatch(n -> n.contains("cbc"));
    assertThat(macs).contains("hmac-sha2-256-etm@openssh.com").noneMatch(n -> n.contains("sha1"));
    assertThat(signatures).contains("ssh-ed25519", "rsa-sha2-512", "ecdsa-sha2-nistp256")
        .doesNotContain("ssh-rsa", "ssh-dss");
  }

  @Test
  void aesIsOfferedAndChosenNotTheSlowChaCha20OfMina() {
    var client = org.apache.sshd.client.SshClient.setUpDefaultClient();
    List<String> offered = names(SshFrontend.ciphers(server.getCipherFactories()));
    List<String> towardNodes = names(SshFrontend.ciphers(client.getCipherFactories()));

    assertThat(offered).containsExactly("aes128-gcm@openssh.com", "aes256-gcm@openssh.com",
        "aes128-ctr", "aes192-ctr", "aes256-ctr");
    assertThat(towardNodes).startsWith("aes128-gcm@openssh.com").noneMatch(n -> n.startsWith("chacha20"))
        .noneMatch(n -> n.contains("cbc"));
  }

  private static List<String> names(List<? extends NamedResource> factories) {
    return factories.stream().map(NamedResource::getName).toList();
  }
}
