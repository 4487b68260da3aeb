package org.gerritproxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.gerritproxy.routing.GitHttpRequest;

/**
 * Writes what git shows its user: pkt-lines ({@code ERR}, side-band error) for the RPC POSTs,
 * where git ignores the body of any status but 200. Which requests are git's is the classifier's
 * to say ({@link org.gerritproxy.routing.HttpClassification#git}).
 */
final class GitSmartHttp {

  private GitSmartHttp() {}

  /**
   * The body of a refused RPC, in the form this service's client reads first: {@code ERR} for
   * upload-pack (fetch-pack dies with {@code remote error: ...}), a side-band error packet for
   * receive-pack (send-pack demultiplexes its report and prints {@code remote: ...}).
   */
  static ByteBuf refusalBody(String service, String message) {
    String line = truncate(message.replace('\n', ' '), 1000);
    if (service.equals(GitHttpRequest.RECEIVE_PACK)) {
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
