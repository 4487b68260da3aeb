package org.gerritproxy.http;

import java.util.Objects;

/**
 * The HTTP-only part of an {@link org.gerritproxy.routing.traffic.AccessRecord}: what was asked.
 *
 * @param method the request method
 * @param path the request path, without query string (which may carry tokens)
 * @param protocol how the client spoke: {@link #HTTP_1} (1.0 or 1.1) or {@link #HTTP_2}
 */
public record HttpRequestLine(String method, String path, String protocol) {
  public static final String HTTP_1 = "HTTP/1.1";
  public static final String HTTP_2 = "HTTP/2";

  public HttpRequestLine {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(protocol, "protocol");
  }

  /** A request over HTTP/1. */
  public HttpRequestLine(String method, String path) {
    this(method, path, HTTP_1);
  }
}
