package org.gerritproxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.gerritproxy.routing.GitHttpRequest;
import org.gerritproxy.routing.RouteDecision;

/**
 * The responses the proxy itself writes: refusals of the Router and errors of the proxy, each a
 * sentence in {@code text/plain}, or in git's own framing where git would otherwise hide it.
 */
final class RefusalResponse {

  /** Seconds a client should wait before retrying a 503. */
  static final int RETRY_AFTER_SECONDS = 10;

  private RefusalResponse() {}

  /**
   * The response to a refusal. Plain text with 503 + Retry-After (or 403), which git prints as
   * {@code remote: ...} lines for the ref advertisement; for git's RPC POSTs a 200 whose body is
   * git's own error packet, since git shows no body of a failed POST.
   */
  static FullHttpResponse forRefusal(
      RouteDecision.Refuse refusal, Optional<GitHttpRequest> git, boolean keepAlive) {
    if (git.isPresent() && git.get().step() == GitHttpRequest.Step.RPC) {
      String service = git.get().service();
      FullHttpResponse r = response(HttpResponseStatus.OK,
          GitSmartHttp.refusalBody(service, refusal.message()), GitSmartHttp.resultType(service),
          keepAlive);
      r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
      return r;
    }
    HttpResponseStatus status = refusal.reason() == RouteDecision.Refusal.FORBIDDEN
        ? HttpResponseStatus.FORBIDDEN
        : HttpResponseStatus.SERVICE_UNAVAILABLE;
    FullHttpResponse r = plainText(status, refusal.message(), keepAlive);
    if (status == HttpResponseStatus.SERVICE_UNAVAILABLE) {
      r.headers().set(HttpHeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS);
    }
    return r;
  }

  /**
   * The proxy's answer when a node failed before answering: plain text with {@code status}, or
   * for git's RPC POSTs a 200 with git's own error packet, since git prints no body of a failed
   * POST (only "RPC failed; HTTP 502"), and the user would not learn what happened.
   */
  static FullHttpResponse failure(HttpResponseStatus status, String message,
      Optional<GitHttpRequest> git, boolean keepAlive) {
    if (git.isPresent() && git.get().step() == GitHttpRequest.Step.RPC) {
      String service = git.get().service();
      FullHttpResponse r = response(HttpResponseStatus.OK,
          GitSmartHttp.refusalBody(service, message), GitSmartHttp.resultType(service), keepAlive);
      r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
      return r;
    }
    return plainText(status, message, keepAlive);
  }

  /** A short {@code text/plain} response: {@code message} and a newline. */
  static FullHttpResponse plainText(HttpResponseStatus status, String message, boolean keepAlive) {
    ByteBuf body = Unpooled.copiedBuffer(message + "\n", StandardCharsets.UTF_8);
    FullHttpResponse r = response(status, body, "text/plain; charset=UTF-8", keepAlive);
    r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    return r;
  }

  private static FullHttpResponse response(
      HttpResponseStatus status, ByteBuf body, String contentType, boolean keepAlive) {
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
    if (!keepAlive) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    return r;
  }
}
