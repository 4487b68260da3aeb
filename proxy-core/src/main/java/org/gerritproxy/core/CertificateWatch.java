package org.gerritproxy.core;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;
import org.gerritproxy.core.config.ConfigFileWatcher;
import org.gerritproxy.core.events.EventLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listener's certificate and key, read again when their files change, so that a renewed
 * certificate reaches new connections without a restart. The HTTP and the admin listener share
 * it; each says what reading the files means for its server.
 */
final class CertificateWatch implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CertificateWatch.class);

  /** Nothing watched: a listener without TLS. */
  static final CertificateWatch NONE = new CertificateWatch(null);

  private final ConfigFileWatcher watcher;

  private CertificateWatch(ConfigFileWatcher watcher) {
    this.watcher = watcher;
  }

  /**
   * Watches {@code certificate} and {@code key} when both are set.
   *
   * @param what how events and logs name the certificate, e.g. "admin HTTPS certificate"
   * @param reload reads the files into the listener's server; throws when they are unusable
   */
  static CertificateWatch start(String what, Optional<Path> certificate, Optional<Path> key,
      BiConsumer<Path, Path> reload, EventLog events) {
    if (certificate.isEmpty() || key.isEmpty()) {
      return NONE;
    }
    Path c = certificate.get();
    Path k = key.get();
    try {
      return new CertificateWatch(ConfigFileWatcher.start(List.of(c, k), Duration.ofMillis(200),
          () -> {
            try {
              reload.accept(c, k);
              events.record("certificate", what + " reloaded from " + c
                  + "; new connections get it");
            } catch (RuntimeException e) {
              events.record("certificate-failed", "the " + what + " was not reloaded; the"
                  + " previous one stays in use: " + e.getMessage());
            }
          }));
    } catch (IOException e) {
      log.warn("cannot watch {} for changes ({}); a new {} needs a restart", c, e.getMessage(),
          what);
      return NONE;
    }
  }

  @Override
  public void close() {
    if (watcher != null) {
      watcher.close();
    }
  }
}
