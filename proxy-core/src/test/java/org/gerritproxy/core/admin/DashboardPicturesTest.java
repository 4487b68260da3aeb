package org.gerritproxy.core.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.gerritproxy.core.backdoor.BackdoorReading;
import org.gerritproxy.core.events.ClusterEvent;
import org.gerritproxy.core.events.MasterTimeline;
import org.gerritproxy.core.health.NodeHealth;
import org.gerritproxy.core.metrics.ProxyMetrics;
import org.gerritproxy.core.metrics.TrafficSample;
import org.gerritproxy.packstore.PackCacheObserver;
import org.gerritproxy.packstore.PackStore;
import org.gerritproxy.routing.AdminState;
import org.gerritproxy.routing.Endpoint;
import org.gerritproxy.routing.HealthView;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.NodeState;
import org.gerritproxy.routing.RoutingSnapshot;
import org.gerritproxy.routing.RoutingTable;
import org.gerritproxy.routing.WriteMaster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/** The dashboard page with its pictures: every SVG on it is well-formed XML with words inside. */
class DashboardPicturesTest {
  private static final long NOW = 1_800_000_000_000L;

  @Test
  void everyPictureOnThePageParsesAndSaysWhatItShows() throws Exception {
    List<Node> nodes = List.of(node("gerrit-1", 100), node("gerrit-2", 90));
    RoutingTable.Builder table = RoutingTable.builder();
    nodes.forEach(table::addNode);
    RoutingSnapshot snapshot = new RoutingSnapshot(table.build(),
        new HealthView(Map.of("gerrit-1", NodeState.DOWN, "gerrit-2", NodeState.UP)),
        new WriteMaster(Optional.of("gerrit-2"), 2, "gerrit-1 is DOWN"));
    List<NodeHealth> health = nodes.stream()
        .map(n -> NodeHealth.unprobed(n, BackdoorReading.notConfigured())).toList();

    List<TrafficSample> one = new ArrayList<>();
    List<TrafficSample> two = new ArrayList<>();
    for (int i = 0; i < 90; i++) {
      long end = NOW - (89 - i) * 10_000L;
      boolean dead = i >= 60;
      one.add(new TrafficSample(end, 10_000, dead ? 0 : 50, 0,
          dead ? Double.NaN : 20 + i, dead ? 0 : 2));
      two.add(new TrafficSample(end, 10_000, dead ? 100 : 40, i == 60 ? 5 : 0, 15, dead ? 4 : 1));
    }
    MasterTimeline timeline = new MasterTimeline();
    timeline.observe(Instant.ofEpochMilli(NOW - 1_000_000), master("gerrit-1", 1));
    Instant failover = Instant.ofEpochMilli(NOW - 290_000);
    timeline.observe(failover, master("gerrit-2", 2));
    timeline.mark(new ClusterEvent(failover, "election", "gerrit-2 is write master (epoch 2)"));
    timeline.mark(new ClusterEvent(failover.plusSeconds(60), "node-state",
        "gerrit-1 is DRAINING (was DOWN): state = drain"));

    String page = Dashboard.render("proxy-a", snapshot, health,
        new ConfigStatus(Path.of("/etc/gerrit-proxy/proxy.config"), Instant.ofEpochMilli(NOW),
            Optional.empty()),
        List.of(), Map.of(), Map.of(), Optional.of(new Dashboard.Views(NOW, 900_000, 10_000,
            Map.of("gerrit-1", one, "gerrit-2", two), timeline.view())), Optional.empty(),
        Optional.empty());

    List<String> svgs = svgs(page);
    assertThat(svgs).as("a wide and a narrow timeline, four charts").hasSize(6);
    List<String> titles = new ArrayList<>();
    for (String svg : svgs) {
      Document doc = ChartsTest.parse(svg);
      titles.add(doc.getElementsByTagName("title").item(0).getTextContent());
      assertThat(doc.getElementsByTagName("desc").item(0).getTextContent()).isNotBlank();
      assertThat(doc.getDocumentElement().getAttribute("width")).as("scales with the page").isEmpty();
    }
    assertThat(titles).containsExactly("Write master and epochs", "Write master and epochs",
        "Requests per second",
        "p99 latency (ms)", "Errors per second", "Open SSH sessions");
    assertThat(page).contains("<h2 id=\"last\">Last 15 min")
        .contains("gerrit-1: now 0/s, peak 5/s.").contains("gerrit-2: now 10/s, peak 10/s.")
        .contains("class=\"mark failover\"").contains("class=\"mark drain\"")
        .containsPattern("Masters, newest first: <span><b>gerrit-2</b> epoch 2 from [0-9:]{8}</span>"
            + "<span><b>gerrit-1</b> epoch 1 from [0-9:]{8}</span></p>")
        .contains("id=\"timeline\" class=\"chart wide\" viewBox=\"0 0 720 110\"")
        .contains("id=\"timeline-narrow\" class=\"chart narrow\" viewBox=\"0 0 360 110\"");
  }

  @Test
  void withoutViewsThePageIsAsBefore() {
    RoutingTable.Builder table = RoutingTable.builder();
    table.addNode(node("gerrit-1", 100));
    String page = Dashboard.render("proxy-a", new RoutingSnapshot(table.build(),
        HealthView.empty(), WriteMaster.none("starting")), List.of(),
        new ConfigStatus(Path.of("proxy.config"), Instant.ofEpochMilli(NOW), Optional.empty()),
        List.of());
    assertThat(page).doesNotContain("<svg");
    assertThat(page).as("no pack cache panel while the cache is off").doesNotContain("pack-cache");
  }

  @Test
  void thePackCachePanelShowsTheCountersMetricsCounts(@TempDir Path dir) {
    ProxyMetrics metrics = new ProxyMetrics(() -> null);
    assertThat(metrics.packCache()).as("off until a store is watched").isEmpty();
    PackStore store = PackStore.open(dir, 50_000_000, PackCacheObserver.NONE);
    metrics.watchPackCache(() -> Optional.of(store));
    metrics.packCacheAnswered("miss", 2_000_000);
    metrics.packCacheAnswered("hit", 2_000_000);
    metrics.packCacheAnswered("hit", 1_500_000);
    metrics.packCacheAnswered("coalesced", 500_000);
    for (String reason : List.of("not_visible", "uncacheable", "uncacheable", "uncacheable",
        "too_large", "too_large", "check_failed", "check_failed", "check_failed",
        "check_failed")) {
      metrics.packCachePassed(reason);
    }

    RoutingTable.Builder table = RoutingTable.builder();
    table.addNode(node("gerrit-1", 100));
    String page = Dashboard.render("proxy-a", new RoutingSnapshot(table.build(),
        HealthView.empty(), WriteMaster.none("starting")), List.of(),
        new ConfigStatus(Path.of("proxy.config"), Instant.ofEpochMilli(NOW), Optional.empty()),
        List.of(), Map.of(), Map.of(), Optional.empty(), Optional.empty(), metrics.packCache());

    assertThat(page).contains("<h2>Pack cache</h2>")
        .contains("<span id=\"pack-cache-entries\">0 entries</span>, 0 B of 50.0 MB")
        .contains("<b id=\"pack-cache-hits\">2 hits</b>")
        .contains("<span id=\"pack-cache-misses\">1 misses</span>")
        .contains("<span id=\"pack-cache-coalesced\">1 coalesced</span>")
        .contains("<span id=\"pack-cache-passed\">10 passed to Gerrit</span>"
            + " (check_failed 4, uncacheable 3, too_large 2)")
        .contains("<span id=\"pack-cache-served\">6.0 MB</span>");
  }

  static List<String> svgs(String page) {
    List<String> out = new ArrayList<>();
    for (int at = page.indexOf("<svg"); at >= 0; at = page.indexOf("<svg", at + 1)) {
      out.add(page.substring(at, page.indexOf("</svg>", at) + "</svg>".length()));
    }
    return out;
  }

  private static WriteMaster master(String node, long epoch) {
    return new WriteMaster(Optional.of(node), epoch, "test");
  }

  private static Node node(String name, int priority) {
    return new Node(name, URI.create("http://" + name + ".example.com:8080"),
        new Endpoint(name + ".example.com", 29418), priority, 1, AdminState.ACTIVE);
  }
}
