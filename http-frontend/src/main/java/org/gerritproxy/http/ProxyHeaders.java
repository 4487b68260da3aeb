package org.gerritproxy.http;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.gerritproxy.routing.Node;

/**
 * The header rewriting of a reverse proxy (RFC 9110 §7.6): hop-by-hop headers stay on their hop,
 * {@code X-Forwarded-*} tell Gerrit who the client was, and only the Router picks the backend.
 */
final class ProxyHeaders {

  /** Hop-by-hop headers (RFC 9110 §7.6.1) plus the non-standard ones clients still send. */
  private static final List<CharSequence> HOP_BY_HOP =
      List.of(
          HttpHeaderNames.CONNECTION,
          HttpHeaderNames.KEEP_ALIVE,
          HttpHeaderNames.PROXY_CONNECTION,
          HttpHeaderNames.PROXY_AUTHENTICATE,
          HttpHeaderNames.PROXY_AUTHORIZATION,
          HttpHeaderNames.TE,
          HttpHeaderNames.TRAILER,
          HttpHeaderNames.UPGRADE,
          HttpHeaderNames.TRANSFER_ENCODING);

  static final String X_FORWARDED_FOR = "X-Forwarded-For";
  static final String X_FORWARDED_PROTO = "X-Forwarded-Proto";
  static final String X_FORWARDED_HOST = "X-Forwarded-Host";

  private ProxyHeaders() {}

  /**
   * The request to send to {@code node}: HTTP/1.1, the node's path prefix before the client's
   * origin-form target, end-to-end headers only, and the forwarding headers.
   */
  static HttpRequest toBackend(
      HttpRequest client, String originTarget, Node node, String clientIp, boolean https) {
    HttpHeaders h = endToEnd(client.headers());
    if (HttpUtil.isTransferEncodingChunked(client)) {
      // The body stays chunked on the way to the backend; the client codec re-frames it.
      h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
      h.remove(HttpHeaderNames.CONTENT_LENGTH);
    }
    String forwardedFor = client.headers().getAll(X_FORWARDED_FOR).stream()
        .reduce((a, b) -> a + ", " + b)
        .map(prior -> prior + ", " + clientIp)
        .orElse(clientIp);
    h.set(X_FORWARDED_FOR, forwardedFor);
    h.set(X_FORWARDED_PROTO, https ? "https" : "http");
    Optional<String> host = clientHost(client);
    if (host.isPresent()) {
      h.set(HttpHeaderNames.HOST, host.get());
      h.set(X_FORWARDED_HOST, host.get());
    } else {
      h.set(HttpHeaderNames.HOST, authority(node.http()));
      h.remove(X_FORWARDED_HOST);
    }
    return new DefaultHttpRequest(
        HttpVersion.HTTP_1_1, client.method(), backendTarget(node, originTarget), h);
  }

  /**
   * The response head to relay to the client: the backend's status and end-to-end headers, and
   * the node header when configured. Framing headers are set by the caller.
   */
  static HttpResponse toClient(HttpResponse backend, Optional<String> nodeHeader, Node node) {
    HttpHeaders h = endToEnd(backend.headers());
    nodeHeader.ifPresent(name -> h.set(name, node.name()));
    return new DefaultHttpResponse(HttpVersion.HTTP_1_1, backend.status(), h);
  }

  /**
   * The heads the proxy sends on: copies of headers a decoder already read and checked, plus
   * values made of those, of the validated configuration, or of the proxy's own. Netty's bulk copy
   * never validated the copied headers again; a validating target made every header the proxy
   * sets (Host, X-Forwarded-*, the node header) pass the name and value checks once more, 0.7% of
   * the CPU per small request (bench/NOTES.md, "HTTP, fourth round").
   */
  private static final DefaultHttpHeadersFactory ALREADY_VALIDATED =
      DefaultHttpHeadersFactory.headersFactory().withValidation(false);

  /** A copy of {@code in} without hop-by-hop headers and without those its Connection lists. */
  static HttpHeaders endToEnd(HttpHeaders in) {
    // One pass that leaves the hop-by-hop headers out, rather than a copy of all and a removal
    // per hop-by-hop name (a hash lookup each, most of them for headers that are not there).
    HttpHeaders out = ALREADY_VALIDATED.newHeaders();
    List<String> listed = connectionListed(in);
    Iterator<Map.Entry<CharSequence, CharSequence>> it = in.iteratorCharSequence();
    while (it.hasNext()) {
      Map.Entry<CharSequence, CharSequence> header = it.next();
      CharSequence name = header.getKey();
      if (!containsIgnoreCase(HOP_BY_HOP, name) && !containsIgnoreCase(listed, name)) {
        out.add(name, header.getValue());
      }
    }
    return out;
  }

  /** The header names the Connection headers list (RFC 9110 §7.6.1); usually none. */
  private static List<String> connectionListed(HttpHeaders in) {
    List<String> connection = in.getAll(HttpHeaderNames.CONNECTION);
    if (connection.isEmpty()) {
      return List.of();
    }
    List<String> names = new ArrayList<>(2);
    for (String value : connection) {
      for (String token : value.split(",")) {
        String name = token.strip();
        if (!name.isEmpty()) {
          names.add(name);
        }
      }
    }
    return names;
  }

  /** Whether {@code names} holds {@code name}, in any case. */
  private static boolean containsIgnoreCase(List<? extends CharSequence> names, CharSequence name) {
    for (CharSequence n : names) {
      if (AsciiString.contentEqualsIgnoreCase(n, name)) {
        return true;
      }
    }
    return false;
  }

  /** The path of an origin-form target, without its query string. */
  static String pathOf(String originTarget) {
    int q = originTarget.indexOf('?');
    return q < 0 ? originTarget : originTarget.substring(0, q);
  }

  /** The node's base URL path (no trailing slash) before the client's origin-form target. */
  static String backendTarget(Node node, String originTarget) {
    String prefix = node.http().getRawPath();
    if (prefix == null) {
      prefix = "";
    }
    while (prefix.endsWith("/")) {
      prefix = prefix.substring(0, prefix.length() - 1);
    }
    if (originTarget.equals("*")) {
      return prefix.isEmpty() ? "*" : prefix + "/";
    }
    return prefix + originTarget;
  }

  static String authority(URI uri) {
    int port = uri.getPort();
    String host = uri.getHost();
    if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
      host = "[" + host + "]";
    }
    return port < 0 ? host : host + ":" + port;
  }

  /** The Host header; for an absolute-form target without one, the target's authority. */
  private static Optional<String> clientHost(HttpRequest client) {
    String host = client.headers().get(HttpHeaderNames.HOST);
    if (host != null && !host.isBlank()) {
      return Optional.of(host.strip());
    }
    String uri = client.uri();
    int scheme = uri.indexOf("://");
    if (scheme > 0) {
      int start = scheme + 3;
      int end = start;
      while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) {
        end++;
      }
      String authority = uri.substring(start, end);
      int at = authority.lastIndexOf('@');
      authority = authority.substring(at + 1);
      if (!authority.isEmpty()) {
        return Optional.of(authority);
      }
    }
    return Optional.empty();
  }
}
