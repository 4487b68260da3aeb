package org.gerritproxy.core.admin;

import org.gerritproxy.core.metrics.NodeTraffic;
import java.util.Optional;
import org.gerritproxy.core.replication.ReplicaLag;

/**
 * What one node is doing for this proxy's clients: SSH sessions held open to it, the requests
 * and bytes it served, and (replicated storage) how far it is behind the master.
 */
public record NodeActivity(int openSessions, NodeTraffic.Totals traffic,
    Optional<ReplicaLag> replication) {
  public static final NodeActivity NONE = new NodeActivity(0, NodeTraffic.Totals.NONE);

  public NodeActivity(int openSessions, NodeTraffic.Totals traffic) {
    this(openSessions, traffic, Optional.empty());
  }
}
