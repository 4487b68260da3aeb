package org.gerritproxy.routing;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Catches two nodes configured with one address: each node is a different Gerrit server. Fed one
 * node at a time, in configuration order, so the later node is the one blamed.
 *
 * <p>{@link RoutingTable.Builder} does not apply this rule: tests run several nodes on one
 * loopback address; the configuration reader does, for operators.
 */
public final class DistinctServers {

  private final Map<URI, String> byHttp = new HashMap<>();
  private final Map<Endpoint, String> bySsh = new HashMap<>();

  /** The problem when an earlier node has this {@code http}; remembers it otherwise. */
  public Optional<String> http(String name, URI http) {
    String other = byHttp.putIfAbsent(http, name);
    return other == null
        ? Optional.empty()
        : Optional.of(
            Node.header(name)
                + " http = "
                + http
                + " is also the URL of node "
                + other
                + ": each node is a different Gerrit server.");
  }

  /** The problem when an earlier node has this {@code ssh}; remembers it otherwise. */
  public Optional<String> ssh(String name, Endpoint ssh) {
    String other = bySsh.putIfAbsent(ssh, name);
    return other == null
        ? Optional.empty()
        : Optional.of(
            Node.header(name)
                + " ssh = "
                + ssh
                + " is also the SSH address of node "
                + other
                + ": each node is a different Gerrit server.");
  }
}
