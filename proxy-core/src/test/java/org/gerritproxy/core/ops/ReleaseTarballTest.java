package org.gerritproxy.core.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release tarball that {@code mvn package} writes, unpacked with the real {@code tar} as an
 * operator would, and its launcher run from elsewhere, through a symlink, as
 * {@code /usr/local/bin/gerrit-proxy} would run it. Surefire runs this class in the
 * {@code verify} phase, after {@code package} (proxy-core's pom).
 */
class ReleaseTarballTest {
  private static final String VERSION = System.getProperty("gerrit-proxy.version");
  private static final Path TARBALL = Path.of("target", "gerrit-proxy-" + VERSION + ".tar.gz");

  @TempDir Path dir;

  @Test
  void holdsTheLauncherTheJarConfSystemdDocsAndThePluginsPlace() throws Exception {
    Path home = unpack();
    assertThat(home.resolve("bin/gerrit-proxy")).isExecutable();
    assertThat(home.resolve("bin/gerrit-proxy-cds")).isExecutable();
    assertThat(home.resolve("lib/gerrit-proxy.jar")).isRegularFile();
    for (String f : List.of("proxy.config", "secure.config.sample", "java.env", "logback.xml")) {
      assertThat(home.resolve("conf").resolve(f)).isRegularFile();
    }
    assertThat(home.resolve("systemd/gerrit-proxy.service")).isRegularFile();
    assertThat(home.resolve("systemd/gerrit-proxy-heartbeat@.service")).isRegularFile();
    assertThat(home.resolve("docs/operations.md")).isRegularFile();
    assertThat(home.resolve("README.md")).isRegularFile();
    // The README there says what the plugins are for.
    assertThat(home.resolve("gerrit-plugins/README.md")).content().contains("fence.jar");
    // The fence plugin ships with the release, for each node's plugins/.
    try (var jar = new java.util.jar.JarFile(home.resolve("gerrit-plugins/fence.jar").toFile())) {
      assertThat(jar.getManifest().getMainAttributes().getValue("Gerrit-PluginName"))
          .isEqualTo("fence");
    }
    // The installed launcher only, never the source tree's, which would run Maven.
    assertThat(home.resolve("bin/gerrit-proxy")).content().doesNotContain("mvn ");
  }

  @Test
  void itsLauncherRunsTheJarFromAnyDirectoryThroughASymlink() throws Exception {
    Path home = unpack();
    Path link = Files.createSymbolicLink(Files.createDirectories(dir.resolve("usr-local-bin"))
        .resolve("gerrit-proxy"), home.resolve("bin/gerrit-proxy"));
    Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));

    Run version = run(elsewhere, Map.of(), link.toString(), "--version");
    assertThat(version.exit).as(version.out).isZero();
    assertThat(version.out.strip()).isEqualTo("gerrit-proxy " + VERSION);

    Run check = run(elsewhere, Map.of(), link.toString(), "check-config", "-c",
        home.resolve("conf/proxy.config").toString());
    assertThat(check.exit).as(check.out).isZero();
    assertThat(check.out).contains("OK");

    // A broken configuration: the launcher passes the jar's exit status on, as scripts expect.
    Path bad = Files.writeString(dir.resolve("bad.config"), "[routing]\n\twrites = sometimes\n");
    Run refused = run(elsewhere, Map.of(), link.toString(), "check-config", "-c", bad.toString());
    assertThat(refused.exit).as(refused.out).isEqualTo(1);
    assertThat(refused.out).contains(bad + ":2: ");
  }

  @Test
  void itsLauncherTakesTheJvmOptionsFromJavaEnvOfItsConfDirectory() throws Exception {
    Path home = unpack();
    // A java.env whose options the JVM refuses shows that the launcher passed them on.
    Path conf = Files.createDirectories(dir.resolve("other-conf"));
    Files.writeString(conf.resolve("java.env"), "JAVA_OPTS=\"-XX:+NoSuchOptionOfTheTest\"\n");
    Run run = run(dir, Map.of("GERRIT_PROXY_CONF", conf.toString()),
        home.resolve("bin/gerrit-proxy").toString(), "--version");
    assertThat(run.exit).isNotZero();
    assertThat(run.out).contains("NoSuchOptionOfTheTest");
  }

  private Path unpack() throws IOException, InterruptedException {
    assertThat(TARBALL).as("the release tarball; it is written by `mvn package`").isRegularFile();
    Path into = Files.createDirectories(dir.resolve("opt"));
    Run tar = run(into, Map.of(), "tar", "xzf", TARBALL.toAbsolutePath().toString());
    assertThat(tar.exit).as(tar.out).isZero();
    try (var top = Files.list(into)) {
      assertThat(top.map(p -> p.getFileName().toString()).toList())
          .as("one top directory").containsExactly("gerrit-proxy-" + VERSION);
    }
    return into.resolve("gerrit-proxy-" + VERSION);
  }

  private record Run(int exit, String out) {}

  private static Run run(Path cwd, Map<String, String> env, String... command)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile())
        .redirectErrorStream(true);
    pb.environment().remove("GERRIT_PROXY_JAVA_OPTS");
    pb.environment().remove("GERRIT_PROXY_CONF");
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish within 120 s");
    }
    return new Run(p.exitValue(), out);
  }
}
