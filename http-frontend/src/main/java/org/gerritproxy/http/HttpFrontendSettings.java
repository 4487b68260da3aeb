package org.gerritproxy.http;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.gerritproxy.routing.Cidr;
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
 * @param proxyProtocolFrom the sources (load balancers) whose connections must start with a PROXY
 *     protocol header naming the real client; from any other source such a header is refused
 * @param http2 with TLS, offer HTTP/2 by ALPN beside HTTP/1.1 (clients that do not ask for it, and
 *     every node, stay on HTTP/1.1); meaningless without TLS
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
    String proxyName,
    List<Cidr> proxyProtocolFrom,
    boolean http2) {

  public static final String DEFAULT_NODE_HEADER = "X-Gerrit-Proxy-Node";
  // The values production has always run with (the configuration's defaults); the frontend's own
  // tests run on them too, so that what is tested is what is deployed.
  public static final int DEFAULT_MAX_HEADER_SIZE = 32 * 1024;
  public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
  /** Browsers and git ask for HTTP/2 only where it helps them; nothing is lost by offering it. */
  public static final boolean DEFAULT_HTTP2 = true;

  /** An HTTP header name, as RFC 9110 defines a token. */
  private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  public HttpFrontendSettings {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(sslCertificate, "sslCertificate");
    Objects.requireNonNull(sslKey, "sslKey");
    Objects.requireNonNull(headerTimeout, "headerTimeout");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(nodeHeader, "nodeHeader");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(proxyName, "proxyName");
    proxyProtocolFrom = List.copyOf(proxyProtocolFrom);
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
    if (nodeHeader.isPresent() && !isHeaderName(nodeHeader.get())) {
      throw new IllegalArgumentException(
          "httpd.nodeHeader '" + nodeHeader.get() + "' is not a valid HTTP header name.");
    }
  }

  /** Settings that take no PROXY protocol header from anyone, HTTP/2 offered by default. */
  public HttpFrontendSettings(Endpoint listen, Optional<Path> sslCertificate, Optional<Path> sslKey,
      int maxHeaderSize, Duration headerTimeout, Duration idleTimeout, Optional<String> nodeHeader,
      Duration connectTimeout, String proxyName) {
    this(listen, sslCertificate, sslKey, maxHeaderSize, headerTimeout, idleTimeout, nodeHeader,
        connectTimeout, proxyName, List.of(), DEFAULT_HTTP2);
  }

  /** Plain HTTP on {@code listen} with the defaults: 32k headers, 10s/5m/5s timeouts. */
  public static HttpFrontendSettings defaults(Endpoint listen) {
    return new HttpFrontendSettings(
        listen,
        Optional.empty(),
        Optional.empty(),
        DEFAULT_MAX_HEADER_SIZE,
        DEFAULT_HEADER_TIMEOUT,
        DEFAULT_IDLE_TIMEOUT,
        Optional.of(DEFAULT_NODE_HEADER),
        DEFAULT_CONNECT_TIMEOUT,
        "gerrit-proxy");
  }

  /** True for a valid HTTP header name (an RFC 9110 token). */
  public static boolean isHeaderName(String name) {
    return HEADER_NAME.matcher(name).matches();
  }

  /** True when both a certificate and a key are configured. */
  public boolean isHttps() {
    return sslCertificate.isPresent();
  }

  public HttpFrontendSettings withListen(Endpoint newListen) {
    return new HttpFrontendSettings(newListen, sslCertificate, sslKey, maxHeaderSize, headerTimeout,
        idleTimeout, nodeHeader, connectTimeout, proxyName, proxyProtocolFrom, http2);
  }

  public HttpFrontendSettings withTls(Path certificate, Path key) {
    return new HttpFrontendSettings(listen, Optional.of(certificate), Optional.of(key), maxHeaderSize,
        headerTimeout, idleTimeout, nodeHeader, connectTimeout, proxyName, proxyProtocolFrom, http2);
  }

  public HttpFrontendSettings withMaxHeaderSize(int bytes) {
    return new HttpFrontendSettings(listen, sslCertificate, sslKey, bytes, headerTimeout,
        idleTimeout, nodeHeader, connectTimeout, proxyName, proxyProtocolFrom, http2);
  }

  public HttpFrontendSettings withTimeouts(Duration header, Duration idle, Duration connect) {
    return new HttpFrontendSettings(listen, sslCertificate, sslKey, maxHeaderSize, header, idle,
        nodeHeader, connect, proxyName, proxyProtocolFrom, http2);
  }

  public HttpFrontendSettings withNodeHeader(Optional<String> header) {
    return new HttpFrontendSettings(listen, sslCertificate, sslKey, maxHeaderSize, headerTimeout,
        idleTimeout, header, connectTimeout, proxyName, proxyProtocolFrom, http2);
  }

  public HttpFrontendSettings withProxyName(String name) {
    return new HttpFrontendSettings(listen, sslCertificate, sslKey, maxHeaderSize, headerTimeout,
        idleTimeout, nodeHeader, connectTimeout, name, proxyProtocolFrom, http2);
  }

  /** These settings taking PROXY protocol headers from {@code sources}. */
  public HttpFrontendSettings withProxyProtocolFrom(List<Cidr> sources) {
    return new HttpFrontendSettings(listen, sslCertificate, sslKey, maxHeaderSize, headerTimeout,
        idleTimeout, nodeHeader, connectTimeout, proxyName, sources, http2);
  }

  /** These settings offering HTTP/2 to TLS clients, or not. */
  public HttpFrontendSettings withHttp2(boolean offer) {
    return new HttpFrontendSettings(listen, sslCertificate, sslKey, maxHeaderSize, headerTimeout,
        idleTimeout, nodeHeader, connectTimeout, proxyName, proxyProtocolFrom, offer);
  }

  /** True when TLS clients may choose HTTP/2. */
  public boolean offersHttp2() {
    return http2 && isHttps();
  }

  private static void requirePositive(String name, Duration d) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, not " + d + ".");
    }
  }
}
