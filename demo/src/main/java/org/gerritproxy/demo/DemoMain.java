package org.gerritproxy.demo;

import org.gerritproxy.core.cli.Main;
import picocli.CommandLine;

/**
 * {@code gerrit-proxy} with its {@code demo} command: what the launcher runs for
 * {@code ./gerrit-proxy demo}, on the proxy's jar plus the test cluster's and this module's.
 */
public final class DemoMain {
  private DemoMain() {}

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The proxy's command line with {@code demo} added. */
  static CommandLine commandLine() {
    return Main.commandLine().addSubcommand(new DemoCommand());
  }
}
