package org.gerritproxy.core.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launchers' class data sharing archive ({@code src/dist/bin/gerrit-proxy-cds}), with the real
 * JVM: one run writes the archive as it exits, the next start uses it, and an archive that is
 * missing, stale, truncated or made for another jar is set aside, never fatal. A small runnable
 * jar stands in for gerrit-proxy's (the script only needs {@code java -jar JAR --version}).
 */
class CdsArchiveTest {
  private static final Path SCRIPT = Path.of("src/dist/bin/gerrit-proxy-cds").toAbsolutePath();
  private static final String JAVA =
      Path.of(System.getProperty("java.home"), "bin", "java").toString();

  @TempDir Path dir;
  private Path jar;
  private Path archive;

  @BeforeEach
  void buildJar() throws Exception {
    jar = jar(dir.resolve("app.jar"), "cds-test 1");
    archive = dir.resolve("state/app.jsa");
    Files.createDirectories(archive.getParent());
  }

  @Test
  void aRunWritesTheArchiveAsItExitsAndTheNextStartMapsIt() throws Exception {
    List<String> first = options(4711);
    assertThat(first).containsExactly(
        "-XX:ArchiveClassesAtExit=" + archive + ".4711.tmp",
        "-Xlog:cds=off,cds+dynamic=off,cds+map=off");
    Run dumping = java(first, "--version");
    assertThat(dumping.exit).isZero();
    assertThat(dumping.out).contains("cds-test 1");
    assertThat(Path.of(archive + ".4711.tmp")).isRegularFile();

    List<String> second = options(4712);
    assertThat(second).first().isEqualTo("-XX:SharedArchiveFile=" + archive);
    assertThat(archive).isRegularFile();
    assertThat(Path.of(archive + ".4711.tmp")).doesNotExist();
    // The application's own class comes from the archive, not from the jar.
    List<String> traced = new ArrayList<>(second);
    traced.add("-Xlog:class+load=info");
    Run using = java(traced, "--version");
    assertThat(using.exit).isZero();
    assertThat(using.out).contains("cds-test 1").containsPattern("Hello source: shared objects file");
  }

  @Test
  void aTruncatedDumpIsDiscardedWithoutCrashingTheProxy() throws Exception {
    java(options(4711), "--version");
    Path dumped = Path.of(archive + ".4711.tmp");
    byte[] bytes = Files.readAllBytes(dumped);
    // What a kill -9 during the dump at exit leaves; mapped, it crashes a JVM with SIGBUS.
    Files.write(dumped, java.util.Arrays.copyOf(bytes, bytes.length / 3));

    List<String> next = options(4712);
    assertThat(next).first().isEqualTo("-XX:ArchiveClassesAtExit=" + archive + ".4712.tmp");
    assertThat(dumped).doesNotExist();
    assertThat(archive).doesNotExist();
    assertThat(java(next, "--version").exit).isZero();
  }

  @Test
  void anArchiveOlderThanTheJarIsMadeAgain() throws Exception {
    java(options(4711), "--version");
    options(4712);
    assertThat(archive).isRegularFile();
    // A rebuild: the jar is newer than the archive.
    Files.setLastModifiedTime(archive, FileTime.from(Instant.now().minusSeconds(3600)));

    List<String> next = options(4713);
    assertThat(next).first().isEqualTo("-XX:ArchiveClassesAtExit=" + archive + ".4713.tmp");
    assertThat(archive).doesNotExist();
    assertThat(java(next, "--version").exit).isZero();
  }

  @Test
  void anArchiveOfAnotherJarIsIgnoredByTheJvmNotFatal() throws Exception {
    java(options(4711), "--version");
    options(4712);
    // The same path, another jar, and (as a copy with kept times can do) an archive still newer.
    jar(jar, "cds-test 2");
    Files.setLastModifiedTime(jar, FileTime.from(Instant.now().minusSeconds(3600)));

    List<String> next = options(4713);
    assertThat(next).first().isEqualTo("-XX:SharedArchiveFile=" + archive);
    Run run = java(next, "--version");
    assertThat(run.exit).isZero();
    assertThat(run.out).contains("cds-test 2");
  }

  @Test
  void withoutAWritablePlaceOrWithTheArchiveOffThereIsNone() throws Exception {
    assertThat(script(dir.resolve("no-such-dir/app.jsa").toString(), 4711).out).isBlank();
    assertThat(script("", 4711).out).isBlank();
  }

  private List<String> options(int pid) throws Exception {
    Run run = script(archive.toString(), pid);
    assertThat(run.exit).as(run.out).isZero();
    return List.of(run.out.trim().split("\\s+"));
  }

  private Run script(String archivePath, int pid) throws Exception {
    return run(List.of(SCRIPT.toString(), JAVA, jar.toString(), archivePath, Integer.toString(pid)));
  }

  private Run java(List<String> options, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(JAVA);
    command.addAll(options);
    command.add("-jar");
    command.add(jar.toString());
    command.addAll(List.of(args));
    return run(command);
  }

  /** A runnable jar whose main prints {@code banner}. */
  private Path jar(Path where, String banner) throws IOException {
    Path src = Files.createDirectories(dir.resolve("src-" + banner.hashCode()));
    Path java = src.resolve("Hello.java");
    Files.writeString(java, "public class Hello { public static void main(String[] a) {"
        + " System.out.println(\"" + banner + "\"); } }");
    int rc = ToolProvider.getSystemJavaCompiler().run(null, null, null,
        "-d", src.toString(), java.toString());
    assertThat(rc).isZero();
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "Hello");
    try (OutputStream out = Files.newOutputStream(where);
        JarOutputStream jarOut = new JarOutputStream(out, manifest)) {
      jarOut.putNextEntry(new JarEntry("Hello.class"));
      jarOut.write(Files.readAllBytes(src.resolve("Hello.class")));
      jarOut.closeEntry();
    }
    return where;
  }

  private record Run(int exit, String out) {}

  private Run run(List<String> command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
        .redirectErrorStream(true);
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
