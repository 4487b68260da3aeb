package org.gerritproxy.routing.packcache;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.gerritproxy.routing.git.PktLines;

/**
 * Which requests around a fetch may be answered together, and which answers may be shared: the
 * ref-side requests of a CI storm (the protocol v2 capability advertisement and the user's own
 * {@code ls-refs}), sent by many clients of one account at once, cost Gerrit as much as the tiny
 * fetch the pack cache answers. Concurrent <em>identical</em> ones, with the <em>same
 * credentials</em>, can be asked of Gerrit once.
 *
 * <p>Identical means byte for byte: method, target, node, the body as sent, and every request
 * header but those that only frame the connection ({@link #NOT_KEYED}). The credentials
 * ({@code Authorization}, {@code Cookie}) are headers like the others, so two users never share:
 * not even two users whom Gerrit would show the same refs.
 *
 * <p>Pure decisions; the waiting and the I/O are the HTTP frontend's.
 */
public final class Coalescing {

  private Coalescing() {}

  /** What a request is, as far as coalescing goes. */
  public enum Kind {
    /** {@code GET .../info/refs?service=git-upload-pack}. */
    ADVERTISEMENT,
    /** {@code POST .../git-upload-pack}. */
    UPLOAD_PACK_RPC,
    /** Anything else. */
    OTHER
  }

  /**
   * One client request, read whole.
   *
   * @param method the HTTP method
   * @param target the request target as the client sent it (origin form)
   * @param node the node the request would be routed to
   * @param kind what the request is
   * @param headers every request header as sent, in order (names in any case)
   * @param body the body as sent (maybe gzip; empty for a GET)
   * @param command the protocol v2 {@code command=} of an RPC body (read by the caller, which
   *     inflates it), or empty
   */
  public record Request(String method, String target, String node, Kind kind,
      List<Map.Entry<String, String>> headers, byte[] body, Optional<String> command) {
    public Request {
      Objects.requireNonNull(method, "method");
      Objects.requireNonNull(target, "target");
      Objects.requireNonNull(node, "node");
      Objects.requireNonNull(kind, "kind");
      headers = List.copyOf(headers);
      Objects.requireNonNull(body, "body");
      Objects.requireNonNull(command, "command");
    }
  }

  /** Whether a request may wait for an identical one's answer. */
  public sealed interface Decision {
    /** It may: requests with equal keys are identical. */
    record Join(String key) implements Decision {}

    /** It goes to Gerrit on its own, for {@code why}. */
    record Alone(String why) implements Decision {}
  }

  /**
   * Headers left out of the key: hop-by-hop ones (they frame one connection, the relay drops
   * them), the length (the body is keyed), and the client address the proxy itself reports.
   */
  static final Set<String> NOT_KEYED = Set.of("connection", "keep-alive", "proxy-connection",
      "te", "trailer", "transfer-encoding", "upgrade", "content-length", "x-forwarded-for");

  /** The largest answer shared; a larger one goes to its own client only. */
  public static final int MAX_SHARED_ANSWER = 16 * 1024 * 1024;

  public static Decision decide(Request r) {
    Optional<String> header = header(r.headers(), "expect");
    if (header.isPresent()) {
      return new Decision.Alone("Expect: the client waits for an interim answer of its own");
    }
    String protocol = header(r.headers(), "git-protocol").orElse("");
    if (!protocol.contains("version=2")) {
      return new Decision.Alone("not protocol v2");
    }
    switch (r.kind()) {
      case ADVERTISEMENT -> {
        if (!r.method().equals("GET") || r.body().length > 0) {
          return new Decision.Alone("an advertisement is a GET without a body");
        }
      }
      case UPLOAD_PACK_RPC -> {
        if (!r.method().equals("POST")) {
          return new Decision.Alone("an RPC is a POST");
        }
        // The fetch itself is the pack cache's; other commands may be added to git later.
        if (!r.command().equals(Optional.of("ls-refs"))) {
          return new Decision.Alone("command " + r.command().orElse("(none)")
              + " is not ls-refs");
        }
      }
      case OTHER -> {
        return new Decision.Alone("neither a capability advertisement nor an ls-refs");
      }
    }
    return new Decision.Join(key(r));
  }

  /** The digest of everything that shapes Gerrit's answer to {@code r}. */
  static String key(Request r) {
    MessageDigest d;
    try {
      d = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    field(d, r.method());
    field(d, r.target());
    field(d, r.node());
    // By name (without case), values of one name in the order sent: a reordering of different
    // headers is the same request, a reordering of one header's values may not be.
    List<Map.Entry<String, String>> keyed = new ArrayList<>();
    for (Map.Entry<String, String> h : r.headers()) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (!NOT_KEYED.contains(name)) {
        keyed.add(Map.entry(name, h.getValue()));
      }
    }
    keyed.sort(Comparator.comparing(Map.Entry::getKey)); // stable: values keep their order
    field(d, String.valueOf(keyed.size()));
    for (Map.Entry<String, String> h : keyed) {
      field(d, h.getKey());
      field(d, h.getValue());
    }
    d.update(Integer.toString(r.body().length).getBytes(StandardCharsets.UTF_8));
    d.update((byte) 0);
    d.update(r.body());
    return HexFormat.of().formatHex(d.digest());
  }

  /** Length-prefixed, so that no two different field lists digest the same bytes. */
  private static void field(MessageDigest d, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    d.update(Integer.toString(b.length).getBytes(StandardCharsets.UTF_8));
    d.update((byte) ':');
    d.update(b);
  }

  /**
   * Why the answer a node gave one request may not be given to the identical requests that waited
   * for it, or empty when it may. Only a plain success is shared: a challenge or refusal
   * ({@code 401}, {@code 403}, {@code 404}) and an error ({@code 5xx}) go to the request that got
   * them, and each waiting request asks Gerrit itself; so does an answer that sets a cookie (a
   * session is one client's), an answer in another framing than git's, one that carries git's
   * {@code ERR} (a refusal, maybe the proxy's own), and one larger than
   * {@link #MAX_SHARED_ANSWER}.
   *
   * @param headers the answer's headers as the node sent them
   * @param body the whole body, or null when it was larger than {@link #MAX_SHARED_ANSWER}
   */
  public static Optional<String> unshareableBecause(Kind kind, int status,
      List<Map.Entry<String, String>> headers, byte[] body) {
    if (status != 200) {
      return Optional.of("status " + status);
    }
    if (header(headers, "set-cookie").isPresent()) {
      return Optional.of("it sets a cookie");
    }
    if (header(headers, "www-authenticate").isPresent()) {
      return Optional.of("it asks for credentials");
    }
    String type = header(headers, "content-type").orElse("");
    String expected = kind == Kind.ADVERTISEMENT
        ? "application/x-git-upload-pack-advertisement" : "application/x-git-upload-pack-result";
    if (!type.toLowerCase(Locale.ROOT).startsWith(expected)) {
      return Optional.of("content type '" + type + "'");
    }
    if (body == null) {
      return Optional.of("larger than " + MAX_SHARED_ANSWER + " bytes");
    }
    if (header(headers, "content-encoding").isEmpty() && carriesError(body)) {
      return Optional.of("an ERR line");
    }
    return Optional.empty();
  }

  /** True when the body's first pkt-line is git's {@code ERR}, or the body is no pkt-lines. */
  private static boolean carriesError(byte[] body) {
    try {
      List<PktLines.Line> lines = PktLines.parse(body);
      return !lines.isEmpty() && lines.get(0).kind() == PktLines.Kind.DATA
          && lines.get(0).text().startsWith("ERR ");
    } catch (IllegalArgumentException e) {
      return true;
    }
  }

  private static Optional<String> header(List<Map.Entry<String, String>> headers, String name) {
    for (Map.Entry<String, String> h : headers) {
      if (h.getKey().equalsIgnoreCase(name)) {
        return Optional.of(h.getValue());
      }
    }
    return Optional.empty();
  }
}
