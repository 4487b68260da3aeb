package org.gerritproxy.http;

import org.gerritproxy.routing.traffic.AccessRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one line per request to the SLF4J logger {@code httpd_log}, as Gerrit names its own
 * access log, so that Logback can route it to a file of its own.
 *
 * <p>Line: {@code client user "METHOD path" status bytes node class/label duration}, e.g. {@code
 * 10.0.0.7 alice "POST /a/p.git/git-receive-pack" 200 1234 gerrit-1 WRITE/git-receive-pack 52ms}.
 * Absent values are {@code -}; the path never carries its query string. A request a client sent
 * over HTTP/2 names it after the path: {@code "GET /changes/ HTTP/2"} (HTTP/1.1, by far the most
 * lines, keeps the shorter form that tools and dashboards already read).
 */
final class AccessLog {

  static final String LOGGER_NAME = "httpd_log";

  private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);

  private AccessLog() {}

  static void write(AccessRecord<HttpRequestLine> r) {
    if (LOG.isInfoEnabled()) {
      LOG.info(format(r));
    }
  }

  static String format(AccessRecord<HttpRequestLine> r) {
    StringBuilder sb = new StringBuilder(128);
    HttpRequestLine line = r.detail();
    sb.append(r.client()).append(' ')
        .append(r.user().map(AccessLog::clean).orElse("-")).append(' ')
        .append('"').append(clean(line.method())).append(' ').append(clean(line.path()));
    if (line.protocol().equals(HttpRequestLine.HTTP_2)) {
      sb.append(' ').append(HttpRequestLine.HTTP_2);
    }
    sb.append("\" ")
        .append(r.status()).append(' ')
        .append(r.bytesOut()).append(' ')
        .append(r.node().orElse("-")).append(' ')
        .append(r.requestClass().map(Enum::name).orElse("-")).append('/').append(r.label())
        .append(' ')
        .append(r.duration().toMillis()).append("ms");
    if (r.outcome() != AccessRecord.Outcome.COMPLETED) {
      sb.append(' ').append(r.outcome().name());
    }
    return sb.toString();
  }

  /** Keeps a client-supplied value on one line and free of quotes. */
  private static String clean(String s) {
    StringBuilder out = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '"' || c == ' ') {
        if (out == null) {
          out = new StringBuilder(s.length() + 8).append(s, 0, i);
        }
        out.append(String.format("%%%02X", (int) c));
      } else if (out != null) {
        out.append(c);
      }
    }
    return out == null ? s : out.toString();
  }
}
