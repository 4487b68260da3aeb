package org.gerritproxy.core.fetch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.gerritproxy.core.config.ProxyConfig;
import org.gerritproxy.core.events.EventLog;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.RoutingSnapshot;
import org.gerritproxy.routing.admission.FetchGate;

/**
 * Learns who the members of {@code [fetch] batchGroup} are, from Gerrit, and hands them to the
 * fetch gate. Gerrit owns group membership; the proxy only reads it, as {@code [accounts] user},
 * from the master (or any node when none is known), every {@link #INTERVAL} and at each reload.
 *
 * <p>A read that fails keeps the members last read: a glitch must not turn every robot into a
 * person (or the other way) until the next minute. A group that does not exist counts as empty,
 * and says so once in the events.
 */
public final class BatchGroups implements AutoCloseable {
  /** How often membership is read again; a new robot waits at most this long to count as batch. */
  static final Duration INTERVAL = Duration.ofMinutes(1);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Supplier<ProxyConfig> config;
  private final Supplier<RoutingSnapshot> snapshots;
  private final FetchGate gate;
  private final EventLog events;
  private final HttpClient http;
  private final ScheduledExecutorService reader = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "batch-groups");
    t.setDaemon(true);
    return t;
  });
  // Only the reader thread touches these.
  private Set<String> members = Set.of();
  private String lastProblem = "";

  public BatchGroups(Supplier<ProxyConfig> config, Supplier<RoutingSnapshot> snapshots,
      FetchGate gate, EventLog events, HttpClient http) {
    this.config = config;
    this.snapshots = snapshots;
    this.gate = gate;
    this.events = events;
    this.http = http;
  }

  public void start() {
    reader.scheduleWithFixedDelay(this::read, 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** After a reload: the groups may have changed, read them now. */
  public void refresh() {
    reader.execute(this::read);
  }

  private void read() {
    ProxyConfig cfg = config.get();
    Set<String> groups = cfg.fetch().batchGroups();
    if (groups.isEmpty()) {
      publish(Set.of());
      return;
    }
    RoutingSnapshot s = snapshots.get();
    Optional<Node> from = s.master().node().flatMap(n -> s.table().node(n))
        .or(() -> s.table().nodes().stream().findFirst());
    Optional<String> auth = cfg.accounts().basicAuthorization();
    if (from.isEmpty() || auth.isEmpty()) {
      return;
    }
    Set<String> read = new HashSet<>();
    List<String> problems = new java.util.ArrayList<>();
    for (String group : new TreeSet<>(groups)) {
      try {
        read.addAll(members(from.get(), group, auth.get(), cfg));
      } catch (IOException e) {
        problems.add(e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    String problem = String.join("; ", problems);
    if (!problem.isEmpty() && !problem.equals(lastProblem)) {
      events.record("batch-groups", "cannot read the members of every [fetch] batchGroup from "
          + from.get().name() + ": " + problem + "; the members last read still count");
    }
    lastProblem = problem;
    if (problems.isEmpty()) {
      publish(read);
    }
  }

  private void publish(Set<String> now) {
    if (!now.equals(members)) {
      members = Set.copyOf(now);
      gate.batchGroupMembers(members);
      events.record("batch-groups", members.size() + " account(s) in [fetch] batchGroup: their"
          + " fetches are batch work");
    }
  }

  /** The user names of the group's members, its subgroups' included. */
  private Set<String> members(Node node, String group, String auth, ProxyConfig cfg)
      throws IOException, InterruptedException {
    String base = node.http().toString().replaceAll("/+$", "");
    URI uri = URI.create(base + "/a/groups/"
        + URLEncoder.encode(group, StandardCharsets.UTF_8).replace("+", "%20")
        + "/members/?recursive");
    HttpRequest request = HttpRequest.newBuilder(uri)
        .timeout(cfg.health().timeout().multipliedBy(2))
        .header("User-Agent", "gerrit-proxy/batch-groups")
        .header("Authorization", auth)
        .GET().build();
    HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() == 404) {
      throw new IOException("group '" + group + "' is not known to Gerrit (or not visible to "
          + cfg.accounts().user().get() + ")");
    }
    if (r.statusCode() != 200) {
      throw new IOException("group '" + group + "' answered HTTP " + r.statusCode());
    }
    String body = r.body();
    // Gerrit prefixes its JSON with )]}' against cross-site script inclusion.
    JsonNode list = JSON.readTree(body.startsWith(")]}'") ? body.substring(4) : body);
    Set<String> names = new HashSet<>();
    for (JsonNode account : list) {
      JsonNode username = account.get("username");
      if (username != null && username.isTextual()) {
        names.add(username.asText().toLowerCase(Locale.ROOT));
      }
    }
    return names;
  }

  @Override
  public void close() {
    reader.shutdownNow();
  }
}
