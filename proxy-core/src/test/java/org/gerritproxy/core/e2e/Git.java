package org.gerritproxy.core.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The real {@code git} command, run as a user would run it, isolated from any user config. */
final class Git {
  /** What one git command did. */
  record Result(int exit, String output) {
    Result assertOk(String what) {
      if (exit != 0) {
        throw new AssertionError(what + ": git exited with " + exit + ":\n" + output);
      }
      return this;
    }
  }

  private Git() {}

  static Result run(Path dir, String... args) throws IOException, InterruptedException {
    return run(dir, Map.of(), args);
  }

  static Result run(Path dir, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    Process git = builder(dir, env, args).start();
    git.getOutputStream().close();
    byte[] output = git.getInputStream().readAllBytes();
    if (!git.waitFor(300, TimeUnit.SECONDS)) {
      git.destroyForcibly();
      throw new AssertionError("git " + String.join(" ", args) + " did not finish within 300 s");
    }
    return new Result(git.exitValue(), new String(output, StandardCharsets.UTF_8));
  }

  /**
   * Like {@link #run(Path, Map, String...)}, but a git that has not finished within {@code limit}
   * is killed and reported as a hang (exit -1, "(no answer within …)") instead of waiting on.
   * The output goes through a file, so a hung git cannot block the caller on a pipe.
   */
  static Result run(Path dir, Map<String, String> env, java.time.Duration limit, String... args)
      throws IOException, InterruptedException {
    Path out = java.nio.file.Files.createTempFile(dir, "git-", ".out");
    try {
      Process git = builder(dir, env, args).redirectOutput(out.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
      boolean finished = git.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
      if (!finished) {
        git.descendants().forEach(ProcessHandle::destroyForcibly);
        git.destroyForcibly();
        git.waitFor(10, TimeUnit.SECONDS);
      }
      String output = new String(java.nio.file.Files.readAllBytes(out), StandardCharsets.UTF_8);
      return finished ? new Result(git.exitValue(), output)
          : new Result(-1, output + "\n(no answer within " + limit.toSeconds() + " s)");
    } finally {
      java.nio.file.Files.deleteIfExists(out);
    }
  }

  /** git with a fixed identity and no system or user configuration, stderr into stdout. */
  private static ProcessBuilder builder(Path dir, Map<String, String> env, String... args) {
    List<String> command = new ArrayList<>(List.of("git",
        "-c", "user.name=Proxy Test", "-c", "user.email=proxy-test@example.com",
        "-c", "init.defaultBranch=master", "-c", "advice.detachedHead=false"));
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    builder.environment().put("GIT_TERMINAL_PROMPT", "0");
    builder.environment().put("GIT_CONFIG_NOSYSTEM", "1");
    builder.environment().put("GIT_CONFIG_GLOBAL", "/dev/null");
    builder.environment().remove("GIT_TRACE_PACKET");
    builder.environment().putAll(env);
    return builder;
  }

  static String ok(Path dir, String... args) throws IOException, InterruptedException {
    return run(dir, args).assertOk("git " + String.join(" ", args)).output();
  }
}
