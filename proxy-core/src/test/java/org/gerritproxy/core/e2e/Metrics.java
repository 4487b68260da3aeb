package org.gerritproxy.core.e2e;

import java.util.Map;

/** Reads values out of a {@code /metrics} document (Prometheus text format). */
final class Metrics {
  private Metrics() {}

  /**
   * The sum of the samples of {@code name} whose labels include all of {@code labels}; 0 when there
   * is none.
   */
  static double sum(String document, String name, Map<String, String> labels) {
    double total = 0;
    for (String line : document.split("\n")) {
      if (line.startsWith("#") || !(line.startsWith(name + "{") || line.startsWith(name + " "))) {
        continue;
      }
      boolean all = labels.entrySet().stream()
          .allMatch(l -> line.contains(l.getKey() + "=\"" + l.getValue() + "\""));
      if (all) {
        total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return total;
  }
}
