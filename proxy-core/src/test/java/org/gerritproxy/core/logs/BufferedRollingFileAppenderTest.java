package org.gerritproxy.core.logs;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.util.Duration;
import ch.qos.logback.core.util.FileSize;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BufferedRollingFileAppenderTest {

  @TempDir Path dir;
  private final LoggerContext ctx = new LoggerContext();

  {
    ctx.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter()); // as SLF4J's binding does
  }

  @AfterEach
  void stop() {
    ctx.stop();
  }

  @Test
  void linesWaitForTheIntervalOrTheBufferAndAStopWritesTheRest() throws Exception {
    BufferedRollingFileAppender<ILoggingEvent> a = appender(Duration.buildByMinutes(10));
    Path file = dir.resolve("httpd_log");
    log("GET /first");
    assertThat(Files.readString(file)).as("no flush per line, none yet by the 10 min interval").isEmpty();

    a.flush();
    assertThat(Files.readString(file)).isEqualTo("GET /first\n");

    // More than the 8 KB buffer: the full buffer goes out without waiting for the interval.
    for (int i = 0; i < 1000; i++) {
      log("GET /changes/" + i);
    }
    long written = Files.size(file);
    assertThat(written).isGreaterThan(8 * 1024);
    assertThat(Files.readAllLines(file)).doesNotContain("GET /changes/999");

    a.stop();
    assertThat(Files.readAllLines(file)).hasSize(1001).endsWith("GET /changes/999");
  }

  @Test
  void theFlusherWritesAnIdleBufferWithinTheInterval() throws Exception {
    BufferedRollingFileAppender<ILoggingEvent> a = appender(Duration.buildByMilliseconds(100));
    Path file = dir.resolve("httpd_log");
    log("GET /only");
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (Files.readString(file).isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(Files.readString(file)).isEqualTo("GET /only\n");
    assertThat(a.isStarted()).isTrue();
  }

  @Test
  void aFlushIntervalOfZeroIsRefusedWithAReason() {
    BufferedRollingFileAppender<ILoggingEvent> a = configured(Duration.buildByMilliseconds(0));
    a.start();
    assertThat(a.isStarted()).isFalse();
    assertThat(ctx.getStatusManager().getCopyOfStatusList())
        .anyMatch(s -> s.getLevel() == Status.ERROR && s.getMessage().contains("flushInterval must be positive"));
  }

  private BufferedRollingFileAppender<ILoggingEvent> appender(Duration interval) {
    BufferedRollingFileAppender<ILoggingEvent> a = configured(interval);
    a.start();
    assertThat(a.isStarted()).isTrue();
    Logger logger = ctx.getLogger("httpd_log");
    logger.setAdditive(false);
    logger.addAppender(a);
    return a;
  }

  private BufferedRollingFileAppender<ILoggingEvent> configured(Duration interval) {
    BufferedRollingFileAppender<ILoggingEvent> a = new BufferedRollingFileAppender<>();
    a.setContext(ctx);
    a.setName("HTTPD_LOG");
    a.setFile(dir.resolve("httpd_log").toString());
    a.setFlushInterval(interval);
    a.setBufferSize(new FileSize(8 * 1024));
    SizeAndTimeBasedRollingPolicy<ILoggingEvent> policy = new SizeAndTimeBasedRollingPolicy<>();
    policy.setContext(ctx);
    policy.setParent(a);
    policy.setFileNamePattern(dir.resolve("httpd_log.%d{yyyy-MM-dd}.%i.gz").toString());
    policy.setMaxFileSize(new FileSize(100L * 1024 * 1024));
    policy.start();
    a.setRollingPolicy(policy);
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(ctx);
    encoder.setPattern("%msg%n");
    encoder.start();
    a.setEncoder(encoder);
    return a;
  }

  private void log(String message) {
    ctx.getLogger("httpd_log").info(message);
  }
}
