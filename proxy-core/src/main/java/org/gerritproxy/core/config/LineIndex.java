package org.gerritproxy.core.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * The lexer of our git-config files: each section header and each key with its value and the line
 * it stands on, so that a value and the line to blame for it come from one scan. It follows JGit's
 * {@code Config.fromText} (comments, quotes, escapes, backslash-continued values);
 * {@code LineIndexPropertiesTest} checks the values against JGit's as the oracle.
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
   * @param value quotes and escapes resolved, as JGit reads it; empty for {@code key =} and for a
   *     bare key
   * @param bare true for a key written without {@code =} (a boolean true in git)
   */
  record Entry(
      String section, String subsection, String name, String value, int line, boolean bare) {
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
      String value = "";
      if (bare) {
        i = endOfLine(i);
      } else {
        i++;
        value = value();
      }
      if (section != null && !name.isEmpty()) {
        entries.add(new Entry(section, subsection, name, value, at, bare));
      }
    }

    /**
     * Reads a value up to its newline, counting the lines that backslash continuations add:
     * leading and trailing blanks outside quotes are dropped, blanks inside kept as written, quotes
     * removed, {@code \\n \\t \\b \\\\ \\"} resolved, and a comment outside quotes ends it.
     */
    private String value() {
      StringBuilder value = new StringBuilder();
      StringBuilder blanks = new StringBuilder(); // outside quotes, kept only if more follows
      boolean quoted = false;
      boolean started = false; // past the leading blanks
      while (i < n) {
        char c = text.charAt(i);
        if (c == '\n') {
          break;
        }
        if (!quoted && (c == ';' || c == '#')) {
          i = endOfLine(i);
          break;
        }
        if (!quoted && Character.isWhitespace(c)) {
          if (started) {
            blanks.append(c);
          }
          i++;
          continue;
        }
        started = true;
        value.append(blanks);
        blanks.setLength(0);
        if (c == '\\') {
          char next = i + 1 < n ? text.charAt(i + 1) : 0;
          if (next == '\n') {
            line++;
            i += 2;
          } else if (next == '\r' && i + 2 < n && text.charAt(i + 2) == '\n') {
            line++;
            i += 3;
          } else {
            value.append(unescape(next));
            i += 2;
          }
          continue;
        }
        if (c == '"') {
          quoted = !quoted;
        } else {
          value.append(c);
        }
        i++;
      }
      return value.toString();
    }

    /** What {@code \\c} stands for; only reached for the escapes JGit accepts. */
    private static char unescape(char c) {
      switch (c) {
        case 't':
          return '\t';
        case 'b':
          return '\b';
        case 'n':
          return '\n';
        default:
          return c; // \\ and \"
      }
    }

    private int endOfLine(int from) {
      int eol = text.indexOf('\n', from);
      return eol < 0 ? n : eol;
    }
  }
}
