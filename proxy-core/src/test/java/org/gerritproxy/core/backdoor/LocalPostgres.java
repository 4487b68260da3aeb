package org.gerritproxy.core.backdoor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.gerritproxy.core.cluster.FreePorts;

/**
 * A throw-away PostgreSQL server from Debian's {@code postgresql} package, in a temporary
 * directory on a free loopback port; run as the {@code postgres} user when the tests run as root,
 * since PostgreSQL refuses root.
 */
final class LocalPostgres implements AutoCloseable {
  private final Path bin;
  private final Path dir;
  private final int port;

  private LocalPostgres(Path bin, Path dir, int port) {
    this.bin = bin;
    this.dir = dir;
    this.port = port;
  }

  /** The newest installed server's {@code bin/}, if any. */
  static Optional<Path> installed() {
    Path root = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(root)) {
      return Optional.empty();
    }
    try (Stream<Path> versions = Files.list(root)) {
      return versions.map(v -> v.resolve("bin"))
          .filter(b -> Files.isExecutable(b.resolve("initdb")))
          .max(Comparator.comparing(Path::toString));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  static LocalPostgres start(Path bin) throws Exception {
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "gerrit-proxy-pg");
    if (isRoot()) {
      run(List.of("chown", "postgres", dir.toString()));
    }
    int port = FreePorts.pick();
    LocalPostgres pg = new LocalPostgres(bin, dir, port);
    pg.asOwner(List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(),
        "-U", "gp", "--auth=trust", "-E", "UTF8"));
    pg.asOwner(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(),
        "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1", "-w",
        "-l", dir.resolve("log").toString(), "start"));
    return pg;
  }

  String url() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
  }

  private void asOwner(List<String> command) throws Exception {
    List<String> full = new ArrayList<>();
    if (isRoot()) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(command);
    run(full);
  }

  private static void run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed:\n" + out);
    }
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  @Override
  public void close() throws Exception {
    try {
      asOwner(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(),
          "-m", "immediate", "stop"));
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }
}
