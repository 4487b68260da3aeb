package org.gerritproxy.routing;

import java.util.Objects;
import java.util.Optional;

/**
 * The {@code [election]} section.
 *
 * @param mode how the master is chosen
 * @param staticMaster the master in {@link ElectionMode#STATIC} mode
 * @param failback when true, a node of higher priority than the master takes over as soon as it
 *     is UP again; when false, the master stays until it is DOWN
 */
public record ElectionSettings(ElectionMode mode, Optional<String> staticMaster, boolean failback) {

  public ElectionSettings {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(staticMaster, "staticMaster");
  }

  public static ElectionSettings local() {
    return new ElectionSettings(ElectionMode.LOCAL, Optional.empty(), false);
  }
}
