package org.gerritproxy.core.backdoor;

import java.io.IOException;
import java.util.Optional;
import org.gerritproxy.core.config.ProxyConfig;
import org.gerritproxy.core.config.Secret;

/** Opens the backdoor that {@code [backdoor]} names, if any. */
public final class Backdoors {
  private Backdoors() {}

  /** The configured backdoor, or empty for {@code type = none}. */
  public static Optional<Backdoor> open(ProxyConfig.Backdoor config) throws IOException {
    return switch (config.type()) {
      case NONE -> Optional.empty();
      case GIT -> Optional.of(new GitBackdoor(config.repository().orElseThrow()));
      case JDBC -> Optional.of(new JdbcBackdoor(config.url().orElseThrow(), config.user(),
          config.password().map(Secret::reveal)));
    };
  }
}
