package org.gerritproxy.core.config;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes the byte sizes of the configuration file: {@code 16k}, {@code 1m}, {@code 2g}.
 *
 * <p>Units are powers of 1024, as in git ({@code k}, {@code kb} and {@code kib} all mean 1024
 * bytes); a bare number is bytes. Case-insensitive; negative and fractional values are refused.
 */
public final class Sizes {

  private static final Pattern FORM = Pattern.compile("(\\d+)\\s*([a-z]*)");

  private static final Map<String, Long> UNITS =
      Map.ofEntries(
          Map.entry("", 1L),
          Map.entry("b", 1L),
          Map.entry("k", 1L << 10),
          Map.entry("kb", 1L << 10),
          Map.entry("kib", 1L << 10),
          Map.entry("m", 1L << 20),
          Map.entry("mb", 1L << 20),
          Map.entry("mib", 1L << 20),
          Map.entry("g", 1L << 30),
          Map.entry("gb", 1L << 30),
          Map.entry("gib", 1L << 30));

  private Sizes() {}

  /**
   * Parses a size such as {@code 16k} or {@code 1m} into bytes; a bare number is bytes.
   *
   * @throws IllegalArgumentException with a sentence saying how to write it
   */
  public static long parse(String text) {
    Objects.requireNonNull(text, "text");
    Matcher m = FORM.matcher(text.trim().toLowerCase(Locale.ROOT));
    Long unit = m.matches() ? UNITS.get(m.group(2)) : null;
    if (unit == null) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a size: write it like 16k, 1m or 2g (bytes, in units of 1024)");
    }
    try {
      return Math.multiplyExact(Long.parseLong(m.group(1)), unit);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException("'" + text + "' is too large a size");
    }
  }

  /**
   * Writes a size in the largest unit that keeps it exact: {@code 32k}, {@code 1m}, {@code 1000}.
   */
  public static String format(long bytes) {
    if (bytes != 0 && bytes % (1L << 30) == 0) {
      return bytes / (1L << 30) + "g";
    }
    if (bytes != 0 && bytes % (1L << 20) == 0) {
      return bytes / (1L << 20) + "m";
    }
    if (bytes != 0 && bytes % (1L << 10) == 0) {
      return bytes / (1L << 10) + "k";
    }
    return Long.toString(bytes);
  }
}
