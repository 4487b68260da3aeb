package org.gerritproxy.demo;

import org.gerritproxy.core.cli.Main;

/**
 * {@code gerrit-proxy} with its {@code demo} command: what the launcher runs for
 * {@code ./gerrit-proxy demo}, on the proxy's jar plus the test cluster's and this module's.
 */
public final class DemoMain {
  private DemoMain() {}

  public static void main(String[] args) {
    System.exit(Main.commandLine().addSubcommand(new DemoCommand()).execute(args));
  }
}
