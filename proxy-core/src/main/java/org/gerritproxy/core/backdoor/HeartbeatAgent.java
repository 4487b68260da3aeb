package org.gerritproxy.core.backdoor;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.gerritproxy.core.probe.NetworkProbe;
import org.gerritproxy.core.probe.ProbeResult;
import org.gerritproxy.routing.Node;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent that runs beside one Gerrit node: every interval it checks its Gerrit over loopback
 * and writes {@code (node, sequence, local health)} to the backdoor.
 */
public final class HeartbeatAgent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HeartbeatAgent.class);

  private final Node node;
  private final String path;
  private final Duration interval;
  private final Duration timeout;
  private final Backdoor backdoor;
  private final NetworkProbe probe;
  // Starts at the wall clock so a restarted agent never repeats its predecessor's last value.
  private final AtomicLong sequence = new AtomicLong(System.currentTimeMillis());
  private final ScheduledExecutorService executor;
  // Confined to the agent's thread: log changes, not every beat.
  private String lastOutcome = "";

  public HeartbeatAgent(Node node, String path, Duration interval, Duration timeout,
      Backdoor backdoor) {
    this.node = node;
    this.path = path;
    this.interval = interval;
    this.timeout = timeout;
    this.backdoor = backdoor;
    this.probe = new NetworkProbe(Clock.systemUTC());
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "heartbeat-" + node.name());
      t.setDaemon(true);
      return t;
    });
  }

  public void start() {
    log.info("Heartbeat agent for {} checks {}{} every {} ms and writes to {}", node.name(),
        node.http(), path, interval.toMillis(), backdoor.describe());
    executor.scheduleWithFixedDelay(this::beatQuietly, 0, interval.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** One beat: check the local Gerrit, then write the result. */
  public HeartbeatRecord beat() throws IOException {
    ProbeResult result;
    try {
      result = probe.probe(node, path, timeout).get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      result = null;
    }
    boolean healthy = result != null && result.ok();
    String detail = healthy ? "" : result == null ? "no answer" : result.error().orElse("");
    HeartbeatRecord record = new HeartbeatRecord(node.name(), sequence.incrementAndGet(), healthy,
        detail);
    backdoor.write(record);
    return record;
  }

  private void beatQuietly() {
    String outcome;
    try {
      HeartbeatRecord r = beat();
      outcome = r.healthy() ? "healthy" : "unhealthy: " + r.detail();
    } catch (IOException | RuntimeException e) {
      // Keep beating: the shared storage may come back, and a skipped beat is what tells
      // proxies that this node cannot vouch for itself.
      outcome = "not written: " + e.getMessage();
    }
    if (!outcome.equals(lastOutcome)) {
      if (outcome.equals("healthy")) {
        log.info("Heartbeat of {}: healthy", node.name());
      } else {
        log.warn("Heartbeat of {}: {}", node.name(), outcome);
      }
      lastOutcome = outcome;
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    probe.close();
  }
}
