package org.gerritproxy.routing;

import java.util.Optional;

/**
 * An HTTP request-target, read once: the origin form the proxy forwards, and the path and query
 * that are judged. The two differ on purpose: what is forwarded is what the client wrote, only
 * without scheme and authority (which must never choose a backend); what is judged is what the
 * server will make of it, without surrounding whitespace and fragment.
 *
 * @param originForm {@code /path?query} or {@code *}, to send on as written; empty when the
 *     target is neither a path, {@code *} nor an http(s) URL with an authority
 * @param form the shape of the judged target
 * @param path the judged path, still percent-encoded; for the other forms the target as
 *     received, to quote in a refusal
 * @param query the judged query, still percent-encoded; empty when there is none
 */
public record RequestTarget(Optional<String> originForm, Form form, String path, String query) {

  /** The shapes of a request-target (RFC 9112 §3.2) as the classifier tells them apart. */
  public enum Form {
    /** A path, from the origin form or from an absolute URL of any scheme. */
    PATH,
    /** {@code *}: the server as a whole, for OPTIONS only. */
    ASTERISK,
    /** Neither: {@code host:443}, {@code project/x}, an empty target. */
    NOT_A_PATH
  }

  /** Reads {@code raw}, the request-target as received, still percent-encoded. */
  public static RequestTarget parse(String raw) {
    Optional<String> originForm = originForm(raw);
    String judged = stripFragment(raw.strip());
    if (judged.equals("*")) {
      return new RequestTarget(originForm, Form.ASTERISK, raw, "");
    }
    judged = pathOfAbsolute(judged);
    if (!judged.startsWith("/")) {
      return new RequestTarget(originForm, Form.NOT_A_PATH, raw, "");
    }
    int q = judged.indexOf('?');
    return q < 0
        ? new RequestTarget(originForm, Form.PATH, judged, "")
        : new RequestTarget(originForm, Form.PATH, judged.substring(0, q), judged.substring(q + 1));
  }

  /**
   * The target in origin form ({@code /path?query}): absolute-form targets lose scheme, user info
   * and authority. Empty when the target is neither, e.g. {@code foo} or {@code http:///x}.
   */
  private static Optional<String> originForm(String raw) {
    if (raw.startsWith("/") || raw.equals("*")) {
      return Optional.of(raw);
    }
    int scheme = raw.indexOf("://");
    if (scheme <= 0 || !raw.substring(0, scheme).matches("(?i)https?")) {
      return Optional.empty();
    }
    int start = scheme + 3;
    int end = start;
    while (end < raw.length() && "/?#".indexOf(raw.charAt(end)) < 0) {
      end++;
    }
    if (end == start) {
      return Optional.empty();
    }
    String rest = raw.substring(end);
    if (rest.isEmpty() || rest.startsWith("#")) {
      return Optional.of("/");
    }
    return Optional.of(rest.startsWith("?") ? "/" + rest : rest);
  }

  private static String stripFragment(String s) {
    int hash = s.indexOf('#');
    return hash < 0 ? s : s.substring(0, hash);
  }

  /**
   * {@code scheme://authority/path?query} becomes {@code /path?query}, whatever the scheme: the
   * classifier judges every target by its path, even one the frontend refuses to forward.
   */
  private static String pathOfAbsolute(String target) {
    int sep = target.indexOf("://");
    if (sep <= 0 || !isScheme(target, sep)) {
      return target;
    }
    int rest = sep + 3;
    int end = target.length();
    for (int i = rest; i < target.length(); i++) {
      char c = target.charAt(i);
      if (c == '/' || c == '?') {
        end = i;
        break;
      }
    }
    String tail = target.substring(end);
    return tail.startsWith("/") ? tail : "/" + tail;
  }

  private static boolean isScheme(String s, int end) {
    if (!isAsciiLetter(s.charAt(0))) {
      return false;
    }
    for (int i = 1; i < end; i++) {
      char c = s.charAt(i);
      if (!isAsciiLetter(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') {
        return false;
      }
    }
    return true;
  }

  private static boolean isAsciiLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }
}
