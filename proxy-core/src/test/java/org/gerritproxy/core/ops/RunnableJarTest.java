package org.gerritproxy.core.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/**
 * The jar that {@code ./gerrit-proxy run} executes, {@code target/gerrit-proxy.jar}, as the shade
 * plugin wrote it. Surefire runs this class in the {@code verify} phase, after {@code package}
 * (proxy-core's pom), so that it reads the jar of this build.
 */
class RunnableJarTest {
  private static final Path JAR = Path.of("target", "gerrit-proxy.jar");

  /** The real-Gerrit test cluster, the demo, the fence plugin and Gerrit itself: never in the proxy. */
  private static final List<String> FORBIDDEN = List.of(
      "org/gerritproxy/core/cluster/", "org/gerritproxy/demo/", "org/gerritproxy/fence/",
      "com/google/gerrit/");

  @Test
  void holdsTheProxyAndNoTestClusterClass() throws IOException {
    assertThat(JAR).as("the runnable jar; it is written by `mvn package`").isRegularFile();
    try (JarFile jar = new JarFile(JAR.toFile())) {
      List<String> names = jar.stream().map(ZipEntry::getName).toList();
      assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
          .isEqualTo("org.gerritproxy.core.cli.Main");
      assertThat(names).contains("org/gerritproxy/core/cli/Main.class",
          "org/gerritproxy/core/ProxyProcess.class");
      assertThat(names.stream().filter(n -> FORBIDDEN.stream().anyMatch(n::startsWith)).toList())
          .as("entries of the test cluster (gerrit-cluster), the demo or Gerrit in " + JAR
              + "; they belong in test or demo scope, never in proxy-core's own dependencies")
          .isEmpty();
    }
  }
}
