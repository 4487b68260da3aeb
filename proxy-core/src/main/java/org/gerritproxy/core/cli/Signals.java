package org.gerritproxy.core.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** SIGHUP handling ({@code systemctl reload}, {@code kill -HUP}); a no-op where unsupported. */
final class Signals {
  private static final Logger log = LoggerFactory.getLogger(Signals.class);

  private Signals() {}

  @SuppressWarnings("removal")
  static void onHangup(Runnable action) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> {
        log.info("SIGHUP: reloading the configuration");
        Thread t = new Thread(action, "reload");
        t.setDaemon(true);
        t.start();
      });
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      log.warn("SIGHUP cannot be handled on this platform; use POST /reload on the admin listener");
    }
  }
}
