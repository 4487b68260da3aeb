package org.gerritproxy.ssh;

import org.gerritproxy.routing.traffic.AccessRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per SSH command on the {@code sshd_log} logger, like Gerrit's own {@code sshd_log}:
 * client, user, command label, node, exit status, bytes each way, time and the command line.
 */
final class SshAccessLog {
  private static final Logger log = LoggerFactory.getLogger("sshd_log");

  private SshAccessLog() {}

  /** Writes {@code r}, whose detail is the command line with passwords already {@link #masked}. */
  static void record(AccessRecord<String> r) {
    log.info("{} {} {} node={} exit={} in={} out={} {}ms \"{}\"", r.client(),
        r.user().orElse(null), r.label(), r.node().orElse("-"), r.status(), r.bytesIn(),
        r.bytesOut(), r.duration().toMillis(),
        r.detail().replace("\"", "\\\"").replaceAll("[\\r\\n]", " "));
  }

  /**
   * The command line with password options' values hidden: {@code gerrit set-account
   * --http-password X} must not leave X in a log file.
   */
  static String masked(String commandLine) {
    return PASSWORD_OPTION.matcher(commandLine).replaceAll("$1********");
  }

  private static final java.util.regex.Pattern PASSWORD_OPTION =
      java.util.regex.Pattern.compile("(?i)((?<![\\w-])--(?:http-)?password(?:=|\\s+))(?:'[^']*'|\"[^\"]*\"|\\S+)");
}
