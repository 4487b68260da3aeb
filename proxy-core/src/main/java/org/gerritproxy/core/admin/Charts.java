package org.gerritproxy.core.admin;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.gerritproxy.core.events.MasterTimeline;

/**
 * The dashboard's pictures as inline SVG, drawn by the proxy itself: no script, no library. Each
 * has a viewBox and no fixed size, so it scales to a laptop or a phone, and a {@code <title>} and
 * {@code <desc>} that say in words what it shows. The output is well-formed XML (only numeric
 * character references), so it can be checked with any XML parser.
 */
final class Charts {
  /** Okabe-Ito colours, told apart by most colour-blind readers; dashes tell lines apart too. */
  static final String[] COLOURS = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9",
      "#E69F00", "#000000"};
  static final String[] DASHES = {"", "6 3", "2 2", "8 3 2 3"};

  /** About a phone's width in CSS pixels, so text drawn at 11 units reads as 11 px there. */
  static final int WIDTH = 360;
  static final int HEIGHT = 170;
  private static final double LEFT = 40;
  private static final double RIGHT = 8;
  private static final double TOP = 22;
  private static final double BOTTOM = 20;

  private static final DateTimeFormatter CLOCK =
      DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);

  private Charts() {}

  /** One value at one instant. */
  record Point(long atMillis, double value) {}

  /** Where values are drawn: a time window across, 0 to {@code yMax} up, in a box of the viewBox. */
  record Frame(long fromMillis, long toMillis, double yMax, double x, double y, double w, double h) {
    Frame {
      if (toMillis <= fromMillis || !(yMax > 0) || !(w > 0) || !(h > 0)) {
        throw new IllegalArgumentException("an empty frame: " + fromMillis + ".." + toMillis
            + ", yMax " + yMax + ", " + w + "x" + h);
      }
    }

    double xOf(long atMillis) {
      return x + (atMillis - fromMillis) * w / (toMillis - fromMillis);
    }

    /** Values above the top are drawn at the top, below zero at zero. */
    double yOf(double value) {
      return y + h - Math.max(0, Math.min(value, yMax)) * h / yMax;
    }
  }

  /**
   * The SVG path of {@code points} (oldest first) in {@code frame}: one line through the points in
   * the window, broken where a value is missing (NaN) or two points are further apart than {@code
   * maxGapMillis} (the proxy was not sampling), so a gap is never drawn as a straight line. A point
   * alone is drawn as a dot ({@code h0} with round caps). Empty when no point is in the window.
   */
  static String path(List<Point> points, Frame frame, long maxGapMillis) {
    StringBuilder d = new StringBuilder();
    long previous = Long.MIN_VALUE;
    int run = 0;
    for (Point p : points) {
      boolean drawn = p.atMillis() >= frame.fromMillis() && p.atMillis() <= frame.toMillis()
          && Double.isFinite(p.value());
      if (!drawn) {
        run = closeRun(d, run);
        continue;
      }
      if (run > 0 && p.atMillis() - previous > maxGapMillis) {
        run = closeRun(d, run);
      }
      d.append(d.length() == 0 ? "" : " ").append(run == 0 ? 'M' : 'L')
          .append(num(frame.xOf(p.atMillis()))).append(' ').append(num(frame.yOf(p.value())));
      run++;
      previous = p.atMillis();
    }
    closeRun(d, run);
    return d.toString();
  }

  private static int closeRun(StringBuilder d, int run) {
    if (run == 1) {
      d.append(" h0");
    }
    return 0;
  }

  /**
   * The smallest 1, 2 or 5 times a power of ten that is at least {@code max} and {@code floor}: the
   * top of a chart's scale, so its labels are round numbers.
   */
  static double niceCeiling(double max, double floor) {
    double v = Math.max(Double.isFinite(max) ? max : 0, floor);
    double power = Math.pow(10, Math.floor(Math.log10(v)));
    for (double m : new double[] {1, 2, 5, 10}) {
      if (m * power >= v * (1 - 1e-12)) {
        return m * power;
      }
    }
    return 10 * power;
  }

  /** One line of a chart: a node's name and its values. */
  record Series(String name, int colour, List<Point> points) {}

  /**
   * A line chart of several series over {@code [from, to]}.
   *
   * @param id unique on the page, for the title and description references
   * @param unit after numbers in the description ("/s", " ms")
   * @param floor the least top of the scale, so that near-zero noise is not drawn full height
   */
  static String lineChart(String id, String title, String unit, List<Series> series,
      long fromMillis, long toMillis, long maxGapMillis, double floor) {
    double max = 0;
    for (Series s : series) {
      for (Point p : s.points()) {
        if (p.atMillis() >= fromMillis && Double.isFinite(p.value())) {
          max = Math.max(max, p.value());
        }
      }
    }
    double top = niceCeiling(max, floor);
    Frame f = new Frame(fromMillis, toMillis, top, LEFT, TOP, WIDTH - LEFT - RIGHT,
        HEIGHT - TOP - BOTTOM);
    StringBuilder s = new StringBuilder(2048);
    open(s, id, WIDTH, HEIGHT, title, describe(series, unit, fromMillis));
    s.append("<text class=\"ct\" x=\"").append(num(LEFT)).append("\" y=\"15\">")
        .append(Dashboard.esc(title)).append("</text>");
    for (double v : new double[] {0, top / 2, top}) {
      double y = f.yOf(v);
      s.append("<line class=\"grid\" x1=\"").append(num(LEFT)).append("\" x2=\"")
          .append(num(WIDTH - RIGHT)).append("\" y1=\"").append(num(y)).append("\" y2=\"")
          .append(num(y)).append("\"/>");
      s.append("<text class=\"yl\" x=\"").append(num(LEFT - 4)).append("\" y=\"")
          .append(num(y + 3.5)).append("\">").append(amount(v)).append("</text>");
    }
    timeAxis(s, f, HEIGHT - 6);
    for (Series line : series) {
      String d = path(line.points(), f, maxGapMillis);
      if (d.isEmpty()) {
        continue;
      }
      s.append("<path class=\"line\" stroke=\"").append(COLOURS[line.colour() % COLOURS.length])
          .append('"');
      String dash = DASHES[line.colour() % DASHES.length];
      if (!dash.isEmpty()) {
        s.append(" stroke-dasharray=\"").append(dash).append('"');
      }
      s.append(" d=\"").append(d).append("\"><title>").append(Dashboard.esc(line.name()))
          .append("</title></path>");
    }
    return s.append("</svg>").toString();
  }

  /** "gerrit-1: now 3.1/s, peak 12/s. gerrit-2: no data." */
  private static String describe(List<Series> series, String unit, long fromMillis) {
    StringBuilder d = new StringBuilder();
    for (Series s : series) {
      Optional<Point> last = Optional.empty();
      double peak = Double.NaN;
      for (Point p : s.points()) {
        if (p.atMillis() >= fromMillis && Double.isFinite(p.value())) {
          last = Optional.of(p);
          peak = Double.isNaN(peak) ? p.value() : Math.max(peak, p.value());
        }
      }
      d.append(d.length() == 0 ? "" : " ").append(s.name()).append(": ");
      if (last.isEmpty()) {
        d.append("no data yet.");
      } else {
        d.append("now ").append(amount(last.get().value())).append(unit).append(", peak ")
            .append(amount(peak)).append(unit).append('.');
      }
    }
    return d.toString();
  }

  /**
   * Who was master across {@code [from, to]}: one band, a stretch per period coloured as its
   * node's lines are, labelled with the node and epoch where there is room, and the marks
   * (failover, drain, reload) as ticks whose titles carry the event's words.
   *
   * @param colours node name to its colour index, as in the line charts
   */
  static String timeline(String id, MasterTimeline.View view, Map<String, Integer> colours,
      long fromMillis, long toMillis) {
    return timeline(id, "", 720, view, colours, fromMillis, toMillis);
  }

  /**
   * @param width of the viewBox: 720 for a laptop, 360 for a phone (the page shows one or the
   *     other), so the text keeps a readable size on both
   * @param cssClass more classes of the {@code <svg>}, for the page to pick one
   */
  static String timeline(String id, String cssClass, int width, MasterTimeline.View view,
      Map<String, Integer> colours, long fromMillis, long toMillis) {
    int height = 110;
    Frame f = new Frame(fromMillis, toMillis, 1, 10, 40, width - 20, 30);
    StringBuilder s = new StringBuilder(4096);
    open(s, id, cssClass, width, height, "Write master and epochs",
        describeTimeline(view, fromMillis));
    s.append("<text class=\"ct\" x=\"10\" y=\"14\">Write master and epochs</text>");
    s.append("<rect class=\"band\" x=\"").append(num(f.x())).append("\" y=\"").append(num(f.y()))
        .append("\" width=\"").append(num(f.w())).append("\" height=\"").append(num(f.h()))
        .append("\"/>");
    List<MasterTimeline.Period> periods = view.periods();
    StringBuilder labels = new StringBuilder(); // drawn last, over the marks' lines
    for (int i = 0; i < periods.size(); i++) {
      MasterTimeline.Period p = periods.get(i);
      long start = Math.max(p.from().toEpochMilli(), fromMillis);
      long end = i + 1 < periods.size()
          ? Math.min(periods.get(i + 1).from().toEpochMilli(), toMillis) : toMillis;
      if (end <= start) {
        continue;
      }
      double x0 = f.xOf(start);
      double x1 = f.xOf(end);
      String label = p.node().map(n -> n + " \u00b7 epoch " + p.epoch()).orElse("no master");
      s.append("<g><title>").append(Dashboard.esc(label + " from " + CLOCK.format(p.from())))
          .append("</title><rect class=\"").append(p.node().isPresent() ? "period" : "period none")
          .append("\" x=\"").append(num(x0)).append("\" y=\"").append(num(f.y()))
          .append("\" width=\"").append(num(x1 - x0)).append("\" height=\"").append(num(f.h()))
          .append('"');
      p.node().ifPresent(n -> s.append(" fill=\"")
          .append(COLOURS[colours.getOrDefault(n, COLOURS.length - 1) % COLOURS.length])
          .append('"'));
      s.append("/></g>");
      // About 6.5 units a character at this font size: a label that does not fit is left out.
      if (x1 - x0 > label.length() * 6.5 + 8) {
        labels.append("<text class=\"pl\" x=\"").append(num(x0 + 4)).append("\" y=\"")
            .append(num(f.y() + f.h() / 2 + 4.5)).append("\">").append(Dashboard.esc(label))
            .append("</text>");
      }
    }
    double lastX = Double.NEGATIVE_INFINITY;
    int level = 0;
    for (MasterTimeline.Mark m : view.marks()) {
      long at = m.at().toEpochMilli();
      if (at < fromMillis || at > toMillis) {
        continue;
      }
      double x = f.xOf(at);
      // Marks close together (a drain and its reload) stand one above the other, two rows at most.
      level = x - lastX < 9 ? (level + 1) % 2 : 0;
      lastX = x;
      double glyphY = f.y() - 9 - level * 10;
      String kind = m.kind().name().toLowerCase(Locale.ROOT);
      s.append("<g class=\"mark ").append(kind).append("\"><title>")
          .append(Dashboard.esc(CLOCK.format(m.at()) + " " + kind + ": " + m.text()))
          .append("</title><line x1=\"").append(num(x)).append("\" x2=\"").append(num(x))
          .append("\" y1=\"").append(num(glyphY + 3)).append("\" y2=\"")
          .append(num(f.y() + f.h())).append("\"/>").append(glyph(m.kind(), x, glyphY))
          .append("</g>");
    }
    s.append(labels);
    timeAxis(s, f, height - 8);
    return s.append("</svg>").toString();
  }

  /** A triangle for a failover, a diamond for a drain, a circle for a reload: shape, not only colour. */
  private static String glyph(MasterTimeline.Kind kind, double x, double y) {
    return switch (kind) {
      case FAILOVER -> "<path d=\"M" + num(x - 5) + " " + num(y - 4) + " L" + num(x + 5) + " "
          + num(y - 4) + " L" + num(x) + " " + num(y + 4) + " Z\"/>";
      case DRAIN -> "<path d=\"M" + num(x) + " " + num(y - 5) + " L" + num(x + 4) + " " + num(y)
          + " L" + num(x) + " " + num(y + 5) + " L" + num(x - 4) + " " + num(y) + " Z\"/>";
      case RELOAD -> "<circle cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"3.5\"/>";
    };
  }

  private static String describeTimeline(MasterTimeline.View view, long fromMillis) {
    StringBuilder d = new StringBuilder();
    for (MasterTimeline.Period p : view.periods()) {
      d.append(d.length() == 0 ? "" : " ").append(p.node().map(n -> n + " master, epoch "
          + p.epoch()).orElse("No master (epoch " + p.epoch() + ")")).append(" from ")
          .append(CLOCK.format(p.from())).append(" UTC.");
    }
    int failovers = 0;
    int drains = 0;
    int reloads = 0;
    for (MasterTimeline.Mark m : view.marks()) {
      if (m.at().toEpochMilli() < fromMillis) {
        continue;
      }
      switch (m.kind()) {
        case FAILOVER -> failovers++;
        case DRAIN -> drains++;
        case RELOAD -> reloads++;
      }
    }
    return d.append(d.length() == 0 ? "" : " ").append("In this window: ").append(failovers)
        .append(" elections, ").append(drains).append(" drains, ").append(reloads)
        .append(" reloads.").toString();
  }

  private static void open(StringBuilder s, String id, int width, int height, String title,
      String desc) {
    open(s, id, "", width, height, title, desc);
  }

  private static void open(StringBuilder s, String id, String cssClass, int width, int height,
      String title, String desc) {
    s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"").append(id)
        .append("\" class=\"chart").append(cssClass.isEmpty() ? "" : " " + cssClass)
        .append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
        .append("\" role=\"img\" aria-labelledby=\"").append(id).append("-t ").append(id)
        .append("-d\"><title id=\"").append(id).append("-t\">").append(Dashboard.esc(title))
        .append("</title><desc id=\"").append(id).append("-d\">").append(Dashboard.esc(desc))
        .append("</desc>");
  }

  /** Four ticks: the window's start, two thirds between, and "now". */
  private static void timeAxis(StringBuilder s, Frame f, double y) {
    long window = f.toMillis() - f.fromMillis();
    for (int i = 0; i <= 3; i++) {
      double x = f.x() + f.w() * i / 3;
      String anchor = i == 0 ? "start" : i == 3 ? "end" : "middle";
      s.append("<text class=\"xl\" text-anchor=\"").append(anchor).append("\" x=\"")
          .append(num(x)).append("\" y=\"").append(num(y)).append("\">")
          .append(i == 3 ? "now" : "-" + ago(window * (3 - i) / 3)).append("</text>");
    }
  }

  /** 900000 as "15 min", 30000 as "30 s". */
  static String ago(long millis) {
    long seconds = Math.round(millis / 1000.0);
    return seconds >= 120 && seconds % 60 == 0 ? seconds / 60 + " min" : seconds + " s";
  }

  /** Round numbers as integers, small ones with what precision they need. */
  static String amount(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    String text = String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.0f" : Math.abs(v) >= 1
        ? "%.1f" : "%.2f", v);
    return text.contains(".") ? text.replaceAll("\\.?0+$", "") : text;
  }

  /** One decimal: a tenth of a viewBox unit is finer than any screen shows. */
  static String num(double v) {
    double r = Math.round(v * 10) / 10.0;
    return r == Math.rint(r) ? Long.toString((long) r) : Double.toString(r);
  }

  /** Samples as chart points; {@code value} maps a sample to what is drawn. */
  static <T> List<Point> points(List<T> samples, java.util.function.ToLongFunction<T> at,
      java.util.function.ToDoubleFunction<T> value) {
    List<Point> out = new ArrayList<>(samples.size());
    for (T t : samples) {
      out.add(new Point(at.applyAsLong(t), value.applyAsDouble(t)));
    }
    return out;
  }

  static String clock(Instant t) {
    return CLOCK.format(t);
  }
}
