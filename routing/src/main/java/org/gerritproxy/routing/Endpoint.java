package org.gerritproxy.routing;

import java.util.Objects;

/** A host and port, as written in configuration ({@code host:port}, {@code [::1]:port}). */
public record Endpoint(String host, int port) {

  public Endpoint {
    Objects.requireNonNull(host, "host");
    if (host.isEmpty()) {
      throw new IllegalArgumentException("host must not be empty");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " is outside 0..65535");
    }
  }

  /**
   * Parses {@code host:port}, {@code [v6]:port} or {@code *:port} (host {@code *} means every
   * address).
   *
   * @throws IllegalArgumentException with a sentence saying what is wrong
   */
  public static Endpoint parse(String text) {
    Objects.requireNonNull(text, "text");
    String s = text.trim();
    int colon = s.lastIndexOf(':');
    if (colon <= 0 || colon == s.length() - 1) {
      throw new IllegalArgumentException("'" + text + "' is not host:port");
    }
    String host = s.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      throw new IllegalArgumentException("'" + text + "': write an IPv6 host in brackets, [::1]:29418");
    }
    int port;
    try {
      port = Integer.parseInt(s.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "': the port is not a number");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("'" + text + "': port " + port + " is outside 0..65535");
    }
    return new Endpoint(host, port);
  }

  /** True for {@code *}: listen on every address. */
  public boolean isWildcard() {
    return host.equals("*");
  }

  /**
   * True for {@code localhost}, {@code 127.x.x.x} and {@code ::1}: reachable from this host only.
   * Decided from the text alone, as written, so that the answer does not hang on DNS.
   */
  public boolean isLoopback() {
    String h = host.toLowerCase(java.util.Locale.ROOT);
    return h.equals("localhost")
        || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")
        || h.equals("::1")
        || h.equals("0:0:0:0:0:0:0:1");
  }

  @Override
  public String toString() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
