package org.gerritproxy.http;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.gerritproxy.routing.Classification;
import org.gerritproxy.routing.GitHttpRequest;
import org.gerritproxy.routing.HttpClassification;
import org.gerritproxy.routing.Node;

/**
 * One request and its response as they cross the proxy: what was asked, where it went and how
 * far each direction has got. Touched only on the client connection's event loop.
 */
final class Exchange {

  private static final Set<HttpMethod> IDEMPOTENT =
      Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS, HttpMethod.PUT, HttpMethod.DELETE);

  final HttpRequest request;
  /** The client's target in origin form ({@code /path?query}). */
  final String target;
  final String clientIp;
  final Optional<String> user;
  final Instant start = Instant.now();
  final long startNanos = System.nanoTime();

  /** The class of the request and the git request it is, if any; null until classified. */
  HttpClassification classified;
  String sessionKey;
  boolean clientKeepAlive;

  /** The route: the chosen node first, then its fallbacks, and which one is being tried. */
  List<Node> candidates = List.of();
  int candidate;
  Node node;
  Channel backend;
  boolean backendReused;
  /** True when the backend may carry another request after this one. */
  boolean backendReusable;

  /** A request body byte was read from the client: from here on nothing is retried. */
  boolean bodyStarted;
  /** The client's last request chunk arrived. */
  boolean requestReceived;
  /** The last request chunk reached the backend. */
  boolean requestSent;
  /** The rest of the request body is read and dropped (refused, or answered already). */
  boolean discardBody;
  /** The backend sent a 1xx; the empty end of that interim response follows. */
  boolean informational;
  /** The backend's response is complete. */
  boolean backendDone;
  /** The response head went to the client. */
  boolean responseStarted;
  /** The response's last byte went to the client. */
  boolean responseDone;
  boolean finished;

  int status;
  long requestBytes;
  long responseBytes;
  AccessRecord.Outcome outcome = AccessRecord.Outcome.COMPLETED;

  Exchange(HttpRequest request, String target, String clientIp, Optional<String> user) {
    this.request = request;
    this.target = target;
    this.clientIp = clientIp;
    this.user = user;
  }

  /** The git smart HTTP request this is, if any (for the proxy's own answers in git's framing). */
  Optional<GitHttpRequest> git() {
    return classified == null ? Optional.empty() : classified.git();
  }

  boolean clientIsHttp11() {
    return request.protocolVersion().compareTo(HttpVersion.HTTP_1_1) >= 0;
  }

  /** True when the request announces no body at all. */
  boolean hasNoBody() {
    return !HttpUtil.isTransferEncodingChunked(request) && HttpUtil.getContentLength(request, 0L) == 0;
  }

  /** RFC 9110 §9.2.2: may be sent again without changing what happens. */
  boolean isIdempotent() {
    return IDEMPOTENT.contains(request.method());
  }

  /** GET, HEAD or OPTIONS: asks, changes nothing. */
  boolean isSafeMethod() {
    HttpMethod m = request.method();
    return m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD) || m.equals(HttpMethod.OPTIONS);
  }

  boolean hasFallback() {
    return candidate + 1 < candidates.size();
  }

  Duration elapsed() {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  AccessRecord toRecord() {
    Optional<Classification> c =
        Optional.ofNullable(classified).map(HttpClassification::classification);
    return new AccessRecord(
        start,
        clientIp,
        user,
        request.method().name(),
        ProxyHeaders.pathOf(target),
        responseStarted ? status : AccessRecord.CLIENT_CLOSED,
        requestBytes,
        responseBytes,
        Optional.ofNullable(node).map(Node::name),
        c.map(Classification::requestClass),
        c.map(Classification::label).orElse("-"),
        outcome,
        elapsed());
  }
}
