package org.gerritproxy.routing.traffic;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.gerritproxy.routing.RequestClass;

/**
 * One finished request, HTTP exchange or SSH command, as its frontend writes it to the access log
 * and reports it to {@link TrafficObserver#completed}. Both frontends fill the same fields, so
 * whatever counts traffic (metrics, passive health) reads one shape; what only one frontend has
 * travels in {@code detail}.
 *
 * @param frontend which frontend served it
 * @param start when the request arrived (HTTP headers received; SSH exec request)
 * @param client the client's address: {@code IP} over HTTP, {@code IP:PORT} over SSH
 * @param user the user: named by the HTTP {@code Authorization} header, or the SSH login
 * @param requestClass the request's class, if it was classified (bad HTTP requests are not)
 * @param label the classifier's label ({@code git-upload-pack}, {@code rest}, {@code gerrit
 *     version}, ...) or {@code -}
 * @param node the node that served it, or was to serve it; empty when none was chosen
 * @param status the HTTP status sent to the client ({@value #CLIENT_CLOSED} when the client went
 *     away before any response), or the SSH exit status
 * @param outcome how it ended
 * @param bytesIn bytes relayed from the client to the node (request body, stdin)
 * @param bytesOut bytes relayed from the node to the client (response body, stdout)
 * @param duration from {@code start} to the end of the response or the exit status
 * @param detail what only this frontend knows (the HTTP request line, the SSH command line)
 * @param <D> the frontend's detail type
 */
public record AccessRecord<D>(
    Frontend frontend,
    Instant start,
    String client,
    Optional<String> user,
    Optional<RequestClass> requestClass,
    String label,
    Optional<String> node,
    int status,
    Outcome outcome,
    long bytesIn,
    long bytesOut,
    Duration duration,
    D detail) {

  /** The HTTP status logged when the client closed before any response was sent (as nginx). */
  public static final int CLIENT_CLOSED = 499;

  /** The frontend a request came through; its name, lower case, is the metrics label. */
  public enum Frontend {
    HTTP,
    SSH
  }

  /** How a request ended. */
  public enum Outcome {
    /** The node's response was relayed in full (over SSH: the node gave an exit status). */
    COMPLETED,
    /** The proxy refused it (no master, no healthy node, forbidden) without asking a node. */
    REFUSED,
    /** HTTP only: the request was malformed, too large or too slow; the proxy answered it. */
    BAD_REQUEST,
    /** The node failed or could not be reached; the client got an error or a closed connection. */
    BACKEND_FAILED,
    /** The client went away before the response was complete. */
    CLIENT_ABORTED
  }

  public AccessRecord {
    Objects.requireNonNull(frontend, "frontend");
    Objects.requireNonNull(start, "start");
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(requestClass, "requestClass");
    Objects.requireNonNull(label, "label");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(duration, "duration");
    Objects.requireNonNull(detail, "detail");
  }
}
