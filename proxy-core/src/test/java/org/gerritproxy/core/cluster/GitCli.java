package org.gerritproxy.core.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real {@code git} command, as a user would, and returns what it printed. */
final class GitCli {
    private GitCli() {}

    /** Runs {@code git ARGS} in {@code dir}; fails with git's output unless it exits 0. */
    static String git(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("git", "-c", "user.name=Test", "-c", "user.email=test@example.com",
                "-c", "init.defaultBranch=master"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().put("GIT_TERMINAL_PROMPT", "0");
        builder.environment().put("GIT_CONFIG_NOSYSTEM", "1");
        builder.environment().put("GIT_CONFIG_GLOBAL", "/dev/null");
        Process git = builder.start();
        git.getOutputStream().close();
        byte[] output = git.getInputStream().readAllBytes();
        if (!git.waitFor(60, TimeUnit.SECONDS)) {
            git.destroyForcibly();
            throw new AssertionError("git " + String.join(" ", args) + " did not finish within 60 s");
        }
        String text = new String(output, StandardCharsets.UTF_8);
        if (git.exitValue() != 0) {
            throw new AssertionError("git " + String.join(" ", args) + " exited with " + git.exitValue() + ":\n" + text);
        }
        return text;
    }
}
