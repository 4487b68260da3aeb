package org.gerritproxy.core;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.gerritproxy.core.events.EventLog;
import org.gerritproxy.ssh.SshFrontend;
import org.gerritproxy.ssh.SshFrontendSettings;

/**
 * The SSH frontend on its address. Moving it to another address starts a new frontend there; the
 * old one stops accepting and closes once its commands are done (or the grace is over).
 */
final class SshListener implements AutoCloseable {
  private final Function<SshFrontendSettings, SshFrontend> frontends;
  private final EventLog events;
  private volatile SshFrontend frontend;
  private volatile InetSocketAddress address;
  // The key-cache counts of frontends moved away from, so that the counters never fall.
  private volatile long retiredKeyHits;
  private volatile long retiredKeyMisses;

  SshListener(Function<SshFrontendSettings, SshFrontend> frontends, EventLog events) {
    this.frontends = frontends;
    this.events = events;
  }

  InetSocketAddress start(SshFrontendSettings settings) throws IOException {
    frontend = frontends.apply(settings);
    address = frontend.start();
    return address;
  }

  /**
   * Serves SSH on {@code settings}' address from now on, with all of {@code settings}.
   *
   * @return why not, when that address cannot be bound: the frontend in use then stays
   */
  Optional<String> rebind(SshFrontendSettings settings, Duration grace) {
    SshFrontend fresh = frontends.apply(settings);
    InetSocketAddress bound;
    try {
      bound = fresh.start();
    } catch (IOException | RuntimeException e) {
      fresh.close();
      return Optional.of("[sshd] listenAddress = " + settings.listenAddress() + " cannot be bound ("
          + e.getMessage() + "); SSH is still served on " + address + ". Free the address"
          + " and reload, or restart the proxy.");
    }
    SshFrontend old = frontend;
    InetSocketAddress oldAddress = address;
    old.stopAccepting();
    // The old frontend logs nobody in any more: keep its key-cache counts, so counters never fall.
    retiredKeyHits += old.keyCacheHits();
    retiredKeyMisses += old.keyCacheMisses();
    frontend = fresh;
    address = bound;
    ProxyProcess.retire("sshd", () -> {
      long deadline = System.nanoTime() + grace.toNanos();
      while (old.openConnections() > 0 && System.nanoTime() < deadline) {
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      old.close();
    });
    events.record("reload", "SSH moved from " + oldAddress + " to " + bound
        + "; commands under way on the old address finish there");
    return Optional.empty();
  }

  InetSocketAddress address() {
    return address;
  }

  int openConnections() {
    return frontend.openConnections();
  }

  Map<String, Integer> openSessionsByNode() {
    return frontend.openSessionsByNode();
  }

  long keyCacheHits() {
    return retiredKeyHits + frontend.keyCacheHits();
  }

  long keyCacheMisses() {
    return retiredKeyMisses + frontend.keyCacheMisses();
  }

  @Override
  public void close() {
    if (frontend != null) {
      frontend.close();
    }
  }
}
