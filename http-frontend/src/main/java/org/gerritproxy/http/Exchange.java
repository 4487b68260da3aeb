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
import org.gerritproxy.routing.admission.FetchGate;
import org.gerritproxy.routing.traffic.AccessRecord;

/**
 * One request and its response as they cross the proxy: what was asked, where it went and how
 * far each direction has got ({@link RequestState}, {@link ResponseState}; they change only
 * through the events below). Touched only on the client connection's event loop.
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
  /** A push to a replicated cluster: its commands, read as the body passes; else null. */
  org.gerritproxy.routing.replication.ReceiveCommands receiveCommands;
  /** Set once the push was told to the replica tracker: what to run when it is over. */
  Runnable pushFinished;
  String sessionKey;
  boolean clientKeepAlive;
  /** The client sent this request as one stream of an HTTP/2 connection. */
  boolean http2;

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
  /** Its place in the fetch queue: set for a git-upload-pack RPC, released when it ends. */
  FetchGate.Admission admission;
  /** The access record was written: once, whichever way the exchange ended. */
  boolean finished;

  /** How far the client's request has got on its way to the node. */
  enum RequestState {
    /** Body chunks are read from the client and written to the node, one at a time. */
    STREAMING,
    /** The rest of the body is read and dropped (refused, or answered already); its end is awaited. */
    DISCARDING,
    /** The client's last chunk is read, and on its way to the node. */
    RECEIVED,
    /** The whole request reached the node. */
    SENT,
    /** Nothing more of the request is awaited; whatever of it still comes is dropped. */
    DROPPED
  }

  /** How far the response has got on its way to the client. */
  enum ResponseState {
    /** Nothing went to the client yet: the node has not answered, and a retry is possible. */
    AWAITED,
    /** The node sent a 1xx; its empty end comes next, then the real response. */
    INTERIM,
    /** The node's head went to the client; its body follows as the node sends it. */
    STREAMING,
    /** The node's last chunk is read, and on its way to the client. */
    RECEIVED,
    /** The proxy's own answer (a refusal or an error) is on its way to the client. */
    ANSWERED,
    /** The response's last byte reached the client. */
    DONE
  }

  private RequestState requestState = RequestState.STREAMING;
  private ResponseState responseState = ResponseState.AWAITED;

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

  // ---------------------------------------------------------------- the states and their changes

  RequestState requestState() {
    return requestState;
  }

  ResponseState responseState() {
    return responseState;
  }

  /** The client's last chunk was read, or is no longer awaited (the connection closes). */
  void requestEnded() {
    requestState = switch (requestState) {
      case STREAMING -> RequestState.RECEIVED;
      case DISCARDING -> RequestState.DROPPED;
      case RECEIVED, SENT, DROPPED -> requestState;
    };
  }

  /** From here on the rest of the body, if any, is read and dropped. */
  void discardBody() {
    requestState = switch (requestState) {
      case STREAMING -> RequestState.DISCARDING;
      case RECEIVED, SENT -> RequestState.DROPPED;
      case DISCARDING, DROPPED -> requestState;
    };
  }

  /** The last chunk reached the node. */
  void requestSent() {
    requestState = switch (requestState) {
      case RECEIVED -> RequestState.SENT;
      default -> illegal("request sent", requestState);
    };
  }

  /**
   * The request goes to a backend connection: on a retry, what was sent is sent again and
   * answered anew.
   */
  void connectionAttached() {
    requestState = switch (requestState) {
      case STREAMING, RECEIVED -> requestState;
      case SENT -> RequestState.RECEIVED;
      case DISCARDING, DROPPED -> illegal("attach", requestState);
    };
    responseState = switch (responseState) {
      case AWAITED, INTERIM -> ResponseState.AWAITED;
      default -> illegal("attach", responseState);
    };
  }

  /** The node sent a 1xx head. */
  void interimStarted() {
    responseState = switch (responseState) {
      case AWAITED, INTERIM -> ResponseState.INTERIM;
      default -> illegal("1xx", responseState);
    };
  }

  /** The (empty) end of a 1xx: the real response follows. */
  void interimEnded() {
    responseState = switch (responseState) {
      case INTERIM -> ResponseState.AWAITED;
      default -> illegal("end of 1xx", responseState);
    };
  }

  /** The node's response head went to the client. */
  void headRelayed() {
    responseState = switch (responseState) {
      case AWAITED -> ResponseState.STREAMING;
      default -> illegal("response head", responseState);
    };
  }

  /** The node's last chunk was read. */
  void responseReceived() {
    responseState = switch (responseState) {
      case STREAMING -> ResponseState.RECEIVED;
      default -> illegal("end of response", responseState);
    };
  }

  /** The proxy answers itself. */
  void answered() {
    responseState = switch (responseState) {
      case AWAITED, INTERIM -> ResponseState.ANSWERED;
      default -> illegal("the proxy's answer", responseState);
    };
  }

  /** The response's last byte reached the client. */
  void responseWritten() {
    responseState = switch (responseState) {
      case RECEIVED, ANSWERED -> ResponseState.DONE;
      default -> illegal("response written", responseState);
    };
  }

  /** Chunks of the request are no longer forwarded: dropped, or the client's end was read. */
  boolean discarding() {
    return requestState == RequestState.DISCARDING || requestState == RequestState.DROPPED;
  }

  /** The client's last chunk was read (or is no longer awaited). */
  boolean requestReceived() {
    return requestState == RequestState.RECEIVED || requestState == RequestState.SENT
        || requestState == RequestState.DROPPED;
  }

  /** Something of the response went to the client: it can no longer be retried or replaced. */
  boolean responseStarted() {
    return responseState.compareTo(ResponseState.STREAMING) >= 0;
  }

  /** The node's response is complete. */
  boolean nodeDone() {
    return responseState == ResponseState.RECEIVED || responseState == ResponseState.DONE;
  }

  boolean responseDone() {
    return responseState == ResponseState.DONE;
  }

  /**
   * A change the flow of the handlers cannot make: a bug. Tests run with assertions on; in
   * production the state stays as it was rather than fail an exchange that may still succeed.
   */
  private static <S extends Enum<S>> S illegal(String event, S state) {
    assert false : event + " in state " + state;
    return state;
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

  /** For logs and debugging: the request and where each direction stands. */
  @Override
  public String toString() {
    return request.method() + " " + ProxyHeaders.pathOf(target) + " request=" + requestState
        + " response=" + responseState + (node == null ? "" : " node=" + node.name());
  }

  AccessRecord<HttpRequestLine> toRecord() {
    Optional<Classification> c =
        Optional.ofNullable(classified).map(HttpClassification::classification);
    return new AccessRecord<>(
        AccessRecord.Frontend.HTTP,
        start,
        clientIp,
        user,
        c.map(Classification::requestClass),
        c.map(Classification::label).orElse("-"),
        Optional.ofNullable(node).map(Node::name),
        responseStarted() ? status : AccessRecord.CLIENT_CLOSED,
        outcome,
        requestBytes,
        responseBytes,
        elapsed(),
        new HttpRequestLine(request.method().name(), ProxyHeaders.pathOf(target),
            http2 ? HttpRequestLine.HTTP_2 : HttpRequestLine.HTTP_1));
  }
}
