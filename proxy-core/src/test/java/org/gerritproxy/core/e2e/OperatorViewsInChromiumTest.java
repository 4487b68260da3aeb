package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.xml.parsers.DocumentBuilderFactory;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritClusterExtension;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.routing.NodeState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.xml.sax.InputSource;

/**
 * The operators' views in front of a real two-node cluster under real traffic: the dashboard's
 * pictures rendered by real headless Chromium on a laptop and a phone while the master is killed
 * and replaced (screenshots kept in {@code target/screenshots/}), and the shipped Grafana
 * dashboard, every series of which must be in the running proxy's {@code /metrics}.
 */
@ExtendWith(GerritClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OperatorViewsInChromiumTest {
  private static final Path CHROMIUM = HeadlessChromium.BINARY;
  private static final Path GRAFANA = Path.of("..", "docs", "grafana", "gerrit-proxy.json");

  private GerritCluster cluster;
  private TwoChannelProxy proxy;
  /** Users who each hold an SSH session open through the proxy, with their keys. */
  private final Map<String, Path> users = new java.util.LinkedHashMap<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  @TempDir Path profile;

  @BeforeAll
  void start(GerritCluster cluster, @TempDir Path dir) throws Exception {
    this.cluster = cluster;
    Path peer = dir.resolve("peer_key");
    String base64 = org.gerritproxy.ssh.KeyFiles.publicBase64(
        org.gerritproxy.ssh.KeyFiles.loadOrCreate(peer));
    for (GerritNode node : cluster.nodes()) {
      node.trustPeerKey(base64);
    }
    String suffix = Long.toString(System.nanoTime(), 36);
    for (int i = 0; i < 3; i++) {
      String user = "views-" + i + "-" + suffix;
      users.put(user, SshCli.newUserWithKey(dir, cluster.node(1).admin(), user, "pw-" + suffix));
    }
    // One sample a second, so the 90 samples kept span 90 s: the whole story fits in the test.
    proxy = new TwoChannelProxy(dir, cluster, Map.of(), Map.of(),
        "[sshd]\n\tpeerKey = " + peer + "\n\thostKey = " + dir.resolve("ssh_host_key") + "\n"
            + "[accounts]\n\tuser = admin\n\tpassword = secret\n"
            + "[admin]\n\thistoryInterval = 1s\n");
    proxy.awaitMaster(cluster.node(1).name());
  }

  @AfterAll
  void stop() throws Exception {
    if (proxy != null) {
      proxy.close();
    }
    for (GerritNode node : cluster.nodes()) {
      if (!node.isRunning()) {
        node.start();
      }
    }
  }

  @Test
  void thePicturesShowTheFailoverOnALaptopAndOnAPhone() throws Exception {
    assumeTrue(Files.isExecutable(CHROMIUM), "Debian's chromium is not installed (.ci/run installs it)");
    GerritNode first = cluster.node(1);
    GerritNode second = cluster.node(2);
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> load = new ArrayList<>(List.of(
        daemon("reads", () -> reads(stop)),
        daemon("writes", () -> writes(stop))));
    users.forEach((user, key) -> load.add(daemon("ssh-" + user, () -> holdSession(stop, user, key))));
    load.forEach(Thread::start);
    try {
      TwoChannelProxy.awaitTrue(() -> samples(first.name()) >= 8, Duration.ofSeconds(60),
          "some samples of traffic before the failover");
      // A drain and its undoing, both reloads: marks on the timeline.
      assertThat(proxy.reconfigure(Map.of(second.name(), "\tstate = drain\n"))).isTrue();
      proxy.awaitState(second.name(), NodeState.DRAINING, Duration.ofSeconds(10));
      assertThat(proxy.reconfigure(Map.of())).isTrue();
      proxy.awaitState(second.name(), NodeState.UP, Duration.ofSeconds(20));
      int before = samples(first.name());
      TwoChannelProxy.awaitTrue(() -> samples(first.name()) >= before + 3, Duration.ofSeconds(30),
          "three more samples");

      long epoch = proxy.process().cluster().snapshot().master().epoch();
      first.kill();
      proxy.awaitMaster(second.name());
      int after = samples(second.name());
      TwoChannelProxy.awaitTrue(() -> samples(second.name()) >= after + 8, Duration.ofSeconds(60),
          "eight samples after the failover");

      String dom = chromium("--dump-dom", adminUrl() + "/");
      Path dir = Path.of("target", "screenshots").toAbsolutePath();
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("views-failover.html"), dom);
      Map<String, String> svgs = new java.util.HashMap<>();
      for (String svg : svgs(dom)) {
        Document doc = parse(svg);
        assertThat(doc.getDocumentElement().getAttribute("viewBox")).isNotEmpty();
        assertThat(doc.getElementsByTagName("desc").item(0).getTextContent()).isNotBlank();
        svgs.put(doc.getDocumentElement().getAttribute("id"), svg);
      }
      assertThat(svgs).containsOnlyKeys("timeline", "timeline-narrow", "chart-rate", "chart-p99",
          "chart-errors", "chart-sessions");
      String timeline = svgs.get("timeline");
      assertThat(timeline)
          .contains(first.name() + " \u00b7 epoch " + epoch)
          .containsPattern(second.name() + " \u00b7 epoch [0-9]+")
          .contains("class=\"mark failover\"").contains("class=\"mark drain\"")
          .contains("class=\"mark reload\"");
      String rate = svgs.get("chart-rate");
      assertThat(rate).contains("<title>" + first.name() + "</title>")
          .contains("<title>" + second.name() + "</title>");
      assertThat(svgs.get("chart-sessions")).as("open SSH sessions").containsPattern(
          "<desc[^>]*>[^<]*" + second.name() + ": now [1-9]");

      // Tall windows, so that each screenshot holds the whole of the pictures (headless
      // Chromium draws a blank page when told to scroll to #last on a small window).
      for (String[] size : List.of(new String[] {"laptop", "1280,1400"},
          new String[] {"phone", "390,2600"})) {
        Path png = dir.resolve("views-failover-" + size[0] + ".png");
        Files.deleteIfExists(png);
        chromium("--screenshot=" + png, "--window-size=" + size[1], adminUrl() + "/");
        byte[] head = Files.readAllBytes(png);
        assertThat(head.length).as("a real picture").isGreaterThan(10_000);
        assertThat(new String(head, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
        assertThat(java.nio.ByteBuffer.wrap(head, 16, 4).getInt()).isEqualTo(
            Integer.parseInt(size[1].substring(0, size[1].indexOf(','))));
      }
    } finally {
      stop.set(true);
      for (Thread t : load) {
        t.join(30_000);
      }
      if (!first.isRunning()) {
        first.start();
      }
    }
  }

  @Test
  void everySeriesTheGrafanaDashboardQueriesIsInMetrics() throws Exception {
    // Traffic first: labelled series appear once something was counted under their labels.
    for (int i = 0; i < 3; i++) {
      assertThat(get("/config/server/version", "GerritAccount=grafana-" + i).statusCode())
          .isEqualTo(200);
    }
    String metrics = http.send(HttpRequest.newBuilder(URI.create(adminUrl() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    Set<String> served = new TreeSet<>();
    for (String line : metrics.split("\n")) {
      if (!line.isEmpty() && !line.startsWith("#")) {
        served.add(line.split("[{ ]", 2)[0]);
      }
    }
    JsonNode dashboard = new ObjectMapper().readTree(GRAFANA.toFile());
    List<String> exprs = new ArrayList<>();
    collect(dashboard, exprs);
    assertThat(exprs).as("the panels' queries").hasSizeGreaterThan(15);
    Set<String> queried = new TreeSet<>();
    for (String expr : exprs) {
      Set<String> names = PromQlNames.of(expr);
      assertThat(names).as("a metric in " + expr).isNotEmpty();
      queried.addAll(names);
    }
    assertThat(queried).allMatch(n -> n.startsWith("gerrit_proxy_"));
    assertThat(served).as("every series the Grafana dashboard queries").containsAll(queried);
    // What the issue asks the dashboard to show, each queried at least once.
    assertThat(queried).contains("gerrit_proxy_requests_total",
        "gerrit_proxy_request_duration_seconds_bucket", "gerrit_proxy_open_sessions",
        "gerrit_proxy_master", "gerrit_proxy_master_epoch", "gerrit_proxy_node_state",
        "gerrit_proxy_read_pool");
  }

  @Test
  void theNameExtractorSeesThroughPromQl() {
    assertThat(PromQlNames.of("histogram_quantile(0.99, sum by (node, le) (rate("
        + "a_bucket{instance=~\"$i\",x=\"y{z}\"}[$__rate_interval])))")).containsExactly("a_bucket");
    assertThat(PromQlNames.of("2 * sum without (state) (b) + on (node) group_left (c) d > 1e3"))
        .containsExactly("b", "d");
    assertThat(PromQlNames.of("label_values(gerrit_proxy_master_epoch, instance)"))
        .containsExactly("gerrit_proxy_master_epoch", "instance");
    assertThatThrownBy(() -> PromQlNames.of("sum(rate(x[5m])")).hasMessageContaining("unclosed");
  }

  /** Every {@code expr}, and every templating {@code label_values(METRIC, …)} query's metric. */
  private static void collect(JsonNode node, List<String> out) {
    if (node.isObject()) {
      node.fields().forEachRemaining(f -> {
        if (f.getKey().equals("expr") && f.getValue().isTextual()) {
          out.add(f.getValue().asText());
        } else if (f.getKey().equals("definition") && f.getValue().asText().startsWith("label_values(")) {
          String def = f.getValue().asText();
          out.add(def.substring("label_values(".length(), def.indexOf(',')));
        } else {
          collect(f.getValue(), out);
        }
      });
    } else if (node.isArray()) {
      node.forEach(n -> collect(n, out));
    }
  }

  /** Samples taken of {@code node} so far. */
  private int samples(String node) {
    return proxy.process().trafficHistory().getOrDefault(node, List.of()).size();
  }

  private String adminUrl() {
    return "http://127.0.0.1:" + proxy.process().adminAddress().getPort();
  }

  private HttpResponse<String> get(String path, String cookie) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
            + proxy.process().httpAddress().getPort() + path)).header("Cookie", cookie)
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Anonymous reads from eight sessions, which stickiness spreads over the nodes. */
  private void reads(AtomicBoolean stop) {
    for (int i = 0; !stop.get(); i++) {
      try {
        get("/config/server/version", "GerritAccount=views-" + (i % 8));
        Thread.sleep(40);
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        // refused or failed during the failover: counted by the proxy, which is the point
      }
    }
  }

  /** A project created every half second: writes, which follow the master. */
  private void writes(AtomicBoolean stop) {
    String suffix = Long.toString(System.nanoTime(), 36);
    for (int i = 0; !stop.get(); i++) {
      try {
        proxy.createProject("views-" + suffix + "-" + i);
        Thread.sleep(500);
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        // as above
      }
    }
  }

  /**
   * One SSH session kept open through the proxy: {@code git-upload-pack} waits for the client's
   * wants, and the client never sends them. When the node dies it is opened again.
   */
  private void holdSession(AtomicBoolean stop, String user, Path key) {
    while (!stop.get()) {
      List<String> argv = new ArrayList<>(List.of("ssh", "-p",
          Integer.toString(proxy.process().sshAddress().getPort())));
      argv.addAll(SshCli.options(key));
      argv.addAll(List.of("-l", user, "127.0.0.1", "git-upload-pack", "'/All-Projects'"));
      try {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        while (!stop.get() && !p.waitFor(200, TimeUnit.MILLISECONDS)) {
          // held open, stdin and all, until the test ends or the node goes away
        }
        p.destroy();
        p.waitFor(10, TimeUnit.SECONDS);
        Thread.sleep(500);
      } catch (InterruptedException e) {
        return;
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  private static Thread daemon(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  static List<String> svgs(String page) {
    List<String> out = new ArrayList<>();
    for (int at = page.indexOf("<svg"); at >= 0; at = page.indexOf("<svg", at + 1)) {
      out.add(page.substring(at, page.indexOf("</svg>", at) + "</svg>".length()));
    }
    return out;
  }

  private static Document parse(String xml) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    return f.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
  }

  private String chromium(String... args) throws Exception {
    return HeadlessChromium.run(profile, args);
  }
}
