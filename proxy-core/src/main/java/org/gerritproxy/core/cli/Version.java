package org.gerritproxy.core.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;

/**
 * The version of this build, from the pom: Maven writes it into {@code version.properties} when
 * it copies the resources (proxy-core's pom filters that one file), so it is the same in the
 * tests, the jar, the tarball and the Debian package, and never typed twice.
 */
public final class Version implements CommandLine.IVersionProvider {
  private static final String RESOURCE = "version.properties";

  /** The pom's version, e.g. {@code 0.1.0-SNAPSHOT}. */
  public static String current() {
    try (InputStream in = Version.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the classpath beside "
            + Version.class.getName() + "; the build writes it (proxy-core/pom.xml)");
      }
      Properties p = new Properties();
      p.load(in);
      String version = p.getProperty("version", "");
      if (version.isBlank() || version.contains("${")) {
        throw new IllegalStateException(RESOURCE + " holds no version (\"" + version
            + "\"): it was not filtered by Maven");
      }
      return version;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String[] getVersion() {
    return new String[] {"gerrit-proxy " + current()};
  }
}
