package org.gerritproxy.core.probe;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.gerritproxy.routing.Node;

/**
 * Asks each node's fence plugin what it enforces ({@code GET /plugins/fence/status}, open to
 * anyone) every {@link #INTERVAL}, for {@code /health}, the dashboard and {@code /metrics}. Apart
 * from the health probe, and slower: it only shows, never decides where a request goes.
 */
public final class FenceProbe implements AutoCloseable {
  static final String PATH = "/plugins/fence/status";
  public static final Duration INTERVAL = Duration.ofSeconds(2);

  private final HttpClient client;
  private final Clock clock;
  private final Supplier<? extends Iterable<Node>> nodes;
  private final Supplier<Duration> timeout;
  private final Map<String, FenceReading> readings = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "fence-probe");
    t.setDaemon(true);
    return t;
  });

  /**
   * @param nodes the nodes of the configuration in force, read at each round
   * @param timeout the probe timeout in force ({@code [health] timeout})
   */
  public FenceProbe(HttpClient client, Clock clock, Supplier<? extends Iterable<Node>> nodes,
      Supplier<Duration> timeout) {
    this.client = client;
    this.clock = clock;
    this.nodes = nodes;
    this.timeout = timeout;
  }

  public void start() {
    timer.scheduleWithFixedDelay(this::round, 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The last reading per node name; a node not yet asked is absent. */
  public Map<String, FenceReading> readings() {
    return Map.copyOf(readings);
  }

  private void round() {
    java.util.Set<String> current = new java.util.HashSet<>();
    for (Node node : nodes.get()) {
      current.add(node.name());
      ask(node);
    }
    readings.keySet().retainAll(current); // a node removed by a reload is shown no more
  }

  private void ask(Node node) {
    Duration t = timeout.get();
    HttpRequest request;
    try {
      request = HttpRequest.newBuilder(NetworkProbe.target(node.http(), PATH)).timeout(t)
          .header("User-Agent", "gerrit-proxy-probe").GET().build();
    } catch (IllegalArgumentException e) {
      readings.put(node.name(), FenceReading.unknown("bad URL: " + e.getMessage(), clock.instant()));
      return;
    }
    client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .orTimeout(t.toMillis() + 500, TimeUnit.MILLISECONDS)
        .whenComplete((response, error) -> {
          FenceReading r;
          if (error != null) {
            r = FenceReading.unknown("no answer to " + PATH, clock.instant());
          } else if (response.statusCode() == 404) {
            r = FenceReading.noPlugin(clock.instant());
          } else if (response.statusCode() != 200) {
            r = FenceReading.unknown("HTTP " + response.statusCode() + " from " + PATH,
                clock.instant());
          } else {
            r = FenceReading.parse(response.body(), clock.instant());
          }
          readings.put(node.name(), r);
        });
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
