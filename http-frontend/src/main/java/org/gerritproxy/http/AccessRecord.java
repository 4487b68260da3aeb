package org.gerritproxy.http;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.gerritproxy.routing.RequestClass;

/**
 * One finished HTTP exchange, as written to the access log and reported to {@link
 * BackendObserver#exchangeCompleted}.
 *
 * @param start when the request's headers were received
 * @param clientAddress the client's IP address
 * @param user the user named by the {@code Authorization} header, if any
 * @param method the request method
 * @param path the request path, without query string (which may carry tokens)
 * @param status the status sent to the client; {@value #CLIENT_CLOSED} when the client went away
 *     before any response was sent
 * @param requestBytes request body bytes received from the client
 * @param responseBytes response body bytes sent to the client
 * @param node the node that served the request, if one was chosen
 * @param requestClass the request's class, if it was classified (bad requests are not)
 * @param label the classifier's label ({@code git-upload-pack}, {@code rest}, ...) or {@code -}
 * @param outcome how the exchange ended
 * @param duration from the request's headers to the end of the response
 */
public record AccessRecord(
    Instant start,
    String clientAddress,
    Optional<String> user,
    String method,
    String path,
    int status,
    long requestBytes,
    long responseBytes,
    Optional<String> node,
    Optional<RequestClass> requestClass,
    String label,
    Outcome outcome,
    Duration duration) {

  /** The status logged when no response was sent because the client closed first (as nginx). */
  public static final int CLIENT_CLOSED = 499;

  /** How an exchange ended. */
  public enum Outcome {
    /** The backend's response was relayed in full. */
    COMPLETED,
    /** The proxy refused the request (no master, no healthy node, forbidden). */
    REFUSED,
    /** The request was malformed, too large or too slow; the proxy answered it. */
    BAD_REQUEST,
    /** The backend failed; the client got a 502 or a closed connection. */
    BACKEND_FAILED,
    /** The client closed its connection before the response was complete. */
    CLIENT_ABORTED
  }

  public AccessRecord {
    Objects.requireNonNull(start, "start");
    Objects.requireNonNull(clientAddress, "clientAddress");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(requestClass, "requestClass");
    Objects.requireNonNull(label, "label");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(duration, "duration");
  }
}
