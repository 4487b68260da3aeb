package org.gerritproxy.ssh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.gerritproxy.routing.AdminState;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.NodeState;
import org.gerritproxy.routing.RoutingSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a user's SSH keys with Gerrit's {@code GET /a/accounts/USER/sshkeys}, asking the nodes
 * that are up first and the others after, as the {@code [accounts]} user.
 */
public final class GerritAccountKeySource implements AccountKeySource {
  private static final Logger log = LoggerFactory.getLogger(GerritAccountKeySource.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http;
  private final Supplier<RoutingSnapshot> snapshot;
  private final String authorization;
  private final Duration timeout;

  public GerritAccountKeySource(HttpClient http, Supplier<RoutingSnapshot> snapshot, String user,
      String password, Duration timeout) {
    this.http = http;
    this.snapshot = snapshot;
    this.authorization = "Basic " + Base64.getEncoder()
        .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    this.timeout = timeout;
  }

  @Override
  public Optional<List<PublicKey>> keysOf(String user) throws KeyLookupException {
    List<URI> bases = candidates(snapshot.get());
    KeyLookupException failure = new KeyLookupException("no Gerrit node is configured", null);
    for (URI base : bases) {
      URI uri = URI.create(base.toString() + "/a/accounts/"
          + URLEncoder.encode(user, StandardCharsets.UTF_8).replace("+", "%20") + "/sshkeys");
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(timeout)
            .header("Authorization", authorization).header("Accept", "application/json").GET()
            .build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 404) {
          return Optional.empty();
        }
        if (r.statusCode() != 200) {
          failure = new KeyLookupException(base + " answered " + r.statusCode(), null);
          continue;
        }
        return Optional.of(parse(r.body()));
      } catch (IOException e) {
        failure = new KeyLookupException(base + ": " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KeyLookupException("interrupted", e);
      }
    }
    throw failure;
  }

  /** Gerrit's JSON list of keys (after its {@code )]}'} guard), keeping only the valid ones. */
  static List<PublicKey> parse(String body) throws IOException {
    String json = body.startsWith(")]}'") ? body.substring(body.indexOf('\n') + 1) : body;
    List<PublicKey> keys = new ArrayList<>();
    for (JsonNode k : JSON.readTree(json)) {
      if (!k.path("valid").asBoolean(true) || !k.hasNonNull("ssh_public_key")) {
        continue;
      }
      try {
        PublicKey key = AuthorizedKeyEntry.parseAuthorizedKeyEntry(k.get("ssh_public_key").asText())
            .resolvePublicKey(null, PublicKeyEntryResolver.IGNORING);
        if (key != null) {
          keys.add(key);
        }
      } catch (Exception e) {
        // One key of a type we cannot read must not lock the user out of the others.
        log.debug("skipping an SSH key Gerrit listed but that cannot be read: {}", e.toString());
      }
    }
    return keys;
  }

  private static List<URI> candidates(RoutingSnapshot s) {
    List<URI> up = new ArrayList<>();
    List<URI> rest = new ArrayList<>();
    for (Node n : s.table().nodes()) {
      if (n.adminState() == AdminState.DISABLED) {
        continue;
      }
      String base = n.http().toString().replaceAll("/+$", "");
      (s.health().stateOf(n.name()) == NodeState.UP ? up : rest).add(URI.create(base));
    }
    up.addAll(rest);
    return up;
  }
}
