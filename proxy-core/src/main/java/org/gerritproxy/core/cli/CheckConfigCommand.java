package org.gerritproxy.core.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.gerritproxy.core.config.ConfigLoader;
import org.gerritproxy.core.config.ConfigProblem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code check-config -c FILE}: prints each problem as {@code FILE:LINE: message}; 0 valid, 1 not. */
@Command(name = "check-config", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = "Validates a configuration file (and the secure.config beside it).")
final class CheckConfigCommand implements Callable<Integer> {

  @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
      description = "The proxy.config to check.")
  Path config;

  @Override
  public Integer call() {
    List<ConfigProblem> problems = ConfigLoader.check(config);
    for (ConfigProblem p : problems) {
      System.out.println(p);
    }
    if (problems.isEmpty()) {
      System.out.println(config + ": OK");
      return 0;
    }
    return 1;
  }
}
