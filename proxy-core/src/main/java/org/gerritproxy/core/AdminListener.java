package org.gerritproxy.core;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Optional;
import org.gerritproxy.core.admin.AdminServer;
import org.gerritproxy.core.config.ProxyConfig;
import org.gerritproxy.core.config.Secret;
import org.gerritproxy.core.events.EventLog;

/**
 * The admin pages on their address. Moving them starts a new server there; the old one closes a
 * moment later, since the reload that moves it may be answering {@code POST /reload} on it. Over
 * HTTPS, the certificate and key are read again when their files change, as for {@code [httpd]}.
 */
final class AdminListener implements AutoCloseable {

  private final AdminServer.Pages pages;
  private final EventLog events;
  private volatile AdminServer server;
  private volatile InetSocketAddress address;
  private CertificateWatch certificateWatch = CertificateWatch.NONE;

  AdminListener(AdminServer.Pages pages, EventLog events) {
    this.pages = pages;
    this.events = events;
  }

  InetSocketAddress start(ProxyConfig.Admin settings) throws IOException, InterruptedException {
    AdminServer fresh = serverFor(settings);
    address = fresh.start();
    server = fresh;
    watchCertificate(settings);
    return address;
  }

  /**
   * Serves the admin pages on {@code settings}' address from now on.
   *
   * @return why not, when that address cannot be bound: the server in use then stays
   */
  Optional<String> rebind(ProxyConfig.Admin settings) {
    AdminServer fresh = null;
    InetSocketAddress bound;
    try {
      fresh = serverFor(settings);
      bound = fresh.start();
    } catch (IOException | InterruptedException | RuntimeException e) {
      if (fresh != null) {
        fresh.close();
      }
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return Optional.of("[admin] listenAddress = " + settings.listenAddress()
          + " cannot be served (" + e.getMessage() + "); the admin pages are still served on "
          + address + ". Fix the address or certificate and reload, or restart the proxy.");
    }
    AdminServer old = server;
    InetSocketAddress oldAddress = address;
    server = fresh;
    address = bound;
    // Not closed here: this reload may be answering POST /reload on the old listener's thread.
    ProxyProcess.retire("admin", () -> {
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      old.close();
    });
    events.record("reload", "the admin pages moved from " + oldAddress + " to " + bound);
    watchCertificate(settings);
    return Optional.empty();
  }

  /**
   * Serves HTTPS with {@code settings}' certificate and key files from now on (same address).
   *
   * @return why not, when they cannot be used: the previous certificate then stays
   */
  synchronized Optional<String> useCertificate(ProxyConfig.Admin settings) {
    try {
      server.reloadTls(settings.sslCertificate().get(), settings.sslKey().get());
      events.record("certificate", "admin HTTPS certificate now read from "
          + settings.sslCertificate().get());
      watchCertificate(settings);
      return Optional.empty();
    } catch (RuntimeException e) {
      return Optional.of("the new [admin] sslCertificate/sslKey cannot be used (" + e.getMessage()
          + "); the previous certificate stays in use");
    }
  }

  /** Requires this token from now on (none: no token), wherever the pages are served. */
  void token(Optional<Secret> token) {
    server.token(token.map(Secret::reveal));
  }

  InetSocketAddress address() {
    return address;
  }

  @Override
  public void close() {
    stopWatching();
    if (server != null) {
      server.close();
    }
  }

  private AdminServer serverFor(ProxyConfig.Admin settings) {
    Optional<String> token = settings.token().map(Secret::reveal);
    return settings.isHttps()
        ? new AdminServer(settings.listenAddress(), token, settings.sslCertificate().get(),
            settings.sslKey().get(), pages)
        : new AdminServer(settings.listenAddress(), token, pages);
  }

  private synchronized void watchCertificate(ProxyConfig.Admin settings) {
    stopWatching();
    certificateWatch = CertificateWatch.start("admin HTTPS certificate",
        settings.sslCertificate(), settings.sslKey(), this::reloadTls, events);
  }

  private synchronized void stopWatching() {
    certificateWatch.close();
    certificateWatch = CertificateWatch.NONE;
  }

  private synchronized void reloadTls(Path certificate, Path key) {
    server.reloadTls(certificate, key);
  }
}
