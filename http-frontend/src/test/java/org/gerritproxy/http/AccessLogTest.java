package org.gerritproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import org.gerritproxy.routing.RequestClass;
import org.gerritproxy.routing.traffic.AccessRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class AccessLogTest extends ProxyFixture {

  final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  Logger log;

  @BeforeEach
  void cluster() throws Exception {
    log = (Logger) LoggerFactory.getLogger("httpd_log");
    lines.start();
    log.addAppender(lines);
    TestBackend gerrit = backend("gerrit-1");
    snapshot.set(snapshot(List.of(node("gerrit-1", gerrit.uri(), 1)), "gerrit-1", Duration.ZERO));
    startProxy();
  }

  @AfterEach
  void detach() {
    log.detachAppender(lines);
  }

  @Test
  void oneLinePerRequestWithoutQueryStringOrPassword() throws Exception {
    // alice:s3cret
    get("/a/changes/?q=owner:self&access_token=t0ken", "Authorization: Basic YWxpY2U6czNjcmV0\r\n");
    // The line is written before the observer hears of the exchange: wait for both.
    await(() -> !lines.list.isEmpty() && !observer.records.isEmpty());
    assertThat(lines.list).hasSize(1);
    String line = lines.list.get(0).getFormattedMessage();
    assertThat(line).startsWith("127.0.0.1 alice \"GET /a/changes/\" 200 19 gerrit-1 READ/rest ")
        .endsWith("ms")
        .doesNotContain("t0ken").doesNotContain("s3cret").doesNotContain("owner");
    AccessRecord<HttpRequestLine> r = observer.records.get(0);
    assertThat(r.user()).contains("alice");
    assertThat(r.detail().path()).isEqualTo("/a/changes/");
    assertThat(r.node()).contains("gerrit-1");
    assertThat(r.requestClass()).contains(RequestClass.READ);
    assertThat(r.outcome()).isEqualTo(AccessRecord.Outcome.COMPLETED);
  }

  @Test
  void refusalsAreLoggedWithoutANode() throws Exception {
    snapshot.set(snapshot.get().withMaster(org.gerritproxy.routing.WriteMaster.none("none")));
    try (RawHttp c = client()) {
      c.send("DELETE /a/changes/1 HTTP/1.1\r\nHost: x\r\n\r\n");
      c.read();
    }
    await(() -> !lines.list.isEmpty());
    assertThat(lines.list.get(0).getFormattedMessage())
        .startsWith("127.0.0.1 - \"DELETE /a/changes/1\" 503 ").contains(" - WRITE/rest ")
        .endsWith("REFUSED");
  }
}
