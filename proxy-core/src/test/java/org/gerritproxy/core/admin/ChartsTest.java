package org.gerritproxy.core.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.gerritproxy.core.events.MasterTimeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.w3c.dom.Document;
import org.xml.sax.InputSource;

/** The pictures' pure parts: scales, paths, and SVG that any XML parser reads. */
class ChartsTest {
  /** 100 s across 0..100 units, values 0..10 across 100 units down to 0. */
  private static final Charts.Frame FRAME = new Charts.Frame(0, 100_000, 10, 0, 0, 100, 100);

  @ParameterizedTest(name = "max {0}, floor {1}: top {2}")
  @CsvSource({
      "0, 1, 1", "0.3, 1, 1", "1, 1, 1", "1.01, 1, 2", "2, 1, 2", "3, 1, 5", "7.5, 1, 10",
      "10, 1, 10", "11, 1, 20", "230, 10, 500", "0.03, 0.01, 0.05", "NaN, 10, 10",
      "99999, 1, 100000"})
  void theScaleEndsOnARoundNumber(double max, double floor, double top) {
    assertThat(Charts.niceCeiling(max, floor)).isCloseTo(top, org.assertj.core.data.Offset.offset(1e-9));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "no points                  | ''                                  | ''",
      "one point is a dot         | 50000:5                             | M50 50 h0",
      "a line                     | 0:0 10000:10 20000:5                | M0 100 L10 0 L20 50",
      "too high is drawn at top   | 0:20 10000:-1                       | M0 0 L10 100",
      "a missing value breaks it  | 0:1 10000:NaN 20000:1 30000:2       | M0 90 h0 M20 90 L30 80",
      "a long gap breaks it       | 0:1 10000:1 40000:1 50000:1         | M0 90 L10 90 M40 90 L50 90",
      "outside the window is cut  | -10000:1 0:1 10000:1 110000:1       | M0 90 L10 90"})
  void pathOfSamples(String name, String points, String expected) {
    List<Charts.Point> in = new ArrayList<>();
    for (String p : points.trim().split(" +")) {
      if (!p.isEmpty()) {
        String[] tv = p.split(":");
        in.add(new Charts.Point(Long.parseLong(tv[0]), Double.parseDouble(tv[1])));
      }
    }
    assertThat(Charts.path(in, FRAME, 15_000)).isEqualTo(expected);
  }

  private static final Pattern COMMAND = Pattern.compile("([ML])(-?[0-9.]+) (-?[0-9.]+)");

  @Property
  void everyPointInTheWindowIsDrawnOnceInsideTheFrameLeftToRight(
      @ForAll @Size(max = 120) List<@DoubleRange(min = -1e6, max = 1e6) Double> values,
      @ForAll @IntRange(min = 1, max = 20_000) int step) {
    Charts.Frame frame = new Charts.Frame(0, 900_000, Charts.niceCeiling(1e6, 1), 38, 22, 274, 108);
    List<Charts.Point> points = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      points.add(new Charts.Point(i * (long) step, values.get(i)));
    }
    String d = Charts.path(points, frame, 15_000);
    Matcher m = COMMAND.matcher(d);
    int drawn = 0;
    double lastX = -1;
    while (m.find()) {
      double x = Double.parseDouble(m.group(2));
      double y = Double.parseDouble(m.group(3));
      assertThat(x).isBetween(38.0, 312.0);
      assertThat(y).isBetween(22.0, 130.0);
      assertThat(x).isGreaterThanOrEqualTo(lastX);
      lastX = x;
      drawn++;
    }
    long inWindow = points.stream().filter(p -> p.atMillis() <= 900_000).count();
    assertThat(drawn).isEqualTo(inWindow);
    assertThat(d).doesNotContain("NaN").doesNotContain("E");
  }

  @Test
  void aLineChartIsWellFormedSvgWithATitleAndAWrittenSummary() throws Exception {
    List<Charts.Point> points = List.of(new Charts.Point(880_000, 3), new Charts.Point(890_000, 12.5));
    String svg = Charts.lineChart("chart-rate", "Requests per second", "/s",
        List.of(new Charts.Series("gerrit-1 <&>", 0, points), new Charts.Series("gerrit-2", 1, List.of())),
        0, 900_000, 15_000, 1);
    Document doc = parse(svg);
    assertThat(doc.getDocumentElement().getAttribute("viewBox")).isEqualTo("0 0 360 170");
    assertThat(doc.getDocumentElement().getAttribute("role")).isEqualTo("img");
    assertThat(doc.getElementsByTagName("title").item(0).getTextContent())
        .isEqualTo("Requests per second");
    assertThat(doc.getElementsByTagName("desc").item(0).getTextContent())
        .isEqualTo("gerrit-1 <&>: now 12.5/s, peak 12.5/s. gerrit-2: no data yet.");
    assertThat(doc.getElementsByTagName("path").getLength()).as("gerrit-2 has no line").isEqualTo(1);
    assertThat(svg).contains(">20</text>").contains(">-15 min</text>").contains(">now</text>");
  }

  @Test
  void theTimelineShowsEachMastersStretchAndTheMarks() throws Exception {
    Instant from = Instant.ofEpochMilli(1_000_000);
    MasterTimeline t = new MasterTimeline();
    t.observe(from.minusSeconds(60), new org.gerritproxy.routing.WriteMaster(Optional.of("gerrit-1"), 1, "x"));
    t.observe(from.plusSeconds(400), org.gerritproxy.routing.WriteMaster.none("dead"));
    t.observe(from.plusSeconds(402), new org.gerritproxy.routing.WriteMaster(Optional.of("gerrit-2"), 2, "x"));
    t.mark(new org.gerritproxy.core.events.ClusterEvent(from.plusSeconds(402), "election",
        "gerrit-2 is write master (epoch 2): gerrit-1 is DOWN"));
    t.mark(new org.gerritproxy.core.events.ClusterEvent(from.plusSeconds(600), "reload", "reloaded"));
    t.mark(new org.gerritproxy.core.events.ClusterEvent(from.plusSeconds(601), "node-state",
        "gerrit-1 is DRAINING (was UP): drained"));
    t.mark(new org.gerritproxy.core.events.ClusterEvent(from.minusSeconds(600), "reload", "too old"));

    String svg = Charts.timeline("timeline", t.view(), Map.of("gerrit-1", 0, "gerrit-2", 1),
        from.toEpochMilli(), from.toEpochMilli() + 900_000);
    Document doc = parse(svg);
    assertThat(doc.getElementsByTagName("rect").getLength()).as("the band and three stretches")
        .isEqualTo(4);
    assertThat(svg).contains(">gerrit-1 \u00b7 epoch 1</text>").contains(">gerrit-2 \u00b7 epoch 2</text>")
        .contains("class=\"mark failover\"").contains("class=\"mark reload\"").doesNotContain("too old")
        .contains("fill=\"" + Charts.COLOURS[1] + "\"");
    assertThat(doc.getElementsByTagName("desc").item(0).getTextContent())
        .contains("gerrit-2 master, epoch 2 from").contains("1 elections, 1 drains, 1 reloads");
    assertThat(svg).as("a drain a second after a reload stands above it")
        .contains("<circle cx=\"476.7\" cy=\"31\"").contains("<path d=\"M477.4 16 L481.4 21");
  }

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource({"0, 0", "3, 3", "12.5, 12.5", "0.5, 0.5", "0.25, 0.25", "0.333, 0.33", "1.04, 1",
      "123.4, 123", "2.5, 2.5"})
  void amountsAreWrittenWithoutNeedlessDigits(double v, String written) {
    assertThat(Charts.amount(v)).isEqualTo(written);
  }

  @ParameterizedTest
  @CsvSource({"900000, 15 min", "90000, 90 s", "30000, 30 s", "600000, 10 min", "150000, 150 s"})
  void windowsAreNamedAsPeopleSayThem(long millis, String said) {
    assertThat(Charts.ago(millis)).isEqualTo(said);
  }

  static Document parse(String xml) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    return f.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
  }
}
