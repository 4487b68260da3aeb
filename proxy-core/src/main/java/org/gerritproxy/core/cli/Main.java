package org.gerritproxy.core.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code gerrit-proxy} command line: {@code run}, {@code check-config}, {@code heartbeat}.
 * {@code demo} is added by the demo module's {@code DemoMain}, which the launcher runs for it, so
 * that the test cluster stays out of this jar.
 */
@Command(
    name = "gerrit-proxy",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = "Git protocol proxy and load balancer for multi-primary Gerrit clusters.",
    // The demo is not in this jar; the launcher runs it from the demo module.
    footer = {"", "And in the source tree: ./gerrit-proxy demo (two local Gerrit nodes behind the"
        + " proxy; demo --help for its options)."},
    subcommands = {RunCommand.class, CheckConfigCommand.class, HeartbeatCommand.class})
public final class Main implements Runnable {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("check-config")) {
      // Before any logger exists: a check, often run as root, must not create the access logs
      // the service's user then cannot write (the resource says more).
      System.setProperty("logback.configurationFile", CHECK_CONFIG_LOGBACK);
    }
    quietLeakDetector();
    System.exit(execute(args));
  }

  /**
   * Netty's leak detector off in the running proxy unless the operator asks for it with
   * {@code -Dio.netty.leakDetection.level}: at its default (sampling one buffer in 128) it still
   * cost 2-3% of the CPU per small request, most of it capturing a stack trace for each sampled
   * buffer (bench/NOTES.md, "HTTP, fourth round"). The test suites run it at {@code paranoid},
   * which is where leaks are found. Set as the property Netty reads when its detector class
   * loads, not through that class: loading it here would start the logging of every command
   * (--version, check-config) with the service's access logs, which run as root would leave
   * root-owned files the service cannot write (DebianPackageTest caught it).
   */
  static void quietLeakDetector() {
    if (System.getProperty("io.netty.leakDetection.level") == null
        && System.getProperty("io.netty.leakDetectionLevel") == null) {
      System.setProperty("io.netty.leakDetection.level", "disabled");
    }
  }

  /** check-config's logging: the console only (a resource of this jar). */
  static final String CHECK_CONFIG_LOGBACK = "gerrit-proxy-check-config-logback.xml";

  /** Runs the command line and returns the exit status (for tests: no System.exit). */
  public static int execute(String... args) {
    return commandLine().execute(args);
  }

  /** The command line, for another main to add commands to (the demo's). */
  public static CommandLine commandLine() {
    return new CommandLine(new Main());
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(),
        "Say what to do: run -c FILE, check-config -c FILE, demo, or heartbeat -c FILE --node NAME.");
  }
}
