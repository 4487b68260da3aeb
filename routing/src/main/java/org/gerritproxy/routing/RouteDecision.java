package org.gerritproxy.routing;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** Where one request goes: a node (with fallbacks for retryable reads), or a refusal. */
public sealed interface RouteDecision {

  /**
   * Send it to {@code node}. {@code fallbacks} are the nodes to try next, in order, should
   * {@code node} fail before any byte of the request body was sent; empty for anything that must
   * run on the master. {@code heldBackFrom} names the node a read would have gone to, had that
   * node already received the project's latest update (replicated storage): the read goes to the
   * master instead.
   */
  record Forward(Node node, List<Node> fallbacks, String why, Optional<String> heldBackFrom)
      implements RouteDecision {
    public Forward {
      Objects.requireNonNull(node, "node");
      fallbacks = List.copyOf(fallbacks);
      Objects.requireNonNull(why, "why");
      Objects.requireNonNull(heldBackFrom, "heldBackFrom");
    }

    public Forward(Node node, List<Node> fallbacks, String why) {
      this(node, fallbacks, why, Optional.empty());
    }
  }

  /** Refuse it; {@code message} is the sentence the client sees. */
  record Refuse(Refusal reason, String message) implements RouteDecision {
    public Refuse {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(message, "message");
    }
  }

  /** Why a request is refused; frontends map these to status codes and exit statuses. */
  enum Refusal {
    /** No node is write master (HTTP 503 with Retry-After). */
    NO_MASTER,
    /** The master lives but this proxy cannot reach it: a network split (HTTP 503). */
    MASTER_UNREACHABLE,
    /** No node can serve reads (HTTP 503). */
    NO_HEALTHY_NODE,
    /** The request itself is not allowed through the proxy (HTTP 403). */
    FORBIDDEN
  }
}
