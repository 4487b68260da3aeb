package org.gerritproxy.core;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;
import org.gerritproxy.core.events.EventLog;
import org.gerritproxy.http.HttpFrontendSettings;
import org.gerritproxy.http.HttpProxyServer;

/**
 * The HTTP frontend on its address, and its HTTPS certificate: the certificate and key files are
 * watched and read again when they change. Moving to another address starts a new server there;
 * the old one stops accepting and finishes the requests under way.
 */
final class HttpListener implements AutoCloseable {

  private final Function<HttpFrontendSettings, HttpProxyServer> servers;
  private final EventLog events;
  private volatile HttpProxyServer server;
  private volatile InetSocketAddress address;
  private volatile CertificateWatch certificateWatch = CertificateWatch.NONE;

  HttpListener(Function<HttpFrontendSettings, HttpProxyServer> servers, EventLog events) {
    this.servers = servers;
    this.events = events;
  }

  InetSocketAddress start(HttpFrontendSettings settings) throws IOException {
    server = servers.apply(settings);
    address = server.start();
    return address;
  }

  /**
   * Serves HTTP on {@code settings}' address from now on, with all of {@code settings}.
   *
   * @return why not, when that address cannot be bound: the server in use then stays
   */
  synchronized Optional<String> rebind(HttpFrontendSettings settings, Duration grace) {
    HttpProxyServer fresh;
    InetSocketAddress bound;
    try {
      fresh = servers.apply(settings);
      bound = fresh.start();
    } catch (IOException | RuntimeException e) {
      return Optional.of("[httpd] listenAddress = " + settings.listen() + " cannot be bound ("
          + e.getMessage() + "); HTTP is still served on " + address + ". Free the"
          + " address and reload, or restart the proxy.");
    }
    HttpProxyServer old = server;
    InetSocketAddress oldAddress = address;
    server = fresh;
    address = bound;
    old.stopAccepting();
    ProxyProcess.retire("httpd", () -> old.shutdownGracefully(grace));
    events.record("reload", "HTTP moved from " + oldAddress + " to " + bound
        + "; requests under way on the old address finish there");
    watchCertificate(settings);
    return Optional.empty();
  }

  /**
   * Serves HTTPS with {@code settings}' certificate and key files from now on.
   *
   * @return why not, when they cannot be used: the previous certificate then stays
   */
  synchronized Optional<String> useCertificate(HttpFrontendSettings settings) {
    try {
      server.reloadTls(settings.sslCertificate().get(), settings.sslKey().get());
      events.record("certificate", "HTTPS certificate now read from "
          + settings.sslCertificate().get());
      watchCertificate(settings);
      return Optional.empty();
    } catch (RuntimeException e) {
      return Optional.of("the new [httpd] sslCertificate/sslKey cannot be used (" + e.getMessage()
          + "); the previous certificate stays in use");
    }
  }

  /** New connections get {@code settings}' limits, timeouts and node header; same address. */
  synchronized void useSettings(HttpFrontendSettings settings) {
    server.useSettings(settings);
    events.record("reload", "[httpd] limits, timeouts or node header changed; connections"
        + " accepted from now on use them");
  }

  /** HTTPS: the certificate and key are read again when their files change. */
  synchronized void watchCertificate(HttpFrontendSettings settings) {
    certificateWatch.close();
    certificateWatch = CertificateWatch.start("HTTPS certificate", settings.sslCertificate(),
        settings.sslKey(), this::reloadTls, events);
  }

  private synchronized void reloadTls(Path certificate, Path key) {
    server.reloadTls(certificate, key);
  }

  InetSocketAddress address() {
    return address;
  }

  int openConnections() {
    return server.openConnections();
  }

  /** Stops accepting; requests in flight may take up to {@code grace}. */
  void shutdownGracefully(Duration grace) {
    certificateWatch.close();
    if (server != null) {
      server.shutdownGracefully(grace);
    }
  }

  @Override
  public void close() {
    shutdownGracefully(Duration.ZERO);
  }
}
