package org.gerritproxy.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.gerritproxy.routing.RequestClass;
import org.gerritproxy.routing.traffic.AccessRecord;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** One {@code sshd_log} line per command, never keeping a password given on a command line. */
class SshAccessLogTest {
  @Test
  void oneLinePerCommandInGerritsShape() {
    Logger log = (Logger) LoggerFactory.getLogger("sshd_log");
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    log.addAppender(lines);
    try {
      SshAccessLog.record(new AccessRecord<>(AccessRecord.Frontend.SSH, Instant.EPOCH,
          "10.0.0.7:51234", Optional.of("alice"), Optional.of(RequestClass.WRITE),
          "git-receive-pack", Optional.of("gerrit-1"), 0, AccessRecord.Outcome.COMPLETED, 1234,
          56, Duration.ofMillis(52), "git-receive-pack \"/p\"\r\n"));
    } finally {
      log.detachAppender(lines);
    }
    assertThat(lines.list).singleElement().extracting(ILoggingEvent::getFormattedMessage)
        .isEqualTo("10.0.0.7:51234 alice git-receive-pack node=gerrit-1 exit=0 in=1234 out=56"
            + " 52ms \"git-receive-pack \\\"/p\\\"  \"");
  }

  @Test
  void passwordOptionValuesAreMasked() {
    assertThat(SshAccessLog.masked("gerrit set-account --http-password s3cr3t alice"))
        .isEqualTo("gerrit set-account --http-password ******** alice");
    assertThat(SshAccessLog.masked("gerrit set-account --http-password=s3cr3t alice"))
        .isEqualTo("gerrit set-account --http-password=******** alice");
    assertThat(SshAccessLog.masked("gerrit create-account --http-password 'two words' bob"))
        .isEqualTo("gerrit create-account --http-password ******** bob");
    assertThat(SshAccessLog.masked("gerrit set-account --HTTP-PASSWORD \"x y\" --full-name Al al"))
        .isEqualTo("gerrit set-account --HTTP-PASSWORD ******** --full-name Al al");
  }

  @Test
  void otherCommandLinesStayAsTheyAre() {
    String[] kept = {"git-upload-pack '/project'", "gerrit query --format json status:open",
        "gerrit set-account --generate-http-password alice", "gerrit review --message password 1,1"};
    for (String line : kept) {
      assertThat(SshAccessLog.masked(line)).isEqualTo(line);
    }
  }
}
