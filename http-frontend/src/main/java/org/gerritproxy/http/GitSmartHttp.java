package org.gerritproxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Recognises git's smart HTTP requests and writes what git shows its user: pkt-lines ({@code
 * ERR}, side-band error) for the RPC POSTs, where git ignores the body of any status but 200.
 */
final class GitSmartHttp {

  static final String UPLOAD_PACK = "git-upload-pack";
  static final String RECEIVE_PACK = "git-receive-pack";

  /** Which request of the protocol this is. */
  enum Step {
    /** {@code GET .../info/refs?service=git-*-pack}: the ref advertisement. */
    ADVERTISEMENT,
    /** {@code POST .../git-*-pack}: the negotiation or the pack itself. */
    RPC
  }

  /** A smart HTTP request: its step and service ({@code git-upload-pack} or {@code git-receive-pack}). */
  record Request(Step step, String service) {}

  private GitSmartHttp() {}

  /** The smart HTTP request this is, if it is one. */
  static Optional<Request> recognise(HttpRequest request, String originTarget) {
    String path = ProxyHeaders.pathOf(originTarget);
    if (request.method().equals(HttpMethod.POST)) {
      for (String service : new String[] {UPLOAD_PACK, RECEIVE_PACK}) {
        if (path.endsWith("/" + service)) {
          return Optional.of(new Request(Step.RPC, service));
        }
      }
      return Optional.empty();
    }
    if (path.endsWith("/info/refs")) {
      int q = originTarget.indexOf('?');
      String query = q < 0 ? "" : originTarget.substring(q + 1);
      for (String param : query.split("&")) {
        if (param.equals("service=" + UPLOAD_PACK) || param.equals("service=" + RECEIVE_PACK)) {
          return Optional.of(new Request(Step.ADVERTISEMENT, param.substring("service=".length())));
        }
      }
    }
    return Optional.empty();
  }

  /**
   * The body of a refused RPC, in the form this service's client reads first: {@code ERR} for
   * upload-pack (fetch-pack dies with {@code remote error: ...}), a side-band error packet for
   * receive-pack (send-pack demultiplexes its report and prints {@code remote: ...}).
   */
  static ByteBuf refusalBody(String service, String message) {
    String line = truncate(message.replace('\n', ' '), 1000);
    if (service.equals(RECEIVE_PACK)) {
      return pktLine("\u0003" + line + "\n");
    }
    return pktLine("ERR " + line);
  }

  /** The content type of an RPC result. */
  static String resultType(String service) {
    return "application/x-" + service + "-result";
  }

  static ByteBuf pktLine(String payload) {
    byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
    byte[] length = String.format("%04x", bytes.length + 4).getBytes(StandardCharsets.US_ASCII);
    return Unpooled.wrappedBuffer(length, bytes);
  }

  private static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "...";
  }
}
