package org.gerritproxy.core.replication;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.gerritproxy.core.config.ProxyConfig;
import org.gerritproxy.core.events.EventLog;
import org.gerritproxy.core.peer.PeerSsh;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.RoutingSnapshot;
import org.gerritproxy.routing.replication.RefTarget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the master's {@code gerrit stream-events -s ref-updated}, so that the proxy learns
 * updates it did not forward itself: submits, REST writes, pushes through other proxies. It logs
 * in to the master as a peer daemon would, with the proxy's peer key as {@code Gerrit Code
 * Review}, and runs the command as {@code [accounts] user} through {@code suexec}, with the system
 * {@code ssh} client (as {@code [election] onFailover} does). It reconnects when the stream ends
 * and moves to the new master when the master changes.
 *
 * <p>Events missed while the stream is down are not replayed (Gerrit keeps none); pushes through
 * this proxy are learned all the same.
 */
final class MasterEvents implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MasterEvents.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Supplier<RoutingSnapshot> snapshots;
  private final Supplier<ProxyConfig> config;
  private final EventLog events;
  private final BiConsumer<String, RefTarget> learned;
  private final Thread thread;
  private volatile boolean closed;
  private volatile Process current;
  private volatile String from;

  MasterEvents(Supplier<RoutingSnapshot> snapshots, Supplier<ProxyConfig> config,
      EventLog events, BiConsumer<String, RefTarget> learned) {
    this.snapshots = snapshots;
    this.config = config;
    this.events = events;
    this.learned = learned;
    this.thread = new Thread(this::run, "master-events");
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  boolean connected() {
    Process p = current;
    return p != null && p.isAlive();
  }

  /** Ends the stream from a node that is no longer the master; the loop connects to the new one. */
  void masterChanged() {
    Process p = current;
    String was = from;
    if (p != null && (was == null || !snapshots.get().master().is(was))) {
      p.destroy();
    }
  }

  private void run() {
    long backoffMillis = 500;
    String lastProblem = null;
    while (!closed) {
      RoutingSnapshot s = snapshots.get();
      ProxyConfig cfg = config.get();
      Optional<Node> master = s.master().node().flatMap(n -> s.table().node(n));
      if (!s.table().cluster().replicated() || master.isEmpty()
          || cfg.accounts().user().isEmpty()) {
        pause(1000);
        continue;
      }
      long started = System.nanoTime();
      String problem = stream(master.get(), cfg);
      if (closed) {
        return;
      }
      if (System.nanoTime() - started > 30_000_000_000L) {
        backoffMillis = 500; // it ran a good while: this is a new failure, not the same one
      }
      if (problem != null && !problem.equals(lastProblem)) {
        events.record("replication", problem);
      }
      lastProblem = problem;
      pause(backoffMillis);
      backoffMillis = Math.min(backoffMillis * 2, 10_000);
    }
  }

  /** Runs one stream until it ends; returns why it ended, or null when the master changed. */
  private String stream(Node master, ProxyConfig cfg) {
    List<String> command = commandLine(master,
        new PeerSsh(cfg.sshd().peerKey(), cfg.sshd().nodeKnownHosts()), cfg.accounts().user().get());
    Process p;
    try {
      p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.PIPE).start();
    } catch (IOException e) {
      return "cannot follow the events of " + master.name() + ": " + e.getMessage()
          + ". Is the ssh client installed?";
    }
    current = p;
    from = master.name();
    log.info("following the ref-updated events of {}", master.name());
    StringBuilder err = new StringBuilder();
    Thread errors = new Thread(() -> drain(p, err), "master-events-stderr");
    errors.setDaemon(true);
    errors.start();
    try {
      p.getOutputStream().close();
      BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
          StandardCharsets.UTF_8));
      for (String line; (line = in.readLine()) != null; ) {
        event(line);
      }
    } catch (IOException e) {
      log.debug("the event stream of {} broke", master.name(), e);
    } finally {
      p.destroy();
      current = null;
    }
    try {
      errors.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!snapshots.get().master().is(master.name())) {
      return null;
    }
    String why;
    synchronized (err) {
      why = err.toString().strip();
    }
    return "the ref-updated events of " + master.name() + " stopped" + (why.isEmpty() ? ""
        : " (" + why + ")") + "; reconnecting. Updates made meanwhile other than through this"
        + " proxy are not known; check the peer key in the node's etc/peer_keys and that [accounts]"
        + " user may stream events.";
  }

  private static void drain(Process p, StringBuilder err) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(),
        StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        synchronized (err) {
          if (err.length() < 500) {
            err.append(line).append(' ');
          }
        }
      }
    } catch (IOException e) {
      // the process ended
    }
  }

  /** One line of the stream: a {@code ref-updated} event becomes an update learned. */
  void event(String line) {
    try {
      JsonNode e = JSON.readTree(line);
      if (!"ref-updated".equals(e.path("type").asText())) {
        return;
      }
      parse(e.path("refUpdate")).ifPresent(u -> learned.accept(u.project, u.target));
    } catch (IOException | IllegalArgumentException e) {
      log.debug("not an event: {}", line);
    }
  }

  record Update(String project, RefTarget target) {}

  /** {@code {"project":…, "refName":…, "newRev":…}}; an old Gerrit's short branch names too. */
  static Optional<Update> parse(JsonNode refUpdate) {
    String project = refUpdate.path("project").asText("");
    String ref = refUpdate.path("refName").asText("");
    String newRev = refUpdate.path("newRev").asText("");
    if (project.isEmpty() || ref.isEmpty()) {
      return Optional.empty();
    }
    if (!ref.startsWith("refs/")) {
      ref = "refs/heads/" + ref;
    }
    return Optional.of(new Update(project, new RefTarget(ref, newRev)));
  }

  /** The {@code ssh} command line, one argument per element (no shell in between). */
  static List<String> commandLine(Node node, PeerSsh peer, String asUser) {
    // A master that vanishes without closing the connection is noticed within a minute.
    return peer.commandLine(node, asUser, "gerrit stream-events -s ref-updated",
        "ServerAliveInterval=15", "ServerAliveCountMax=4");
  }

  private void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = true;
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    Process p = current;
    if (p != null) {
      p.destroy();
    }
  }
}
