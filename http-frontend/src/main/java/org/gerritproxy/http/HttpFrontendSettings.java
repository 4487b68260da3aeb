package org.gerritproxy.http;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.gerritproxy.routing.Endpoint;

/**
 * The {@code [httpd]} settings of the HTTP frontend, validated once and then immutable.
 *
 * @param listen where to listen; host {@code *} means every address, port 0 any free port
 * @param sslCertificate PEM certificate chain; with {@code sslKey} it makes the frontend HTTPS
 * @param sslKey PEM private key (PKCS#8) of {@code sslCertificate}
 * @param maxHeaderSize the largest request header block, and the longest request line, in bytes
 * @param headerTimeout how long a client may take to send a request's headers, counted from the
 *     connection's start for its first request and from the request's first byte afterwards
 * @param idleTimeout how long a kept-alive connection may wait for its next request; also how
 *     long an idle backend connection is kept for reuse
 * @param nodeHeader the response header naming the node that served the request; empty for none
 * @param connectTimeout how long to wait for a backend connection
 * @param proxyName this proxy's name, for logs
 */
public record HttpFrontendSettings(
    Endpoint listen,
    Optional<Path> sslCertificate,
    Optional<Path> sslKey,
    int maxHeaderSize,
    Duration headerTimeout,
    Duration idleTimeout,
    Optional<String> nodeHeader,
    Duration connectTimeout,
    String proxyName) {

  public static final String DEFAULT_NODE_HEADER = "X-Gerrit-Proxy-Node";
  public static final int DEFAULT_MAX_HEADER_SIZE = 16 * 1024;

  public HttpFrontendSettings {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(sslCertificate, "sslCertificate");
    Objects.requireNonNull(sslKey, "sslKey");
    Objects.requireNonNull(headerTimeout, "headerTimeout");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(nodeHeader, "nodeHeader");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(proxyName, "proxyName");
    if (sslCertificate.isPresent() != sslKey.isPresent()) {
      throw new IllegalArgumentException(
          "httpd.sslCertificate and httpd.sslKey go together: set both for HTTPS, or neither.");
    }
    if (maxHeaderSize < 1024) {
      throw new IllegalArgumentException(
          "httpd.maxHeaderSize must be at least 1k, not " + maxHeaderSize + " bytes.");
    }
    requirePositive("httpd.headerTimeout", headerTimeout);
    requirePositive("httpd.idleTimeout", idleTimeout);
    requirePositive("httpd.connectTimeout", connectTimeout);
    if (nodeHeader.isPresent() && !nodeHeader.get().matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
      throw new IllegalArgumentException(
          "httpd.nodeHeader '" + nodeHeader.get() + "' is not a valid HTTP header name.");
    }
  }

  /** Plain HTTP on {@code listen} with the defaults: 16k headers, 20s/30s/5s timeouts. */
  public static HttpFrontendSettings defaults(Endpoint listen) {
    return new HttpFrontendSettings(
        listen,
        Optional.empty(),
        Optional.empty(),
        DEFAULT_MAX_HEADER_SIZE,
        Duration.ofSeconds(20),
        Duration.ofSeconds(30),
        Optional.of(DEFAULT_NODE_HEADER),
        Duration.ofSeconds(5),
        "gerrit-proxy");
  }

  /** True when both a certificate and a key are configured. */
  public boolean isHttps() {
    return sslCertificate.isPresent();
  }

  public HttpFrontendSettings withListen(Endpoint newListen) {
    return new HttpFrontendSettings(newListen, sslCertificate, sslKey, maxHeaderSize, headerTimeout,
        idleTimeout, nodeHeader, connectTimeout, proxyName);
  }

  public HttpFrontendSettings withTls(Path certificate, Path key) {
    return new HttpFrontendSettings(listen, Optional.of(certificate), Optional.of(key), maxHeaderSize,
        headerTimeout, idleTimeout, nodeHeader, connectTimeout, proxyName);
  }

  public HttpFrontendSettings withMaxHeaderSize(int bytes) {
    return new HttpFrontendSettings(listen, sslCertificate, sslKey, bytes, headerTimeout,
        idleTimeout, nodeHeader, connectTimeout, proxyName);
  }

  public HttpFrontendSettings withTimeouts(Duration header, Duration idle, Duration connect) {
    return new HttpFrontendSettings(listen, sslCertificate, sslKey, maxHeaderSize, header, idle,
        nodeHeader, connect, proxyName);
  }

  public HttpFrontendSettings withNodeHeader(Optional<String> header) {
    return new HttpFrontendSettings(listen, sslCertificate, sslKey, maxHeaderSize, headerTimeout,
        idleTimeout, header, connectTimeout, proxyName);
  }

  public HttpFrontendSettings withProxyName(String name) {
    return new HttpFrontendSettings(listen, sslCertificate, sslKey, maxHeaderSize, headerTimeout,
        idleTimeout, nodeHeader, connectTimeout, name);
  }

  private static void requirePositive(String name, Duration d) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, not " + d + ".");
    }
  }
}
