package org.gerritproxy.ssh;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per SSH command on the {@code sshd_log} logger, like Gerrit's own {@code sshd_log}:
 * client, user, command label, node, exit status, bytes each way, time and the command line.
 */
final class SshAccessLog {
  private static final Logger log = LoggerFactory.getLogger("sshd_log");

  private SshAccessLog() {}

  static void record(String client, String user, String label, String node, int exit,
      long bytesIn, long bytesOut, long millis, String commandLine) {
    log.info("{} {} {} node={} exit={} in={} out={} {}ms \"{}\"", client, user, label, node, exit,
        bytesIn, bytesOut, millis, commandLine.replace("\"", "\\\"").replaceAll("[\\r\\n]", " "));
  }
}
