package org.gerritproxy.http;

import org.gerritproxy.routing.ReadYourWrites;
import org.gerritproxy.routing.RoutingSnapshot;
import org.gerritproxy.routing.replication.ReplicaTracker;
import org.gerritproxy.routing.admission.FetchGate;
import org.gerritproxy.routing.traffic.TrafficObserver;

/**
 * The server as a client connection's {@link FrontendHandler} sees it: what it reads per request
 * and whom it reports to, and nothing of the server's lifecycle. The connection's settings are
 * handed to the handler when it is created, so one connection never mixes two reloads.
 */
interface HttpFrontend {

  /** The routing state now; read once per request, never cached. */
  RoutingSnapshot snapshot();

  TrafficObserver observer();

  BackendConnections connections();

  /** Fair shares for git-upload-pack, shared with the SSH frontend. */
  FetchGate fetchGate();

  /** Who wrote recently, shared with the SSH frontend. */
  ReadYourWrites readYourWrites();

  /** Replicated storage: the pushes forwarded and what is known of the replicas. */
  ReplicaTracker replicas();

  /** The pack cache for git fetches; {@link PackCache#OFF} when not configured. */
  org.gerritproxy.http.packcache.PackCache packCache();

  /** True once the server shuts down: each connection closes after its current exchange. */
  boolean isDraining();
}
