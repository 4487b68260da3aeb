package org.gerritproxy.core.e2e;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression reads: what is left once strings, label matchers, ranges,
 * grouping clauses, functions, keywords and numbers are taken out. Enough PromQL for dashboards,
 * not a parser: it refuses an expression whose brackets do not balance.
 */
final class PromQlNames {
  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
  private static final Pattern MATCHERS = Pattern.compile("\\{[^{}]*\\}");
  private static final Pattern RANGE = Pattern.compile("\\[[^\\[\\]]*\\]");
  private static final Pattern GROUPING = Pattern.compile(
      "\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^()]*\\)");
  private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "bool",
      "and", "or", "unless", "offset", "group_left", "group_right", "inf", "nan");

  private PromQlNames() {}

  static Set<String> of(String expr) {
    balanced(expr);
    String s = STRING.matcher(expr).replaceAll("\"\"");
    s = MATCHERS.matcher(s).replaceAll(" ");
    s = RANGE.matcher(s).replaceAll(" ");
    s = GROUPING.matcher(s).replaceAll(" ");
    Set<String> names = new LinkedHashSet<>();
    Matcher m = IDENTIFIER.matcher(s);
    while (m.find()) {
      String word = m.group();
      int after = m.end();
      while (after < s.length() && s.charAt(after) == ' ') {
        after++;
      }
      boolean call = after < s.length() && s.charAt(after) == '(';
      boolean partOfNumber = m.start() > 0 && Character.isDigit(s.charAt(m.start() - 1));
      if (!call && !partOfNumber && !KEYWORDS.contains(word.toLowerCase(java.util.Locale.ROOT))) {
        names.add(word);
      }
    }
    return names;
  }

  private static void balanced(String expr) {
    String s = STRING.matcher(expr).replaceAll("\"\"");
    java.util.ArrayDeque<Character> open = new java.util.ArrayDeque<>();
    for (char c : s.toCharArray()) {
      switch (c) {
        case '(', '[', '{' -> open.push(c);
        case ')', ']', '}' -> {
          char want = c == ')' ? '(' : c == ']' ? '[' : '{';
          if (open.isEmpty() || open.pop() != want) {
            throw new IllegalArgumentException("unbalanced '" + c + "' in " + expr);
          }
        }
        default -> { }
      }
    }
    if (!open.isEmpty()) {
      throw new IllegalArgumentException("unclosed '" + open.peek() + "' in " + expr);
    }
  }
}
