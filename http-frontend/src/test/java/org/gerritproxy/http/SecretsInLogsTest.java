package org.gerritproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Passwords and tokens that clients send (Basic and Bearer credentials, tokens in query strings,
 * session cookies) never reach any log line, the access log included, whatever becomes of the
 * request: served, malformed, refused, or failed at the node.
 */
class SecretsInLogsTest extends HostileClientFixture {

  static final String PASSWORD = "hunter2-Pa55word";
  static final String TOKEN = "tok-0123456789abcdef";
  static final String COOKIE = "cookie-fedcba9876543210";
  static final String BASIC = "Basic "
      + Base64.getEncoder().encodeToString(("alice:" + PASSWORD).getBytes(StandardCharsets.UTF_8));

  ListAppender<ILoggingEvent> everything;

  @BeforeEach
  void captureEveryLogger() {
    everything = new ListAppender<>();
    everything.start();
    root().addAppender(everything);
    root().setLevel(ch.qos.logback.classic.Level.DEBUG);
  }

  @AfterEach
  void restore() {
    root().detachAppender(everything);
    root().setLevel(ch.qos.logback.classic.Level.INFO);
  }

  private static Logger root() {
    return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  private void exchange(String request) throws Exception {
    try (RawHttp c = client()) {
      c.send(request);
      answerOrClose(c);
    }
  }

  @Test
  void credentialsAppearInNoLogLine() throws Exception {
    String secrets = "Authorization: " + BASIC + "\r\nCookie: GerritAccount=" + COOKIE
        + "\r\nProxy-Authorization: Bearer " + TOKEN + "\r\n";
    exchange("GET /a/changes/?access_token=" + TOKEN + " HTTP/1.1\r\nHost: x\r\n" + secrets + "\r\n");
    exchange("GET /a/changes/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN + "\r\n\r\n");
    // Malformed after the credentials: refused by the proxy itself.
    exchange("GET /a/changes/?token=" + TOKEN + " HTTP/1.1\r\nHost: x\r\n" + secrets + "Bad Header: 1\r\n\r\n");
    // Refused: a method the proxy does not forward.
    exchange("TRACE /a/?p=" + PASSWORD + " HTTP/1.1\r\nHost: x\r\n" + secrets + "\r\n");
    // Failed at the node: it resets the connection instead of answering.
    gerrit.onHead = (ctx, r) -> {
      TestBackend.reset(ctx);
      return true;
    };
    exchange("POST /a/changes/?p=" + PASSWORD + " HTTP/1.1\r\nHost: x\r\n" + secrets
        + "Content-Length: 2\r\n\r\n{}");
    gerrit.onHead = (ctx, r) -> false;
    await(() -> observer.records.size() == 5);

    List<String> lines = new ArrayList<>();
    for (ILoggingEvent e : everything.list) {
      lines.add(e.getFormattedMessage());
      for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
        lines.add(t.getMessage());
      }
    }
    List<String> access = everything.list.stream()
        .filter(e -> e.getLoggerName().equals(AccessLog.LOGGER_NAME))
        .map(ILoggingEvent::getFormattedMessage).toList();
    assertThat(access).as("one access line per request").hasSize(5)
        .anySatisfy(l -> assertThat(l).contains(" alice "));
    assertThat(lines).isNotEmpty().allSatisfy(l -> assertThat(String.valueOf(l))
        .doesNotContain(PASSWORD, TOKEN, COOKIE, BASIC.substring(6)));
  }
}
