package org.gerritproxy.core.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jgit.errors.ConfigInvalidException;
import org.eclipse.jgit.lib.Config;

/**
 * One configuration file read and parsed by {@link LineIndex}: each value with its line. JGit's
 * {@link Config} only decides whether the text is git-config at all (and says why when not).
 */
final class ConfigSource {

  /**
   * One value of a key, where it was written.
   *
   * @param text the value as JGit reads it (quotes and escapes resolved); empty for {@code key =}
   * @param bare the key was written alone, without {@code =} (git's boolean true)
   */
  record Value(ConfigSource source, String text, int line, boolean bare) {
    Path file() {
      return source.path();
    }
  }

  private final Path path;
  private final LineIndex index;

  private ConfigSource(Path path, LineIndex index) {
    this.path = path;
    this.index = index;
  }

  /** Reads and parses the file; on failure, reports why to {@code problems} and returns null. */
  static ConfigSource read(Path path, Problems problems) {
    String text;
    try {
      text = new String(Files.readAllBytes(path), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      problems.add(
          path,
          0,
          "the file does not exist: check the path, or copy conf/proxy.config to start from a"
              + " sample.");
      return null;
    } catch (AccessDeniedException e) {
      problems.add(
          path, 0, "the file cannot be read (permission denied): let the proxy's user read it.");
      return null;
    } catch (IOException e) {
      problems.add(
          path, 0, "the file cannot be read (" + e + "): check that it is a readable file.");
      return null;
    }
    return parse(path, text, problems);
  }

  /** Parses a text as if read from {@code path}; on a syntax error, reports it and returns null. */
  static ConfigSource parse(Path path, String text, Problems problems) {
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    LineIndex index = LineIndex.of(text);
    // JGit still has the last word on what is git-config, and says why not; the lexer, which
    // LineIndexPropertiesTest holds to the same verdict, says where.
    Config config = new Config();
    try {
      config.fromText(text);
    } catch (ConfigInvalidException e) {
      problems.add(
          path,
          index.syntaxError().orElse(0),
          "this line is not valid git-config syntax ("
              + e.getMessage()
              + "): write sections as [name] or [node \"NAME\"], and keys as name = value,"
              + " one per line.");
      return null;
    }
    return new ConfigSource(path, index);
  }

  Path path() {
    return path;
  }

  LineIndex index() {
    return index;
  }

  /** Every value of the key, in file order, each with its line. */
  List<Value> values(String section, String subsection, String key) {
    List<Value> values = new ArrayList<>();
    for (LineIndex.Entry e : index.entries(section, subsection, key)) {
      values.add(new Value(this, e.value(), e.line(), e.bare()));
    }
    return values;
  }

  /** The line of the first header of that section, or 0 when there is none. */
  int headerLine(String section, String subsection) {
    return index.headerLine(section, subsection).orElse(0);
  }
}
