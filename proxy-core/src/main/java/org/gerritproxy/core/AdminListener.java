package org.gerritproxy.core;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import org.gerritproxy.core.admin.AdminServer;
import org.gerritproxy.core.config.ProxyConfig;
import org.gerritproxy.core.config.Secret;
import org.gerritproxy.core.events.EventLog;

/**
 * The admin pages on their address. Moving them starts a new server there; the old one closes a
 * moment later, since the reload that moves it may be answering {@code POST /reload} on it.
 */
final class AdminListener implements AutoCloseable {
  private final AdminServer.Pages pages;
  private final EventLog events;
  private volatile AdminServer server;
  private volatile InetSocketAddress address;

  AdminListener(AdminServer.Pages pages, EventLog events) {
    this.pages = pages;
    this.events = events;
  }

  InetSocketAddress start(ProxyConfig.Admin settings) throws IOException, InterruptedException {
    server = new AdminServer(settings.listenAddress(), settings.token().map(Secret::reveal), pages);
    address = server.start();
    return address;
  }

  /**
   * Serves the admin pages on {@code settings}' address from now on.
   *
   * @return why not, when that address cannot be bound: the server in use then stays
   */
  Optional<String> rebind(ProxyConfig.Admin settings) {
    AdminServer fresh =
        new AdminServer(settings.listenAddress(), settings.token().map(Secret::reveal), pages);
    InetSocketAddress bound;
    try {
      bound = fresh.start();
    } catch (IOException | InterruptedException | RuntimeException e) {
      fresh.close();
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return Optional.of("[admin] listenAddress = " + settings.listenAddress()
          + " cannot be bound (" + e.getMessage() + "); the admin pages are still served on "
          + address + ". Free the address and reload, or restart the proxy.");
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
    return Optional.empty();
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
    if (server != null) {
      server.close();
    }
  }
}
