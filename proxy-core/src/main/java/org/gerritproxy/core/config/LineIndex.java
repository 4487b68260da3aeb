package org.gerritproxy.core.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * The lexer of our git-config files: each section header and each key with its value and the line
 * it stands on, or the line of the syntax error, so that a value and the line to blame for it come
 * from one scan. It reads as JGit's {@code Config.fromText} reads (comments, quotes, escapes,
 * backslash-continued values and subsections, {@code [include]});
 * {@code LineIndexPropertiesTest} checks it against JGit as the oracle.
 *
 * <p>Section and key names are kept lowercased, as git compares them case-insensitively; subsection
 * names are kept as written (they are case-sensitive). After a syntax error, the headers and keys
 * are those before it.
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
  private final OptionalInt syntaxError;

  private LineIndex(List<Header> headers, List<Entry> entries, OptionalInt syntaxError) {
    this.headers = List.copyOf(headers);
    this.entries = List.copyOf(entries);
    this.syntaxError = syntaxError;
  }

  /**
   * The line where JGit gives up on the text, if it does: the first line that no text ending there
   * could continue into git-config (so an unfinished {@code [include]} value or a subsection
   * continued with a backslash is blamed on its first line, as parsing the text up to that line
   * would).
   */
  OptionalInt syntaxError() {
    return syntaxError;
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

  /** A syntax error, at the line JGit would blame. */
  private static final class SyntaxError extends Exception {
    final int line;

    SyntaxError(int line) {
      super(null, null, false, false); // control flow only: no message, no stack
      this.line = line;
    }
  }

  /**
   * One pass over the text, in the steps of JGit's {@code Config.fromText} ({@code read} and
   * {@code unread} as its reader's), so that it refuses what JGit refuses, at the same character.
   * The line blamed is the one JGit would refuse as the last line of a text: that of the furthest
   * character read (JGit reading the text up to there reads the same characters), or an earlier
   * line where a value or subsection runs on and the text, had it ended there, would have been
   * refused already.
   */
  private static final class Scanner {
    private final String text;
    private final int n;
    private final int[] lineStarts;
    private int pos;
    private int furthest = -1; // the furthest position read, for the line to blame
    // The newline ending the first line that, as the last of a text, would be refused.
    private int firstRefusedEnd = -1;
    private String section;
    private String subsection;
    private final List<Header> headers = new ArrayList<>();
    private final List<Entry> entries = new ArrayList<>();

    Scanner(String text) {
      this.text = text;
      this.n = text.length();
      List<Integer> starts = new ArrayList<>();
      starts.add(0);
      for (int k = 0; k < n; k++) {
        if (text.charAt(k) == '\n') {
          starts.add(k + 1);
        }
      }
      this.lineStarts = starts.stream().mapToInt(Integer::intValue).toArray();
    }

    LineIndex scan() {
      try {
        lines();
      } catch (SyntaxError e) {
        return new LineIndex(headers, entries, OptionalInt.of(e.line));
      }
      return new LineIndex(headers, entries, OptionalInt.empty());
    }

    private void lines() throws SyntaxError {
      boolean inSection = false;
      boolean restOfLineIgnored = false; // a comment, or what follows a header
      for (; ; ) {
        int c = read();
        if (c < 0) {
          return;
        }
        if (c == '\n') {
          restOfLineIgnored = false;
        } else if (restOfLineIgnored) {
          continue;
        } else if (c == ';' || c == '#') {
          restOfLineIgnored = true;
        } else if (Character.isWhitespace((char) c)) {
          continue;
        } else if (c == '[') {
          header();
          inSection = true;
          restOfLineIgnored = true; // JGit ignores what follows; the loader reports it
        } else if (inSection) {
          unread();
          entry();
        } else {
          throw refused(); // a key before any section
        }
      }
    }

    /** {@code [section]} or {@code [section "subsection"]}, the '[' read. */
    private void header() throws SyntaxError {
      int at = lineOf(pos - 1);
      String name = sectionName();
      int c = read();
      String sub = null;
      if (c == '"') {
        sub = subsectionName();
        c = read();
      }
      if (c != ']') {
        throw refused();
      }
      int eol = endOfLine(pos);
      String rest = text.substring(pos, eol).strip();
      if (rest.startsWith("#") || rest.startsWith(";")) {
        rest = "";
      }
      section = name.toLowerCase(Locale.ROOT);
      subsection = sub;
      headers.add(new Header(section, sub, at, rest));
    }

    private String sectionName() throws SyntaxError {
      StringBuilder name = new StringBuilder();
      for (; ; ) {
        int c = read();
        if (c < 0) {
          throw refused();
        }
        if (c == ']') {
          unread();
          return name.toString();
        }
        if (c == ' ' || c == '\t') {
          for (; ; ) {
            c = read();
            if (c == '"') {
              unread();
              return name.toString();
            }
            if (c != ' ' && c != '\t') {
              throw refused();
            }
          }
        }
        if (Character.isLetterOrDigit((char) c) || c == '.' || c == '-') {
          name.append((char) c);
        } else {
          throw refused();
        }
      }
    }

    /** Up to the closing quote; a backslash keeps the next character, even a newline. */
    private String subsectionName() throws SyntaxError {
      StringBuilder s = new StringBuilder();
      for (; ; ) {
        int c = read();
        if (c < 0 || c == '"') {
          return s.toString();
        }
        if (c == '\n') {
          throw refused();
        }
        if (c == '\\') {
          c = read();
          if (c < 0) {
            throw refused();
          }
          if (c == '\n') {
            // Had the text ended here, the header would lack its closing bracket.
            lineRefusedIfLast();
          }
        }
        s.append((char) c);
      }
    }

    /** A {@code name = value} or bare {@code name} line, from its first character. */
    private void entry() throws SyntaxError {
      int at = lineOf(pos);
      StringBuilder name = new StringBuilder();
      boolean assigned = false;
      boolean endsLine = false;
      for (; ; ) {
        int c = read();
        if (c < 0) {
          throw refused();
        }
        if (c == '=') {
          assigned = true;
          break;
        }
        if (c == ' ' || c == '\t') {
          for (; ; ) {
            c = read();
            if (c < 0) {
              throw refused();
            }
            if (c == '=') {
              assigned = true;
              break;
            }
            if (c == ';' || c == '#' || c == '\n') {
              unread();
              break;
            }
            if (c != ' ' && c != '\t') {
              throw refused();
            }
          }
          break;
        }
        if (Character.isLetterOrDigit((char) c) || c == '-') {
          name.append((char) c);
        } else if (c == '\n') {
          unread();
          endsLine = true;
          break;
        } else {
          throw refused();
        }
      }
      boolean include = section.equals("include");
      boolean path = name.toString().equalsIgnoreCase("path");
      String value = "";
      if (!endsLine) {
        value = value(include && !path);
      }
      // JGit reads [include] path = FILE, and refuses any other key there, or an empty path.
      if (include && (!path || value.isEmpty())) {
        throw refused();
      }
      if (name.length() > 0) {
        entries.add(new Entry(section, subsection, name.toString(), value, at, !assigned));
      }
    }

    /**
     * Reads a value up to its newline or comment: blanks around it dropped, quotes removed,
     * {@code \\n \\t \\b \\\\ \\"} resolved, a backslash before the newline continuing it.
     *
     * @param refusedAnyway an [include] key other than path: refused however the value ends
     */
    private String value(boolean refusedAnyway) throws SyntaxError {
      StringBuilder value = new StringBuilder();
      StringBuilder blanks = new StringBuilder(); // kept only if more of the value follows
      boolean quoted = false;
      boolean leading = true;
      for (; ; ) {
        int c = read();
        if (c < 0) {
          return value.toString();
        }
        if (c == '\n') {
          if (quoted) {
            throw refused();
          }
          unread();
          return value.toString();
        }
        if (!quoted && (c == ';' || c == '#')) {
          unread();
          return value.toString();
        }
        if (Character.isWhitespace((char) c)) {
          if (!leading) {
            blanks.append((char) c);
          }
          continue;
        }
        leading = false;
        value.append(blanks);
        blanks.setLength(0);
        if (c == '\\') {
          c = read();
          switch (c) {
            case '\n' -> continued(value, refusedAnyway);
            case 't' -> value.append('\t');
            case 'b' -> value.append('\b');
            case 'n' -> value.append('\n');
            case '\\', '"' -> value.append((char) c);
            case '\r' -> {
              if (read() != '\n') {
                throw refused();
              }
              continued(value, refusedAnyway);
            }
            default -> throw refused();
          }
          continue;
        }
        if (c == '"') {
          quoted = !quoted;
        } else {
          value.append((char) c);
        }
      }
    }

    /**
     * A value continues on the next line. Had the text ended here, an [include] without a path
     * so far would have been refused on this line.
     */
    private void continued(StringBuilder valueSoFar, boolean refusedAnyway) {
      if (section.equals("include") && (refusedAnyway || valueSoFar.length() == 0)) {
        lineRefusedIfLast();
      }
    }

    /** The line just read, as the last of a text, would be refused. */
    private void lineRefusedIfLast() {
      if (firstRefusedEnd < 0) {
        firstRefusedEnd = pos - 1;
      }
    }

    private SyntaxError refused() {
      int at = firstRefusedEnd >= 0 ? firstRefusedEnd : Math.max(furthest, 0);
      return new SyntaxError(lineOf(at));
    }

    private int read() {
      if (pos >= n) {
        pos = n;
        furthest = n - 1;
        return -1;
      }
      furthest = Math.max(furthest, pos);
      return text.charAt(pos++);
    }

    private void unread() {
      pos--;
    }

    /** The line of the character at {@code at} (a newline belongs to the line it ends). */
    private int lineOf(int at) {
      int k = Arrays.binarySearch(lineStarts, at);
      return k >= 0 ? k + 1 : -k - 1;
    }

    private int endOfLine(int from) {
      int eol = text.indexOf('\n', from);
      return eol < 0 ? n : eol;
    }
  }
}
