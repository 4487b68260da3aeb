package org.gerritproxy.core.ops;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.status.Status;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.gerritproxy.core.logs.BufferedRollingFileAppender;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sample {@code conf/logback.xml} as Logback reads it: access logs in files of their own,
 * both rotated, and {@code LOG_FORMAT=json} turning every log into one JSON object per line.
 */
class SampleLogbackConfigTest {
  private static final Path SAMPLE = Path.of("..", "conf", "logback.xml").toAbsolutePath().normalize();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path logDir;

  @Test
  void textIsTheDefaultAndBothAccessLogsRotate() throws Exception {
    String console = withContext(null, ctx -> {
      for (String name : List.of("httpd_log", "sshd_log")) {
        Appender<ILoggingEvent> file = ctx.getLogger(name).getAppender(name.toUpperCase());
        assertThat(file).as(name).isInstanceOf(RollingFileAppender.class);
        RollingFileAppender<ILoggingEvent> rolling = (RollingFileAppender<ILoggingEvent>) file;
        assertThat(rolling.getFile()).isEqualTo(logDir.resolve(name).toString());
        assertThat(rolling.getRollingPolicy()).isInstanceOf(SizeAndTimeBasedRollingPolicy.class);
        assertThat(((SizeAndTimeBasedRollingPolicy<?>) rolling.getRollingPolicy()).getFileNamePattern())
            .isEqualTo(logDir.resolve(name) + ".%d{yyyy-MM-dd}.%i.gz");
      }
      ctx.getLogger("httpd_log").info("10.0.0.7 alice \"GET /a/changes/\" 200 12 gerrit-1 READ/rest 3ms");
      ctx.getLogger("sshd_log").info("{} {} node={}", "10.0.0.7:5000", "alice", "gerrit-1");
      ctx.getLogger("org.gerritproxy.core.ProxyProcess").info("serving on {}", "127.0.0.1:8080");
    });
    assertThat(Files.readString(logDir.resolve("httpd_log")))
        .matches("\\[\\d{4}-\\d\\d-\\d\\dT[^]]+] 10\\.0\\.0\\.7 alice \"GET /a/changes/\" 200 .*\\n");
    assertThat(Files.readString(logDir.resolve("sshd_log"))).endsWith("] 10.0.0.7:5000 alice node=gerrit-1\n");
    assertThat(console).contains("INFO").contains("ProxyProcess - serving on 127.0.0.1:8080")
        .doesNotContain("10.0.0.7");
    assertThat(logDir.resolve("httpd_log.json")).doesNotExist();
  }

  @Test
  void accessLogLinesAreBufferedReachTheFileWithinASecondAndNoneIsDropped() throws Exception {
    withContext(null, ctx -> {
      for (String name : List.of("httpd_log", "sshd_log")) {
        Appender<ILoggingEvent> file = ctx.getLogger(name).getAppender(name.toUpperCase());
        assertThat(file).as(name).isInstanceOf(BufferedRollingFileAppender.class);
        assertThat(((BufferedRollingFileAppender<ILoggingEvent>) file).isImmediateFlush())
            .as(name + ": a write system call per line").isFalse();
      }
      Path file = logDir.resolve("httpd_log");
      ctx.getLogger("httpd_log").info("10.0.0.7 alice \"GET /a/changes/first\" 200 12 gerrit-1 READ/rest 3ms");
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (Files.readString(file).isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(Files.readString(file)).as("flushed by the interval, with no stop and no more lines")
          .contains("/a/changes/first");
      // Far more lines than the buffer holds, written while the flusher runs: every one arrives.
      for (int i = 0; i < 10_000; i++) {
        ctx.getLogger("httpd_log").info("10.0.0.7 alice \"GET /a/changes/{}\" 200 12 gerrit-1 READ/rest 3ms", i);
      }
    });
    List<String> lines = Files.readAllLines(logDir.resolve("httpd_log"));
    assertThat(lines).hasSize(10_001);
    assertThat(lines.get(10_000)).contains("/a/changes/9999\"");
  }

  @Test
  void logFormatJsonWritesOneJsonObjectPerLine() throws Exception {
    String console = withContext("json", ctx -> {
      ctx.getLogger("httpd_log").info("10.0.0.7 alice \"GET /a/changes/\" 200 12 gerrit-1 READ/rest 3ms");
      ctx.getLogger("sshd_log").info("{} {} node={}", "10.0.0.7:5000", "alice", "gerrit-1");
      ctx.getLogger("org.gerritproxy.core.ProxyProcess").warn("cannot bind {}", "127.0.0.1:8080",
          new java.io.IOException("Address already in use"));
    });
    JsonNode http = onlyLine(logDir.resolve("httpd_log.json"));
    assertThat(http.get("loggerName").asText()).isEqualTo("httpd_log");
    assertThat(http.get("formattedMessage").asText()).startsWith("10.0.0.7 alice \"GET /a/changes/\"");
    assertThat(http.get("timestamp").asLong()).isPositive();
    assertThat(onlyLine(logDir.resolve("sshd_log.json")).get("formattedMessage").asText())
        .isEqualTo("10.0.0.7:5000 alice node=gerrit-1");
    List<String> lines = console.lines().toList();
    assertThat(lines).hasSize(1);
    JsonNode warn = JSON.readTree(lines.get(0));
    assertThat(warn.get("level").asText()).isEqualTo("WARN");
    assertThat(warn.get("formattedMessage").asText()).isEqualTo("cannot bind 127.0.0.1:8080");
    assertThat(warn.get("throwable").toString()).contains("Address already in use");
    assertThat(logDir.resolve("httpd_log")).as("no text file beside the JSON one").doesNotExist();
  }

  private JsonNode onlyLine(Path file) throws Exception {
    List<String> lines = Files.readAllLines(file);
    assertThat(lines).as(file.toString()).hasSize(1);
    return JSON.readTree(lines.get(0));
  }

  private interface Logging {
    void log(LoggerContext ctx) throws Exception;
  }

  /** Configures a fresh context from the sample, logs, stops it (flushing); returns the console. */
  private String withContext(String format, Logging logging) throws Exception {
    PrintStream stdout = System.out;
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    LoggerContext ctx = new LoggerContext();
    ctx.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter()); // as SLF4J's binding does
    ctx.putProperty("LOG_DIR", logDir.toString());
    if (format != null) {
      ctx.putProperty("LOG_FORMAT", format);
    }
    try {
      System.setOut(new PrintStream(console, true, StandardCharsets.UTF_8));
      JoranConfigurator joran = new JoranConfigurator();
      joran.setContext(ctx);
      joran.doConfigure(SAMPLE.toFile());
      assertThat(ctx.getStatusManager().getCopyOfStatusList())
          .as("Logback's complaints about the sample")
          .noneMatch(s -> s.getEffectiveLevel() >= Status.WARN);
      logging.log(ctx);
    } finally {
      ctx.stop();
      assertThat(ctx.getStatusManager().getCopyOfStatusList())
          .as("Logback's errors while logging").noneMatch(s -> s.getEffectiveLevel() >= Status.ERROR);
      System.setOut(stdout);
    }
    return console.toString(StandardCharsets.UTF_8);
  }
}
