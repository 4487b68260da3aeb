package org.gerritproxy.core.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Random;

/**
 * One client pushing a sequence of distinct commits, each on top of the last, to its own branch
 * through the proxy with the real {@code git}: a push acknowledged (exit 0) is recorded with its
 * commit; a refused one with git's output. A failed push is simply followed by the next, which
 * carries its commit too.
 */
final class SoakPusher implements Runnable {
  private static final Duration GIT_LIMIT = Duration.ofSeconds(120);

  private final String name;
  private final String url;
  private final Map<String, String> env;
  private final String email;
  private final Path work;
  private final SoakLedger ledger;
  private final Random random;
  private final Instant until;
  private final int maxPushes;

  /**
   * @param url where to push, credentials included for HTTP
   * @param env extra environment for git ({@code GIT_SSH_COMMAND} for SSH)
   */
  SoakPusher(String name, String url, Map<String, String> env, String email, Path work,
      SoakLedger ledger, long seed, Instant until, int maxPushes) {
    this.name = name;
    this.url = url;
    this.env = Map.copyOf(env);
    this.email = email;
    this.work = work;
    this.ledger = ledger;
    this.random = new Random(seed);
    this.until = until;
    this.maxPushes = maxPushes;
  }

  String branch() {
    return "refs/heads/chaos/" + name;
  }

  @Override
  public void run() {
    try {
      Files.createDirectories(work);
      Git.run(work, Map.of(), GIT_LIMIT, "init", "-q").assertOk(name + ": git init");
      for (int i = 0; i < maxPushes && Instant.now().isBefore(until); i++) {
        pushOnce(i);
        Thread.sleep(100 + random.nextInt(400));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      ledger.failures.add(name, "pusher", "the pusher itself failed: " + e);
    }
  }

  /** Pushes once; returns whether the push was acknowledged. */
  boolean pushOnce(int i) throws Exception {
    Git.run(work, Map.of(), GIT_LIMIT, "-c", "user.email=" + email, "commit", "-q",
        "--allow-empty", "-m", name + " #" + i).assertOk(name + ": commit");
    String commit = Git.run(work, Map.of(), GIT_LIMIT, "rev-parse", "HEAD")
        .assertOk(name + ": rev-parse").output().strip();
    Git.Result push = Git.run(work, env, GIT_LIMIT, "push", "-q", url, "HEAD:" + branch());
    if (push.exit() == 0) {
      ledger.acknowledged(name, branch(), commit);
      return true;
    }
    ledger.failures.add(name, "push", push.output());
    return false;
  }
}
