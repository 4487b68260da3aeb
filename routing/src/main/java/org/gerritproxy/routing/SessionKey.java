package org.gerritproxy.routing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/**
 * The session key that makes reads sticky: the {@code GerritAccount} cookie, else the user named
 * by the {@code Authorization} header or the SSH login, else the client address (docs/routing.md,
 * "Routing rules"). Keys carry a kind prefix ({@code cookie:}, {@code user:}, {@code addr:}) so
 * that a user name can never collide with a cookie or an address.
 *
 * <p>The cookie is a credential, so its key holds a SHA-256 digest of it, never the value: keys
 * may reach logs and the dashboard. Passwords never enter a key.
 */
public final class SessionKey {

  static final String COOKIE = "GerritAccount";
  private static final String UNKNOWN_ADDRESS = "addr:unknown";

  private SessionKey() {}

  /**
   * The key of an HTTP request.
   *
   * @param cookieHeader the {@code Cookie} header, or null
   * @param authorization the {@code Authorization} header, or null
   * @param clientAddress the client's address, with or without port ({@code 10.0.0.7:51234},
   *     {@code [::1]:51234}, {@code /10.0.0.7:51234} as {@code InetSocketAddress} prints it), or
   *     null
   */
  public static String forHttp(String cookieHeader, String authorization, String clientAddress) {
    Optional<String> cookie = gerritAccountCookie(cookieHeader);
    if (cookie.isPresent()) {
      return "cookie:" + digest(cookie.get());
    }
    Optional<String> user = userFromAuthorization(authorization);
    if (user.isPresent()) {
      return forUser(user.get());
    }
    return forAddress(clientAddress);
  }

  /** The key of an SSH session: its login user, so a user's SSH and HTTP reads meet. */
  public static String forSsh(String user) {
    return forUser(user);
  }

  /** The key of a Gerrit user, however the request named it. */
  public static String forUser(String user) {
    return "user:" + (user == null ? "" : user);
  }

  /**
   * The user of an {@code Authorization: Basic} header; empty for other schemes (Bearer tokens
   * name no user we can read), for malformed headers and for an empty user name.
   */
  public static Optional<String> userFromAuthorization(String authorization) {
    if (authorization == null) {
      return Optional.empty();
    }
    String h = authorization.strip();
    int space = indexOfWhitespace(h);
    if (space < 0 || !h.substring(0, space).equalsIgnoreCase("Basic")) {
      return Optional.empty();
    }
    String encoded = h.substring(space).strip();
    byte[] decoded;
    try {
      decoded = Base64.getDecoder().decode(encoded);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    if (decoded.length == 0) {
      return Optional.empty();
    }
    String credentials = new String(decoded, StandardCharsets.UTF_8);
    int colon = credentials.indexOf(':');
    if (colon <= 0) {
      // No colon means no user:password pair; never risk treating a password as a name.
      return Optional.empty();
    }
    return Optional.of(credentials.substring(0, colon));
  }

  /** The value of the first {@code GerritAccount} cookie in a {@code Cookie} header. */
  static Optional<String> gerritAccountCookie(String cookieHeader) {
    if (cookieHeader == null) {
      return Optional.empty();
    }
    // Several Cookie headers may have been folded with ',' by an intermediary.
    for (String pair : cookieHeader.split("[;,]")) {
      int eq = pair.indexOf('=');
      if (eq < 0) {
        continue;
      }
      String name = pair.substring(0, eq).strip();
      if (!name.equals(COOKIE)) {
        continue;
      }
      String value = pair.substring(eq + 1).strip();
      if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
        value = value.substring(1, value.length() - 1);
      }
      if (!value.isEmpty()) {
        return Optional.of(value);
      }
    }
    return Optional.empty();
  }

  static String forAddress(String clientAddress) {
    if (clientAddress == null) {
      return UNKNOWN_ADDRESS;
    }
    String a = clientAddress.strip();
    int slash = a.lastIndexOf('/');
    if (slash >= 0) {
      a = a.substring(slash + 1); // "host/10.0.0.7:51234" or "/10.0.0.7:51234"
    }
    if (a.startsWith("[")) {
      int close = a.indexOf(']');
      a = close > 0 ? a.substring(1, close) : a.substring(1);
    } else {
      int colon = a.indexOf(':');
      if (colon >= 0 && colon == a.lastIndexOf(':')) {
        a = a.substring(0, colon); // one colon: IPv4 or name with a port; more: bare IPv6
      }
    }
    int zone = a.indexOf('%');
    if (zone >= 0) {
      a = a.substring(0, zone);
    }
    a = a.toLowerCase(Locale.ROOT);
    return a.isEmpty() ? UNKNOWN_ADDRESS : "addr:" + a;
  }

  private static int indexOfWhitespace(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isWhitespace(s.charAt(i))) {
        return i;
      }
    }
    return -1;
  }

  private static String digest(String value) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
      StringBuilder sb = new StringBuilder(32);
      for (int i = 0; i < 16; i++) {
        sb.append(Character.forDigit((d[i] >> 4) & 0xF, 16)).append(Character.forDigit(d[i] & 0xF, 16));
      }
      return sb.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform provides SHA-256", e);
    }
  }
}
