package org.gerritproxy.core.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Loads proxy.config, and the secure.config beside it, into a {@link ProxyConfig}; or reports every
 * problem in them as {@code FILE:LINE: message}.
 *
 * <p>The files use git-config syntax (as Gerrit's {@code gerrit.config}) and are parsed with JGit.
 * Every section and key is checked: unknown ones, wrong values, missing required keys and
 * contradictions between keys are all reported, in file order, never only the first. Secrets
 * ({@code [accounts] password}, {@code [admin] token}, {@code [backdoor] password}) may stand in
 * secure.config, whose values win; nothing else may. Relative paths are read from the directory of
 * proxy.config. Stateless: call it again to reload.
 */
public final class ConfigLoader {

  /** The name of the secrets file, looked for beside the configuration file. */
  public static final String SECURE_CONFIG = "secure.config";

  private ConfigLoader() {}

  /**
   * Reads and validates the configuration.
   *
   * @throws ConfigException listing every problem found, when there is any
   */
  public static ProxyConfig load(Path file) throws ConfigException {
    Objects.requireNonNull(file, "file");
    Path securePath = secureConfigOf(file);
    Problems problems = new Problems(file, securePath);
    ConfigSource main = ConfigSource.read(file, problems);
    ConfigSource secure = null;
    if (Files.exists(securePath)) {
      secure = ConfigSource.read(securePath, problems);
    }
    if (!problems.isEmpty()) {
      // Unreadable or not git-config: nothing below could be trusted.
      throw new ConfigException(problems.inFileOrder());
    }
    ProxyConfig config = new ConfigReader(main, secure, problems).read();
    if (config == null || !problems.isEmpty()) {
      throw new ConfigException(problems.inFileOrder());
    }
    return config;
  }

  /** Every problem of the configuration, in file order; empty when it is valid. */
  public static List<ConfigProblem> check(Path file) {
    try {
      load(file);
      return List.of();
    } catch (ConfigException e) {
      return e.problems();
    }
  }

  /** Where the secrets of this configuration file are looked for: secure.config beside it. */
  public static Path secureConfigOf(Path file) {
    return file.resolveSibling(SECURE_CONFIG);
  }

  /**
   * The files a reload depends on: the configuration file and its secure.config, whether or not the
   * latter exists yet (creating it changes the configuration too).
   */
  public static List<Path> watchedFiles(Path file) {
    return List.of(file, secureConfigOf(file));
  }
}
