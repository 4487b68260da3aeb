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
    version = "gerrit-proxy 0.1.0",
    description = "Git protocol proxy and load balancer for multi-primary Gerrit clusters.",
    // The demo is not in this jar; the launcher runs it from the demo module.
    footer = {"", "And in the source tree: ./gerrit-proxy demo (two local Gerrit nodes behind the"
        + " proxy; demo --help for its options)."},
    subcommands = {RunCommand.class, CheckConfigCommand.class, HeartbeatCommand.class})
public final class Main implements Runnable {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(execute(args));
  }

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
