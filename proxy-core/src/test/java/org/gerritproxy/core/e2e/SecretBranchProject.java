package org.gerritproxy.core.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.gerritproxy.core.cluster.GerritAdmin;
import org.gerritproxy.core.cluster.GerritNode;

/**
 * The pack cache tests' project on one node: Alice may read {@code refs/heads/secret} (an exclusive
 * read grant to her group), Bob may not; {@code master} holds a README everyone sees, and {@code
 * big} a 12 MB pack that clients can be cut in the middle of.
 *
 * @param name the project
 * @param masterId {@code master}'s commit
 * @param secretId {@code secret}'s commit
 * @param bigId {@code big}'s commit
 */
record SecretBranchProject(String name, String alice, String bob, String masterId,
    String secretId, String bigId) {

  /** Registers a user in Gerrit, however the test's clients log in. */
  interface Users {
    void create(GerritAdmin admin, String name, String password) throws Exception;
  }

  static final int BIG_SIZE = 12 * 1024 * 1024;

  /** A new project named {@code prefix} and a suffix, with new users Alice and Bob. */
  static SecretBranchProject create(GerritNode node, Path dir, String prefix, Users users)
      throws Exception {
    String suffix = Long.toString(System.nanoTime(), 36);
    String project = prefix + suffix;
    String alice = "alice-" + suffix;
    String bob = "bob-" + suffix;
    GerritAdmin admin = node.admin();
    admin.createProject(project);
    users.create(admin, alice, "pw-" + alice);
    users.create(admin, bob, "pw-" + bob);
    String group = "secret-readers-" + suffix;
    JsonNode created = admin.put("groups/" + group, Map.of());
    admin.put("groups/" + group + "/members/" + alice, Map.of());
    admin.post("projects/" + GerritAdmin.encode(project) + "/access", Map.of("add",
        Map.of("refs/heads/secret", Map.of("permissions", Map.of("read", Map.of(
            "exclusive", true, "rules", Map.of(created.get("id").asText(),
                Map.of("action", "ALLOW"))))))));

    Path work = Files.createDirectories(dir.resolve("work-" + suffix));
    String direct = node.httpUrl().toString().replace("://",
        "://" + GerritAdmin.ADMIN_USER + ":" + GerritAdmin.ADMIN_PASSWORD + "@") + "/a/" + project;
    Git.ok(work, "clone", "-q", direct, "repo");
    Path repo = work.resolve("repo");
    Files.writeString(repo.resolve("README"), "visible to all\n");
    Git.ok(repo, "add", "README");
    Git.ok(repo, "commit", "-q", "-m", "visible");
    Git.ok(repo, "push", "-q", "origin", "HEAD:refs/heads/master");
    String masterId = Git.ok(repo, "rev-parse", "HEAD").strip();
    Files.writeString(repo.resolve("SECRET"), "the launch code is " + suffix + "\n");
    Git.ok(repo, "add", "SECRET");
    Git.ok(repo, "commit", "-q", "-m", "secret");
    Git.ok(repo, "push", "-q", "origin", "HEAD:refs/heads/secret");
    String secretId = Git.ok(repo, "rev-parse", "HEAD").strip();
    Git.ok(repo, "checkout", "-q", masterId);
    byte[] noise = new byte[BIG_SIZE];
    new Random(42).nextBytes(noise);
    Files.write(repo.resolve("big.bin"), noise);
    Git.ok(repo, "add", "big.bin");
    Git.ok(repo, "commit", "-q", "-m", "big");
    Git.ok(repo, "push", "-q", "origin", "HEAD:refs/heads/big");
    String bigId = Git.ok(repo, "rev-parse", "HEAD").strip();
    return new SecretBranchProject(project, alice, bob, masterId, secretId, bigId);
  }
}
