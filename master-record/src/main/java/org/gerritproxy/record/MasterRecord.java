package org.gerritproxy.record;

import java.util.Optional;

/**
 * The record the proxies publish: which node is the write master, and the epoch of that decision.
 * Its text form, a blob in the record repository, is {@code master=NODE\nepoch=N\n}; an empty
 * master means the proxies have no write master at that epoch (every node refuses writes).
 *
 * <p>The proxy writes it (proxy-core's backdoors) and the fence plugin reads it (gerrit-fence,
 * docs/fence.md). Both compile this one class: the plugin takes its source in (it must stand
 * alone inside Gerrit), the proxy depends on this module.
 */
public record MasterRecord(Optional<String> master, long epoch) {

  public MasterRecord {
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch must not be negative, not " + epoch);
    }
  }

  /** Parses the text form; throws IllegalArgumentException, with what is wrong, on anything else. */
  public static MasterRecord parse(String text) {
    String master = null;
    Long epoch = null;
    for (String line : text.split("\n")) {
      line = line.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int eq = line.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException("not key=value: '" + line + "'");
      }
      String key = line.substring(0, eq).strip();
      String value = line.substring(eq + 1).strip();
      switch (key) {
        case "master" -> master = value;
        case "epoch" -> {
          try {
            epoch = Long.parseLong(value);
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("epoch is not a number: '" + value + "'");
          }
        }
        default -> { } // a later proxy may add keys: ignore them
      }
    }
    if (master == null || epoch == null) {
      throw new IllegalArgumentException("a master record needs both master= and epoch=");
    }
    return new MasterRecord(master.isEmpty() ? Optional.empty() : Optional.of(master), epoch);
  }

  public String toText() {
    return "master=" + master.orElse("") + "\nepoch=" + epoch + "\n";
  }

  @Override
  public String toString() {
    return master.orElse("no master") + " at epoch " + epoch;
  }
}
