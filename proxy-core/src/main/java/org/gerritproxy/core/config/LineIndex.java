package org.gerritproxy.core.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Where each section header and key stands in a git-config text. JGit's {@code Config} gives values
 * but no line numbers, so this scans the same text with the same lexical rules (comments, quotes,
 * escapes, backslash-continued values) and records the line of everything it finds.
 *
 * <p>Section and key names are kept lowercased, as git compares them case-insensitively; subsection
 * names are kept as written (they are case-sensitive). Only meaningful for a text that JGit parsed
 * without error.
 */
final class LineIndex {

  /**
   * A {@code [section]} or {@code [section "subsection"]} header.
   *
   * @param trailing non-comment text after the closing bracket on the same line (JGit silently
   *     ignores it, so the loader reports it); empty when there is none
   */
  record Header(String section, String subsection, int line, String trailing) {}

  /**
   * One {@code name = value} line.
   *
   * @param name as written (case preserved, for messages)
   * @param bare true for a key written without {@code =} (a boolean true in git)
   */
  record Entry(String section, String subsection, String name, int line, boolean bare) {
    String key() {
      return name.toLowerCase(Locale.ROOT);
    }

    boolean in(String section, String subsection) {
      return this.section.equals(section) && Objects.equals(this.subsection, subsection);
    }
  }

  private final List<Header> headers;
  private final List<Entry> entries;

  private LineIndex(List<Header> headers, List<Entry> entries) {
    this.headers = List.copyOf(headers);
    this.entries = List.copyOf(entries);
  }

  List<Header> headers() {
    return headers;
  }

  /** Every key, in file order. */
  List<Entry> entries() {
    return entries;
  }

  /** The line of the first header of that section (section name in any case), if any. */
  OptionalInt headerLine(String section, String subsection) {
    String s = section.toLowerCase(Locale.ROOT);
    return headers.stream()
        .filter(h -> h.section().equals(s) && Objects.equals(h.subsection(), subsection))
        .mapToInt(Header::line)
        .findFirst();
  }

  /** Every occurrence of that key, in file order. */
  List<Entry> entries(String section, String subsection, String key) {
    String s = section.toLowerCase(Locale.ROOT);
    String k = key.toLowerCase(Locale.ROOT);
    return entries.stream().filter(e -> e.in(s, subsection) && e.key().equals(k)).toList();
  }

  static LineIndex of(String text) {
    return new Scanner(text).scan();
  }

  /** One pass over the text, mirroring JGit's {@code Config.fromText}. */
  private static final class Scanner {
    private final String text;
    private final int n;
    private int i;
    private int line = 1;
    private String section;
    private String subsection;
    private final List<Header> headers = new ArrayList<>();
    private final List<Entry> entries = new ArrayList<>();

    Scanner(String text) {
      this.text = text;
      this.n = text.length();
    }

    LineIndex scan() {
      while (i < n) {
        char c = text.charAt(i);
        if (c == '\n') {
          line++;
          i++;
        } else if (Character.isWhitespace(c)) {
          i++;
        } else if (c == ';' || c == '#') {
          i = endOfLine(i);
        } else if (c == '[') {
          header();
        } else {
          entry();
        }
      }
      return new LineIndex(headers, entries);
    }

    private void header() {
      int at = line;
      i++; // '['
      StringBuilder name = new StringBuilder();
      while (i < n && "]\"\n".indexOf(text.charAt(i)) < 0) {
        if (!Character.isWhitespace(text.charAt(i))) {
          name.append(text.charAt(i));
        }
        i++;
      }
      String sub = null;
      if (i < n && text.charAt(i) == '"') {
        i++;
        StringBuilder s = new StringBuilder();
        while (i < n && text.charAt(i) != '"' && text.charAt(i) != '\n') {
          if (text.charAt(i) == '\\' && i + 1 < n && text.charAt(i + 1) != '\n') {
            i++;
          }
          s.append(text.charAt(i));
          i++;
        }
        sub = s.toString();
        while (i < n && text.charAt(i) != ']' && text.charAt(i) != '\n') {
          i++;
        }
      }
      if (i < n && text.charAt(i) == ']') {
        i++;
      }
      int eol = endOfLine(i);
      String rest = text.substring(i, eol).strip();
      if (rest.startsWith("#") || rest.startsWith(";")) {
        rest = "";
      }
      section = name.toString().toLowerCase(Locale.ROOT);
      subsection = sub;
      headers.add(new Header(section, sub, at, rest));
      i = eol;
    }

    private void entry() {
      int at = line;
      int start = i;
      while (i < n && (Character.isLetterOrDigit(text.charAt(i)) || text.charAt(i) == '-')) {
        i++;
      }
      String name = text.substring(start, i);
      while (i < n && (text.charAt(i) == ' ' || text.charAt(i) == '\t' || text.charAt(i) == '\r')) {
        i++;
      }
      boolean bare = i >= n || text.charAt(i) != '=';
      if (bare) {
        i = endOfLine(i);
      } else {
        i++;
        value();
      }
      if (section != null && !name.isEmpty()) {
        entries.add(new Entry(section, subsection, name, at, bare));
      }
    }

    /** Skips a value, counting the lines that backslash continuations add; stops at its newline. */
    private void value() {
      boolean quoted = false;
      while (i < n) {
        char c = text.charAt(i);
        if (c == '\n') {
          return;
        }
        if (c == '\\') {
          if (i + 1 < n && text.charAt(i + 1) == '\n') {
            line++;
            i += 2;
          } else if (i + 2 < n && text.charAt(i + 1) == '\r' && text.charAt(i + 2) == '\n') {
            line++;
            i += 3;
          } else {
            i += 2;
          }
          continue;
        }
        if (c == '"') {
          quoted = !quoted;
        } else if (!quoted && (c == ';' || c == '#')) {
          i = endOfLine(i);
          return;
        }
        i++;
      }
    }

    private int endOfLine(int from) {
      int eol = text.indexOf('\n', from);
      return eol < 0 ? n : eol;
    }
  }
}
