package org.gerritproxy.core.config;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes the durations of the configuration file: {@code 500ms}, {@code 2s}, {@code 5m},
 * {@code 1h}, {@code 1d}.
 *
 * <p>A bare number means seconds, as it does for most of Gerrit's time settings. Units may be
 * spelled out ({@code 5 min}, {@code 2 seconds}) and are case-insensitive. Negative and fractional
 * values are refused.
 */
public final class Durations {

  private static final Pattern FORM = Pattern.compile("(\\d+)\\s*([a-z]*)");

  private static final Map<String, ChronoUnit> UNITS =
      Map.ofEntries(
          Map.entry("", ChronoUnit.SECONDS),
          Map.entry("ms", ChronoUnit.MILLIS),
          Map.entry("milli", ChronoUnit.MILLIS),
          Map.entry("millis", ChronoUnit.MILLIS),
          Map.entry("millisecond", ChronoUnit.MILLIS),
          Map.entry("milliseconds", ChronoUnit.MILLIS),
          Map.entry("s", ChronoUnit.SECONDS),
          Map.entry("sec", ChronoUnit.SECONDS),
          Map.entry("secs", ChronoUnit.SECONDS),
          Map.entry("second", ChronoUnit.SECONDS),
          Map.entry("seconds", ChronoUnit.SECONDS),
          Map.entry("m", ChronoUnit.MINUTES),
          Map.entry("min", ChronoUnit.MINUTES),
          Map.entry("mins", ChronoUnit.MINUTES),
          Map.entry("minute", ChronoUnit.MINUTES),
          Map.entry("minutes", ChronoUnit.MINUTES),
          Map.entry("h", ChronoUnit.HOURS),
          Map.entry("hr", ChronoUnit.HOURS),
          Map.entry("hrs", ChronoUnit.HOURS),
          Map.entry("hour", ChronoUnit.HOURS),
          Map.entry("hours", ChronoUnit.HOURS),
          Map.entry("d", ChronoUnit.DAYS),
          Map.entry("day", ChronoUnit.DAYS),
          Map.entry("days", ChronoUnit.DAYS));

  private Durations() {}

  /**
   * Parses a duration such as {@code 500ms}, {@code 2s}, {@code 5m}; a bare number is seconds.
   *
   * @throws IllegalArgumentException with a sentence saying how to write it
   */
  public static Duration parse(String text) {
    Objects.requireNonNull(text, "text");
    Matcher m = FORM.matcher(text.trim().toLowerCase(Locale.ROOT));
    ChronoUnit unit = m.matches() ? UNITS.get(m.group(2)) : null;
    if (unit == null) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a duration: write it like 500ms, 2s or 5m");
    }
    try {
      return Duration.of(Long.parseLong(m.group(1)), unit);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException("'" + text + "' is too long a duration");
    }
  }

  /**
   * Writes a duration in the largest unit that keeps it exact: {@code 1500ms}, {@code 2s}, {@code
   * 5m}.
   */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 1000 != 0) {
      return ms + "ms";
    }
    long s = ms / 1000;
    if (s != 0 && s % 86400 == 0) {
      return s / 86400 + "d";
    }
    if (s != 0 && s % 3600 == 0) {
      return s / 3600 + "h";
    }
    if (s != 0 && s % 60 == 0) {
      return s / 60 + "m";
    }
    return s + "s";
  }
}
