package org.gerritproxy.core.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.gerritproxy.core.cluster.GerritAdmin;

/** The real OpenSSH {@code ssh} client, with a given key and no known_hosts, as a test user runs it. */
final class SshCli {
  /** What one ssh command did. */
  record Result(int exit, String out, String err) {}

  /** Options that make ssh use only {@code key} and trust whatever host key the proxy shows. */
  static List<String> options(Path key) {
    return List.of("-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
        "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", "-i", key.toString(),
        "-o", "IdentitiesOnly=yes");
  }

  /** {@code GIT_SSH_COMMAND} for git over SSH with {@code key}. */
  static String gitSshCommand(Path key) {
    return "ssh " + String.join(" ", options(key));
  }

  private SshCli() {}

  static Result run(int port, Path key, String user, String... command)
      throws IOException, InterruptedException {
    return run(List.of(), port, key, user, command);
  }

  /** With {@code extraOptions} (e.g. {@code -o Ciphers=…}) before the usual ones. */
  static Result run(List<String> extraOptions, int port, Path key, String user, String... command)
      throws IOException, InterruptedException {
    List<String> argv = new ArrayList<>(List.of("ssh", "-p", Integer.toString(port)));
    argv.addAll(extraOptions);
    argv.addAll(options(key));
    argv.add("-l");
    argv.add(user);
    argv.add("127.0.0.1");
    argv.addAll(List.of(command));
    Process p = new ProcessBuilder(argv).start();
    p.getOutputStream().close();
    CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
      try {
        return p.getErrorStream().readAllBytes();
      } catch (IOException e) {
        return new byte[0];
      }
    });
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("ssh " + String.join(" ", command) + " did not finish within 120 s");
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8),
        new String(err.join(), StandardCharsets.UTF_8));
  }

  /**
   * A new Gerrit user {@code name} (HTTP password {@code password}) whose SSH key, made with
   * ssh-keygen, is in Gerrit; returns the private key's path.
   */
  static Path newUserWithKey(Path dir, GerritAdmin admin, String name, String password)
      throws IOException, InterruptedException {
    Path key = newKey(dir, "id_" + name);
    admin.createUser(name, password, Files.readString(dir.resolve("id_" + name + ".pub")));
    return key;
  }

  /** A new project whose branches every registered user may push to directly. */
  static void newProjectOpenForPushes(GerritAdmin admin, String project) {
    admin.createProject(project);
    admin.post("projects/" + GerritAdmin.encode(project) + "/access", Map.of("add", Map.of(
        "refs/heads/*", Map.of("permissions", Map.of("push", Map.of("rules",
            Map.of("global:Registered-Users", Map.of("action", "ALLOW"))))))));
  }

  /** A new ed25519 key pair made with ssh-keygen; returns the private key's path. */
  static Path newKey(Path dir, String name) throws IOException, InterruptedException {
    Path key = dir.resolve(name);
    Process p = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name,
        "-f", key.toString()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new AssertionError("ssh-keygen failed: " + output);
    }
    return key;
  }
}
