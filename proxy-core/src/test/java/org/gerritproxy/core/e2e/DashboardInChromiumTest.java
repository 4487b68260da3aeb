package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The health dashboard as an operator sees it: rendered by real headless Chromium in front of a
 * real two-node cluster; screenshots for a laptop and a phone land in {@code target/}.
 */
@ExtendWith(GerritClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardInChromiumTest {
  private static final Path CHROMIUM = HeadlessChromium.BINARY;

  private ProxyFixture proxy;
  private GerritCluster cluster;
  @TempDir Path profile;

  @BeforeAll
  void start(GerritCluster cluster, @TempDir Path dir) throws Exception {
    assumeTrue(Files.isExecutable(CHROMIUM), "Debian's chromium is not installed (.ci/run installs it)");
    this.cluster = cluster;
    proxy = ProxyFixture.withStaticMaster(dir, cluster, cluster.node(1).name());
    proxy.awaitMaster(cluster.node(1).name());
  }

  @AfterAll
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void showsTheMasterAndEveryNodeWithItsState() throws Exception {
    String dom = chromium("--dump-dom", proxy.adminUrl() + "/");
    assertThat(dom)
        .contains("Write master: <b>" + cluster.node(1).name() + "</b>")
        .contains("static election")
        .containsPattern(cluster.node(1).name() + " &#9733;|" + cluster.node(1).name() + " ★")
        .contains(cluster.node(2).name())
        .containsPattern("class=\"UP\">UP</td>")
        .contains("election")
        .contains("proxy.config");
  }

  @Test
  void showsTrafficPerNodeTheConfigFileTheLastReloadAndRecentEvents() throws Exception {
    java.net.http.HttpResponse<String> served = proxy.get("/config/server/version", null, null);
    assertThat(served.statusCode()).isEqualTo(200);
    String node = served.headers().firstValue("X-Gerrit-Proxy-Node").orElseThrow();
    assertThat(proxy.process().reload()).isTrue();

    String dom = chromium("--dump-dom", proxy.adminUrl() + "/");

    String row = row(dom, node);
    assertThat(row).as("the row of " + node + ", which served a request")
        .containsPattern("data-label=\"Requests\" class=\"n requests\">[1-9][0-9]*</td>")
        .containsPattern("data-label=\"Bytes in / out\" class=\"n bytes\">[0-9.]+ k?B / [0-9.]+ k?B</td>")
        .containsPattern("data-label=\"Req/s\" class=\"n rate\">[0-9]+\\.[0-9]</td>")
        .containsPattern("data-label=\"Sessions\" class=\"n sessions\">[0-9]+</td>")
        .containsPattern("data-label=\"Latency\" class=\"n\">[0-9.]+ ms</td>");
    assertThat(row(dom, cluster.node(2).name())).contains("data-label=\"Sessions\"");
    assertThat(dom)
        .contains(proxy.process().config().sources().get(0).toString())
        .containsPattern("Last reload: <b id=\"last-reload\" class=\"\">ok</b> at 20")
        .doesNotContain("id=\"restart-needed\"");
    String events = dom.substring(dom.indexOf("<ul id=\"events\">"));
    assertThat(events).contains("<b>reload</b> configuration reloaded from")
        .contains("<b>start</b>");
    assertThat(events.indexOf("<b>reload</b>")).as("newest first")
        .isLessThan(events.indexOf("<b>start</b>"));
  }

  @Test
  void aBrokenEditIsShownWithItsLineAndTheOldConfigurationStays() throws Exception {
    Path file = proxy.process().config().sources().get(0);
    String good = Files.readString(file);
    try {
      Files.writeString(file, good + "[node \"broken\"]\n\thttp = not a url\n");
      assertThat(proxy.process().reload()).isFalse();
      String dom = chromium("--dump-dom", proxy.adminUrl() + "/");
      assertThat(dom).containsPattern("Last reload: <b id=\"last-reload\" class=\"bad\">failed</b>")
          .contains("previous configuration stays in force")
          .contains(file.getFileName() + ":");
      assertThat(row(dom, cluster.node(1).name())).as("the old nodes are still shown").isNotEmpty();
    } finally {
      Files.writeString(file, good);
      assertThat(proxy.process().reload()).isTrue();
    }
  }

  /** The dashboard's table row of {@code node}. */
  private static String row(String dom, String node) {
    int start = dom.indexOf("<tr data-node=\"" + node + "\">");
    assertThat(start).as("a row for " + node).isNotNegative();
    return dom.substring(start, dom.indexOf("</tr>", start));
  }

  @Test
  void rendersOnALaptopAndOnAPhone() throws Exception {
    Path target = Path.of("target");
    for (String[] size : List.of(new String[] {"laptop", "1280,800"}, new String[] {"phone", "390,844"})) {
      Path png = target.resolve("dashboard-" + size[0] + ".png").toAbsolutePath();
      Files.deleteIfExists(png);
      chromium("--screenshot=" + png, "--window-size=" + size[1], proxy.adminUrl() + "/");
      assertThat(png).exists();
      byte[] head = Files.readAllBytes(png);
      assertThat(head.length).as("a real picture, not an empty page").isGreaterThan(5_000);
      assertThat(new String(head, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
      int width = java.nio.ByteBuffer.wrap(head, 16, 4).getInt(); // PNG IHDR: width, then height
      assertThat(width).as("the screenshot is as wide as the " + size[0]).isEqualTo(
          Integer.parseInt(size[1].substring(0, size[1].indexOf(','))));
    }
  }

  private String chromium(String... args) throws Exception {
    return HeadlessChromium.run(profile, args);
  }
}
