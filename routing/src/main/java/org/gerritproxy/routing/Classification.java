package org.gerritproxy.routing;

import java.util.Objects;
import java.util.Optional;

/**
 * The verdict of a classifier on one request: its class, whether it must run on the write master
 * whatever the routing policy says, the project it names (if any) and a short label for logs.
 *
 * @param requestClass what the request does
 * @param masterOnly true when the request must reach the master even though it may be a read
 *     ({@code gerrit stream-events}) or whatever {@code routing.writes} says (submits)
 * @param project the Gerrit project named by the request, decoded, without {@code .git}
 * @param label a short operator-facing name such as {@code git-upload-pack} or {@code rest}
 * @param refusal for {@link RequestClass#REFUSED}: the sentence shown to the client
 */
public record Classification(
    RequestClass requestClass,
    boolean masterOnly,
    Optional<String> project,
    String label,
    Optional<String> refusal) {

  public Classification {
    Objects.requireNonNull(requestClass, "requestClass");
    Objects.requireNonNull(project, "project");
    Objects.requireNonNull(label, "label");
    Objects.requireNonNull(refusal, "refusal");
    if ((requestClass == RequestClass.REFUSED) != refusal.isPresent()) {
      throw new IllegalArgumentException("a refusal message goes with REFUSED, and only with it");
    }
  }

  public static Classification read(String label, Optional<String> project) {
    return new Classification(RequestClass.READ, false, project, label, Optional.empty());
  }

  /** A read that must still be served by the master (events happen where writes happen). */
  public static Classification masterRead(String label, Optional<String> project) {
    return new Classification(RequestClass.READ, true, project, label, Optional.empty());
  }

  public static Classification write(String label, Optional<String> project) {
    return new Classification(RequestClass.WRITE, false, project, label, Optional.empty());
  }

  public static Classification submit(String label, Optional<String> project) {
    return new Classification(RequestClass.SUBMIT, true, project, label, Optional.empty());
  }

  public static Classification refused(String label, String why) {
    return new Classification(RequestClass.REFUSED, false, Optional.empty(), label, Optional.of(why));
  }

  /**
   * A read the master serves because it follows the writes ({@code gerrit stream-events}): it is
   * over when the master changes, since the new master's events come from elsewhere.
   */
  public boolean followsTheMaster() {
    return requestClass == RequestClass.READ && masterOnly;
  }
}
