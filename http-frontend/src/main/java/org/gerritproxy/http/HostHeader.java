package org.gerritproxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The request's {@code Host} header as RFC 9112 §3.2 demands it: exactly one in HTTP/1.1, and a
 * valid {@code host[:port]}. The proxy passes Host on to Gerrit (which builds its URLs from it), so
 * a second or malformed one would let a client put text of its choosing in those URLs, and two
 * proxies in a row could disagree on which of two Hosts counts.
 */
final class HostHeader {

  /** RFC 3986 {@code host [":" port]}: an IP literal, or a reg-name / IPv4 address. */
  private static final Pattern VALID =
      Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._~!$&'()*+,;=%-]*)(:[0-9]{0,5})?");

  private HostHeader() {}

  /** Why the request's Host header is unacceptable, as a sentence for the client; else empty. */
  static Optional<String> problem(HttpRequest request) {
    List<String> hosts = request.headers().getAll(HttpHeaderNames.HOST);
    if (hosts.isEmpty()) {
      return request.protocolVersion().equals(HttpVersion.HTTP_1_0)
          ? Optional.empty()
          : Optional.of("An HTTP/1.1 request needs a Host header; send the name of this server in"
              + " one.");
    }
    if (hosts.size() > 1) {
      return Optional.of("The request has " + hosts.size() + " Host headers; send exactly one.");
    }
    if (!VALID.matcher(hosts.get(0).strip()).matches()) {
      return Optional.of("The Host header is not a host name with an optional port; send the"
          + " name of this server, such as review.example.com or review.example.com:8080.");
    }
    return Optional.empty();
  }
}
