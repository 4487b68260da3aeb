package org.gerritproxy.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Host and peer key files: generated when missing, readable by OpenSSH, and reused as they are. */
class KeyFilesTest {
  @TempDir Path dir;

  @Test
  void aMissingKeyIsGeneratedPrivateAndReusedNextTime() throws Exception {
    Path file = dir.resolve("etc/ssh_host_ed25519_key");
    KeyPair first = KeyFiles.loadOrCreate(file);
    KeyPair again = KeyFiles.loadOrCreate(file);
    assertThat(KeyUtils.compareKeys(first.getPublic(), again.getPublic())).isTrue();
    assertThat(first.getPublic().getAlgorithm()).containsIgnoringCase("ed");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(Files.readString(dir.resolve("etc/ssh_host_ed25519_key.pub")))
        .startsWith(KeyFiles.publicLine(first));
  }

  @Test
  void theFileNameChoosesTheKeyType() throws Exception {
    assertThat(KeyFiles.loadOrCreate(dir.resolve("ssh_host_rsa_key")).getPublic().getAlgorithm())
        .isEqualTo("RSA");
    assertThat(KeyFiles.loadOrCreate(dir.resolve("ssh_host_ecdsa_key")).getPublic().getAlgorithm())
        .isEqualTo("EC");
  }

  @Test
  void aGeneratedKeyIsReadByOpenSsh() throws Exception {
    Path file = dir.resolve("peer_key");
    KeyPair pair = KeyFiles.loadOrCreate(file);
    Process p = new ProcessBuilder("ssh-keygen", "-y", "-f", file.toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    assertThat(out.strip()).startsWith(KeyFiles.publicLine(pair));
  }

  @Test
  void aKeyMadeByOpenSshIsRead() throws Exception {
    Path file = dir.resolve("gerrit_host_key");
    Process p = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
        file.toString()).redirectErrorStream(true).start();
    assertThat(p.waitFor()).isZero();
    KeyPair pair = KeyFiles.load(file);
    assertThat(Files.readString(dir.resolve("gerrit_host_key.pub")))
        .startsWith(KeyFiles.publicLine(pair));
  }

  @Test
  void theBase64PartIsWhatGerritsPeerKeysWants() throws Exception {
    KeyPair pair = KeyFiles.loadOrCreate(dir.resolve("peer_key"));
    assertThat(KeyFiles.publicBase64(pair)).startsWith("AAAA").doesNotContain(" ");
  }

  @Test
  void aFileThatHoldsNoKeySaysWhatToDo() throws Exception {
    Path file = dir.resolve("garbage");
    Files.writeString(file, "not a key\n");
    assertThatThrownBy(() -> KeyFiles.load(file)).isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString());
  }
}
