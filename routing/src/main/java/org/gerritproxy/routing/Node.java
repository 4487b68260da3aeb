package org.gerritproxy.routing;

import java.net.URI;
import java.util.Objects;

/**
 * One Gerrit server of the cluster, as configured.
 *
 * @param name the subsection name in {@code [node "NAME"]}
 * @param http base URL of its Gerrit (scheme, host, port, optional path prefix; no trailing slash)
 * @param ssh its Gerrit SSH daemon
 * @param priority higher is preferred as write master
 * @param weight share of reads, at least 1
 * @param adminState what the operator wants of it
 */
public record Node(String name, URI http, Endpoint ssh, int priority, int weight, AdminState adminState) {

  public Node {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(http, "http");
    Objects.requireNonNull(ssh, "ssh");
    Objects.requireNonNull(adminState, "adminState");
    if (name.isBlank()) {
      throw new IllegalArgumentException("a node needs a name");
    }
    if (weight < 1) {
      throw new IllegalArgumentException("node " + name + ": weight must be at least 1, not " + weight);
    }
  }

  public Node withAdminState(AdminState state) {
    return new Node(name, http, ssh, priority, weight, state);
  }
}
