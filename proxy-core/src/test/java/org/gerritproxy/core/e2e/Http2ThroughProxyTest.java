package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.gerritproxy.core.cluster.GerritAdmin;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritClusterExtension;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.core.cluster.HttpdLogEntry;
import org.gerritproxy.core.cluster.LogMark;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * HTTP/2 over TLS with real clients and real Gerrit: git (curl with nghttp2) clones and pushes
 * with {@code http.version=HTTP/2}, and Debian's Chromium loads Gerrit's web UI. The proxy's
 * access log says the client spoke HTTP/2; the nodes' own {@code httpd_log} says the requests
 * reached them, over HTTP/1.1.
 */
@ExtendWith(GerritClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Http2ThroughProxyTest {
  private static final Duration LOG_WAIT = Duration.ofSeconds(15);

  private GerritNode master;
  private List<GerritNode> nodes;
  private ProxyFixture proxy;
  private Path certificate;
  /** The proxy's own access log ({@code httpd_log}), as its lines are written. */
  private final ListAppender<ILoggingEvent> access = new ListAppender<>();

  @TempDir Path work;

  @BeforeAll
  void startProxy(GerritCluster cluster, @TempDir Path proxyDir) throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl is not installed");
    master = cluster.node(1);
    nodes = cluster.nodes();
    certificate = proxyDir.resolve("proxy.crt");
    Path key = proxyDir.resolve("proxy.key");
    Process p = new ProcessBuilder(List.of("openssl", "req", "-x509", "-newkey", "ec",
        "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "-keyout", key.toString(), "-out", certificate.toString()))
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    access.start();
    ((Logger) LoggerFactory.getLogger("httpd_log")).addAppender(access);
    // httpd.http2 is left to its default: offered with TLS.
    proxy = ProxyFixture.start(proxyDir, cluster.nodes(), ProxyFixture.staticMaster("gerrit-1")
        .replace("[election]", "[httpd]\n\tsslCertificate = " + certificate + "\n\tsslKey = "
            + key + "\n[election]"));
    proxy.awaitMaster(master.name());
  }

  @AfterAll
  void stopProxy() {
    ((Logger) LoggerFactory.getLogger("httpd_log")).detachAppender(access);
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void gitClonesAndPushesOverHttp2() throws Exception {
    String project = "h2-" + System.nanoTime();
    master.admin().createProject(project);
    LogMark mark = master.httpdLog().mark();
    Map<GerritNode, LogMark> marks = marks();

    Git.Result clone = Git.run(work, Map.of("GIT_TRACE_CURL", "1", "GIT_TRACE_CURL_NO_DATA", "1",
            "GIT_SSL_CAINFO", certificate.toString()),
        "-c", "http.version=HTTP/2", "clone", url(null) + "/" + project, "repo");
    clone.assertOk("clone over HTTP/2");
    assertThat(clone.output()).as("curl's own word on the protocol").contains("ALPN: server accepted h2");

    Path repo = work.resolve("repo");
    Files.writeString(repo.resolve("h2.txt"), "over HTTP/2\n");
    Git.ok(repo, "add", "h2.txt");
    Git.ok(repo, "commit", "-q", "-m", "Add h2.txt");
    Git.run(repo, Map.of("GIT_SSL_CAINFO", certificate.toString()), "-c", "http.version=HTTP/2",
        "push", url(GerritAdmin.ADMIN_USER + ":" + GerritAdmin.ADMIN_PASSWORD) + "/a/" + project,
        "HEAD:refs/heads/master").assertOk("push over HTTP/2");

    HttpdLogEntry pushOnNode = master.httpdLog().await(mark,
        e -> e.resource().contains(project) && e.resource().contains("git-receive-pack")
            && e.method().equals("POST"), LOG_WAIT);
    // A clone is a read: either node may serve it.
    assertThat(since(marks)).as("the clone's pack request reached a node, over HTTP/1.1")
        .anyMatch(e -> e.resource().contains(project + "/git-upload-pack")
            && e.protocol().equals("HTTP/1.1") && e.status() == 200);
    assertThat(pushOnNode.protocol()).isEqualTo("HTTP/1.1");
    assertThat(proxyLines(project))
        .as("the proxy's access log: the client spoke HTTP/2")
        .anyMatch(l -> l.contains("\"POST /" + project + "/git-upload-pack HTTP/2\" 200"))
        .anyMatch(l -> l.contains("/a/" + project + "/git-receive-pack HTTP/2\" 200"));
    String pushed = Git.ok(repo, "rev-parse", "HEAD").strip();
    Git.Result lsRemote = Git.run(work, Map.of("GIT_SSL_CAINFO", certificate.toString()),
        "-c", "http.version=HTTP/2", "ls-remote", url(null) + "/" + project,
        "refs/heads/master");
    lsRemote.assertOk("ls-remote");
    assertThat(lsRemote.output()).startsWith(pushed);
  }

  @Test
  void chromiumLoadsGerritsWebUiOverHttp2() throws Exception {
    assumeTrue(Files.isExecutable(HeadlessChromium.BINARY),
        "Debian's chromium is not installed (.ci/run installs it)");
    int before = access.list.size();
    Map<GerritNode, LogMark> marks = marks();
    // The certificate is self-signed: what is tested is the protocol, not the trust.
    String dom = HeadlessChromium.run(work.resolve("chromium-profile"),
        "--ignore-certificate-errors", "--virtual-time-budget=10000", "--dump-dom",
        url(null) + "/q/status:open");
    assertThat(dom).as("Gerrit's app shell").contains("gr-app");
    List<String> lines = access.list.subList(before, access.list.size()).stream()
        .map(ILoggingEvent::getFormattedMessage).toList();
    assertThat(lines).as("the page came over HTTP/2")
        .anyMatch(l -> l.contains("\"GET /q/status:open HTTP/2\" 200"));
    // The page's scripts, styles and fonts, each on a stream of its own: each reached a node,
    // whatever that node had for it.
    List<String> scripts = lines.stream().filter(l -> l.matches(".*\"GET /\\S+\\.js HTTP/2\" .*"))
        .map(l -> l.replaceAll(".*\"GET (\\S+) HTTP/2\".*", "$1")).toList();
    assertThat(scripts).as("scripts the page loaded over HTTP/2").isNotEmpty();
    List<String> onNodes = new java.util.ArrayList<>();
    long deadline = System.nanoTime() + LOG_WAIT.toNanos();
    do { // a node writes its log line after its response
      onNodes.clear();
      since(marks).forEach(e -> onNodes.add(e.resource()));
    } while (!onNodes.containsAll(scripts) && System.nanoTime() < deadline && sleep());
    assertThat(onNodes).as("the nodes' own logs").contains("/q/status:open")
        .containsAll(scripts);
    assertThat(lines).as("nothing of the page over HTTP/1.1")
        .allMatch(l -> l.contains(" HTTP/2\" "));
  }

  private Map<GerritNode, LogMark> marks() {
    Map<GerritNode, LogMark> marks = new java.util.HashMap<>();
    for (GerritNode n : nodes) {
      marks.put(n, n.httpdLog().mark());
    }
    return marks;
  }

  /** What every node logged since {@code marks}. */
  private List<HttpdLogEntry> since(Map<GerritNode, LogMark> marks) {
    List<HttpdLogEntry> all = new java.util.ArrayList<>();
    for (GerritNode n : nodes) {
      all.addAll(n.httpdLog().since(marks.get(n)));
    }
    return all;
  }

  private static boolean sleep() throws InterruptedException {
    Thread.sleep(100);
    return true;
  }

  private String url(String userInfo) {
    return "https://" + (userInfo == null ? "" : userInfo + "@") + "127.0.0.1:"
        + proxy.process().httpAddress().getPort();
  }

  private List<String> proxyLines(String containing) {
    return access.list.stream().map(ILoggingEvent::getFormattedMessage)
        .filter(l -> l.contains(containing)).toList();
  }
}
