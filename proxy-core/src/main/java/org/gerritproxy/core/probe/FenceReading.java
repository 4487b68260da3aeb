package org.gerritproxy.core.probe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.Optional;

/**
 * What a node's fence plugin (gerrit-fence, docs/fence.md) said it enforces, as the proxy last
 * read it from {@code GET /plugins/fence/status}.
 *
 * @param epoch the epoch of the record the node enforces, -1 when it enforces none
 * @param master the master of that record
 * @param reason the plugin's own sentence, or why the proxy could not tell
 * @param repositories whether the node's repositories refuse ref updates too (FenceGitModule
 *     installed), so that Gerrit's own background writes are fenced, not only its doors
 */
public record FenceReading(State state, long epoch, Optional<String> master, String reason,
    Instant at, boolean repositories) {

  public enum State {
    /** The plugin refuses writes on this node. */
    FENCED,
    /** The plugin enforces an epoch whose master is this node: it takes writes. */
    ENFORCED,
    /** No fence plugin, or no record published yet: the node takes any write, as without one. */
    UNFENCED,
    /** The node did not answer the fence probe. */
    UNKNOWN;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** From the plugin's answer; UNKNOWN, with why, when it is not the plugin's JSON. */
  static FenceReading parse(String body, Instant at) {
    try {
      JsonNode json = JSON.readTree(body);
      if (json == null || !json.has("fenced") || !json.has("epoch")) {
        return unknown("the fence status is not the plugin's JSON", at);
      }
      long epoch = json.get("epoch").asLong(-1);
      Optional<String> master = json.hasNonNull("master")
          ? Optional.of(json.get("master").asText()) : Optional.empty();
      String reason = json.path("reason").asText("");
      State state = json.get("fenced").asBoolean() ? State.FENCED
          : epoch >= 0 ? State.ENFORCED : State.UNFENCED;
      // A plugin older than FenceGitModule does not say: its repositories are not fenced.
      boolean repositories = json.path("repositories").asBoolean(false);
      return new FenceReading(state, epoch, master, reason, at, repositories);
    } catch (java.io.IOException e) {
      return unknown("the fence status is not JSON: " + e.getMessage(), at);
    }
  }

  static FenceReading noPlugin(Instant at) {
    return new FenceReading(State.UNFENCED, -1, Optional.empty(),
        "no fence plugin on this node: it takes any write sent to it", at, false);
  }

  static FenceReading unknown(String why, Instant at) {
    return new FenceReading(State.UNKNOWN, -1, Optional.empty(), why, at, false);
  }
}
