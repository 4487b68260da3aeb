package org.gerritproxy.core.logs;

import ch.qos.logback.classic.LoggerContext;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/** The process's logging as a whole. */
public final class Logging {

  private Logging() {}

  /**
   * Stops Logback: every appender writes out what it buffered (the access logs' last lines) and
   * closes its file. Called last, when the process stops; what is logged after it is lost.
   */
  public static void stop() {
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    if (factory instanceof LoggerContext ctx) {
      ctx.stop();
    }
  }
}
