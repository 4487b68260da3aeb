package org.gerritproxy.core.admin;

import org.gerritproxy.core.metrics.NodeTraffic;

/**
 * What one node is doing for this proxy's clients: SSH sessions held open to it, and the requests
 * and bytes it served.
 */
public record NodeActivity(int openSessions, NodeTraffic.Totals traffic) {
  public static final NodeActivity NONE = new NodeActivity(0, NodeTraffic.Totals.NONE);
}
