package org.gerritproxy.ssh;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.FileKeyPairProvider;
import org.apache.sshd.common.keyprovider.KeyPairProvider;

/**
 * Reads and creates the OpenSSH private key files the frontend uses (host keys, the peer key), so
 * that Gerrit's own {@code etc/ssh_host_*_key} files can be used as they are.
 */
public final class KeyFiles {

  private KeyFiles() {}

  /**
   * The key pair in {@code file}, created first when the file is missing: ed25519 unless the file
   * name says {@code rsa} or {@code ecdsa}. A created key gets a {@code .pub} file beside it.
   */
  public static KeyPair loadOrCreate(Path file) throws IOException {
    if (!Files.exists(file)) {
      create(file);
    }
    return load(file);
  }

  public static KeyPair load(Path file) throws IOException {
    List<KeyPair> keys = new ArrayList<>();
    try {
      new FileKeyPairProvider(file).loadKeys(null).forEach(keys::add);
    } catch (RuntimeException e) {
      throw new IOException("cannot read the SSH key " + file + ": " + e.getMessage()
          + ". Use an unencrypted OpenSSH or PEM private key.", e);
    }
    if (keys.isEmpty()) {
      throw new IOException("the file " + file + " holds no SSH private key. Use an unencrypted"
          + " OpenSSH or PEM private key, or delete the file to have one generated.");
    }
    return keys.get(0);
  }

  /** {@code ssh-ed25519 AAAA…}: the public half as an authorized_keys line, without comment. */
  public static String publicLine(KeyPair pair) {
    return PublicKeyEntry.toString(pair.getPublic());
  }

  /** The base64 part only, as Gerrit's {@code etc/peer_keys} wants it. */
  public static String publicBase64(KeyPair pair) {
    String line = publicLine(pair);
    return line.substring(line.indexOf(' ') + 1).strip();
  }

  private static void create(Path file) throws IOException {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    KeyPair pair;
    try {
      if (name.contains("rsa")) {
        pair = KeyUtils.generateKeyPair(KeyPairProvider.SSH_RSA, 3072);
      } else if (name.contains("ecdsa")) {
        pair = KeyUtils.generateKeyPair(KeyPairProvider.ECDSA_SHA2_NISTP256, 256);
      } else {
        pair = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
      }
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot generate an SSH key for " + file + ": " + e.getMessage(), e);
    }
    Path dir = file.toAbsolutePath().getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    Path tmp = Files.createTempFile(dir, ".key", ".tmp");
    try {
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // Not a POSIX file system: the directory's permissions have to protect the key.
      }
      try (OutputStream out = Files.newOutputStream(tmp)) {
        OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(pair, "gerrit-proxy", null, out);
      } catch (GeneralSecurityException e) {
        throw new IOException("cannot write the SSH key " + file + ": " + e.getMessage(), e);
      }
      Files.move(tmp, file);
    } finally {
      Files.deleteIfExists(tmp);
    }
    Files.writeString(file.resolveSibling(file.getFileName() + ".pub"),
        publicLine(pair) + " gerrit-proxy\n");
  }
}
