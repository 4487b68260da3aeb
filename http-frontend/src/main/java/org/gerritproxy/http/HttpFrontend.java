package org.gerritproxy.http;

import org.gerritproxy.routing.ReadYourWrites;
import org.gerritproxy.routing.RoutingSnapshot;
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

  /** Who wrote recently, shared with the SSH frontend. */
  ReadYourWrites readYourWrites();

  /** True once the server shuts down: each connection closes after its current exchange. */
  boolean isDraining();
}
