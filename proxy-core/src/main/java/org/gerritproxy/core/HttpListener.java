package org.gerritproxy.core;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.gerritproxy.core.config.ConfigFileWatcher;
import org.gerritproxy.core.events.EventLog;
import org.gerritproxy.http.HttpFrontendSettings;
import org.gerritproxy.http.HttpProxyServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP frontend on its address, and its HTTPS certificate: the certificate and key files are
 * watched and read again when they change. Moving to another address starts a new server there;
 * the old one stops accepting and finishes the requests under way.
 */
final class HttpListener implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpListener.class);

  private final Function<HttpFrontendSettings, HttpProxyServer> servers;
  private final EventLog events;
  private volatile HttpProxyServer server;
  private volatile InetSocketAddress address;
  private volatile ConfigFileWatcher certificateWatcher;

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
    ConfigFileWatcher old = certificateWatcher;
    certificateWatcher = null;
    if (old != null) {
      old.close();
    }
    if (!settings.isHttps()) {
      return;
    }
    Path certificate = settings.sslCertificate().get();
    Path key = settings.sslKey().get();
    try {
      certificateWatcher = ConfigFileWatcher.start(List.of(certificate, key),
          Duration.ofMillis(200), () -> reloadCertificate(certificate, key));
    } catch (IOException e) {
      log.warn("cannot watch {} for changes ({}); a new certificate needs a restart",
          certificate, e.getMessage());
    }
  }

  private synchronized void reloadCertificate(Path certificate, Path key) {
    try {
      server.reloadTls(certificate, key);
      events.record("certificate", "HTTPS certificate reloaded from " + certificate
          + "; new connections get it");
    } catch (RuntimeException e) {
      events.record("certificate-failed", "the HTTPS certificate was not reloaded; the previous one"
          + " stays in use: " + e.getMessage());
    }
  }

  InetSocketAddress address() {
    return address;
  }

  int openConnections() {
    return server.openConnections();
  }

  /** Stops accepting; requests in flight may take up to {@code grace}. */
  void shutdownGracefully(Duration grace) {
    ConfigFileWatcher w = certificateWatcher;
    if (w != null) {
      w.close();
    }
    if (server != null) {
      server.shutdownGracefully(grace);
    }
  }

  @Override
  public void close() {
    shutdownGracefully(Duration.ZERO);
  }
}
