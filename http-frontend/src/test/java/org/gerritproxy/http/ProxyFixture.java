package org.gerritproxy.http;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.gerritproxy.routing.AdminState;
import org.gerritproxy.routing.Endpoint;
import org.gerritproxy.routing.HealthView;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.NodeState;
import org.gerritproxy.routing.ReadYourWrites;
import org.gerritproxy.routing.RoutingSettings;
import org.gerritproxy.routing.RoutingSnapshot;
import org.gerritproxy.routing.RoutingTable;
import org.gerritproxy.routing.WriteMaster;
import org.gerritproxy.routing.WritesMode;
import org.gerritproxy.routing.traffic.AccessRecord;
import org.gerritproxy.routing.traffic.TrafficObserver;
import org.junit.jupiter.api.AfterEach;

/** Backends, a routing snapshot and a proxy in front of them, torn down after each test. */
abstract class ProxyFixture {

  /** Records what the proxy reports. */
  static final class RecordingObserver implements TrafficObserver {
    final List<String> failedNodes = new CopyOnWriteArrayList<>();
    final List<AccessRecord<HttpRequestLine>> records = new CopyOnWriteArrayList<>();

    @Override
    public void nodeFailed(Node node, Throwable cause) {
      failedNodes.add(node.name());
    }

    @Override
    @SuppressWarnings("unchecked") // the HTTP frontend reports HTTP records only
    public void completed(AccessRecord<?> record) {
      records.add((AccessRecord<HttpRequestLine>) record);
    }
  }

  final List<TestBackend> backends = new ArrayList<>();
  final AtomicReference<RoutingSnapshot> snapshot = new AtomicReference<>();
  final RecordingObserver observer = new RecordingObserver();
  /** Who wrote recently, as the SSH frontend would share it. */
  final ReadYourWrites readYourWrites = ReadYourWrites.onSystemClock();
  HttpProxyServer proxy;
  InetSocketAddress address;

  TestBackend backend(String name) throws InterruptedException {
    TestBackend b = new TestBackend(name);
    backends.add(b);
    return b;
  }

  static Node node(String name, URI http, int priority) {
    return new Node(name, http, new Endpoint("127.0.0.1", 29418), priority, 1, AdminState.ACTIVE);
  }

  /** A snapshot with every node UP and {@code master} (may be null) as write master. */
  static RoutingSnapshot snapshot(List<Node> nodes, String master, Duration readYourWrites) {
    RoutingTable.Builder t = RoutingTable.builder()
        .routing(new RoutingSettings(WritesMode.MASTER, readYourWrites));
    Map<String, NodeState> health = new HashMap<>();
    for (Node n : nodes) {
      t.addNode(n);
      health.put(n.name(), NodeState.UP);
    }
    WriteMaster m = master == null
        ? WriteMaster.none("no node is up")
        : new WriteMaster(Optional.of(master), 1, "test");
    return new RoutingSnapshot(t.build(), new HealthView(health), m);
  }

  static HttpFrontendSettings settings() {
    return HttpFrontendSettings.defaults(new Endpoint("127.0.0.1", 0)).withProxyName("test-proxy");
  }

  void startProxy(HttpFrontendSettings settings) throws Exception {
    proxy = new HttpProxyServer(settings, snapshot::get, observer, readYourWrites);
    address = proxy.start();
  }

  void startProxy() throws Exception {
    startProxy(settings());
  }

  RawHttp client() throws Exception {
    return new RawHttp(address);
  }

  /** GET {@code path} on a new connection with extra header lines (each ending in CRLF). */
  RawHttp.Response get(String path, String headers) throws Exception {
    try (RawHttp c = client()) {
      c.send("GET " + path + " HTTP/1.1\r\nHost: review.example.com\r\n" + headers + "\r\n");
      return c.read();
    }
  }

  /** Waits up to five seconds for {@code condition}: logging follows the response's last byte. */
  static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
    await(condition, Duration.ofSeconds(5));
  }

  /** Waits up to {@code within} for {@code condition}. */
  static void await(java.util.function.BooleanSupplier condition, Duration within)
      throws InterruptedException {
    long end = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean() && System.nanoTime() < end) {
      Thread.sleep(10);
    }
  }

  @AfterEach
  void tearDown() {
    if (proxy != null) {
      proxy.shutdownGracefully(Duration.ofSeconds(1));
    }
    for (TestBackend b : backends) {
      b.close();
    }
  }
}
