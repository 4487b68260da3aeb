package org.gerritproxy.routing;

/** What a request does to the cluster, as the rules table in docs/routing.md names it. */
public enum RequestClass {
  /** Reads: served by any healthy node, sticky per session. */
  READ,
  /** Ref writes and other state changes: served by the write master. */
  WRITE,
  /** Submits: always served by the write master, whatever {@code routing.writes} says. */
  SUBMIT,
  /** Requests the proxy refuses outright (a client's own {@code suexec}, the peer user). */
  REFUSED
}
