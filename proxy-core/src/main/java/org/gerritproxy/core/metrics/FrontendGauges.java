package org.gerritproxy.core.metrics;

import java.util.Map;

/** What the frontends hold open right now, read at each scrape (the listeners may be replaced). */
public interface FrontendGauges {
  /** HTTP client connections open. */
  int httpConnections();

  /** SSH client connections open. */
  int sshConnections();

  /** For each node, the SSH sessions the proxy holds to it (one per client connection using it). */
  Map<String, Integer> sshSessionsByNode();

  /** SSH logins decided from the key cache. */
  long keyCacheHits();

  /** SSH logins for which Gerrit was asked for the user's keys. */
  long keyCacheMisses();
}
