package org.gerritproxy.http;

import java.util.Objects;

/**
 * The HTTP-only part of an {@link org.gerritproxy.routing.traffic.AccessRecord}: what was asked.
 *
 * @param method the request method
 * @param path the request path, without query string (which may carry tokens)
 */
public record HttpRequestLine(String method, String path) {
  public HttpRequestLine {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(path, "path");
  }
}
