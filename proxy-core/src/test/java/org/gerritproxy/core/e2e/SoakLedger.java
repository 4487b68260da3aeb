package org.gerritproxy.core.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What the soak's clients did: pushes acknowledged, operations that succeeded, failures. */
final class SoakLedger {
  /** A push that {@code git} reported as done: {@code commit} must be on {@code branch}. */
  record Acknowledged(String pusher, String branch, String commit) {}

  private final List<Acknowledged> acknowledged = new ArrayList<>();
  private final Map<String, Integer> succeeded = new TreeMap<>();
  final ClientFailures failures = new ClientFailures();

  synchronized void acknowledged(String pusher, String branch, String commit) {
    acknowledged.add(new Acknowledged(pusher, branch, commit));
    succeeded.merge("push", 1, Integer::sum);
  }

  synchronized void succeeded(String operation) {
    succeeded.merge(operation, 1, Integer::sum);
  }

  synchronized List<Acknowledged> acknowledged() {
    return List.copyOf(acknowledged);
  }

  synchronized Map<String, Integer> succeeded() {
    return Map.copyOf(succeeded);
  }
}
