package org.gerritproxy.core.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One thing wrong with a configuration file, where it is and what to write instead.
 *
 * <p>Prints as {@code FILE:LINE: message}, like a compiler, so editors can jump to it. When no
 * single line is to blame (a missing node, an unreadable file), {@code line} is 0 and it prints as
 * {@code FILE: message}.
 *
 * @param file the file as it was named to the loader ({@code proxy.config} or the {@code
 *     secure.config} beside it)
 * @param line 1-based line number, or 0 when no line applies
 * @param message a sentence saying what is wrong and what to write instead
 */
public record ConfigProblem(Path file, int line, String message) {

  public ConfigProblem {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(message, "message");
    if (line < 0) {
      throw new IllegalArgumentException("line must be 0 (none) or positive, not " + line);
    }
  }

  /** A problem with the file as a whole. */
  public static ConfigProblem ofFile(Path file, String message) {
    return new ConfigProblem(file, 0, message);
  }

  @Override
  public String toString() {
    return line > 0 ? file + ":" + line + ": " + message : file + ": " + message;
  }
}
