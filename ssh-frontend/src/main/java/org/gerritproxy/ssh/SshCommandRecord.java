package org.gerritproxy.ssh;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.gerritproxy.routing.RequestClass;

/**
 * One finished SSH command, as written to {@code sshd_log} and reported to {@link
 * SshObserver#commandCompleted}.
 *
 * @param client the client's address, {@code IP:PORT}
 * @param user the SSH login
 * @param requestClass the command's class (READ, WRITE, SUBMIT)
 * @param label the classifier's label ({@code git-upload-pack}, {@code gerrit version}, ...)
 * @param node the node that ran it, or was to run it; empty when none was chosen
 * @param exitStatus the exit status sent to the client
 * @param outcome how the command ended
 * @param bytesIn stdin bytes relayed from the client to the node
 * @param bytesOut stdout bytes relayed from the node to the client
 * @param duration from the exec request to the exit status
 */
public record SshCommandRecord(
    String client,
    String user,
    RequestClass requestClass,
    String label,
    Optional<String> node,
    int exitStatus,
    Outcome outcome,
    long bytesIn,
    long bytesOut,
    Duration duration) {

  /** How a command ended. */
  public enum Outcome {
    /** The node ran it and gave an exit status (zero or not). */
    COMPLETED,
    /** The proxy refused it (no master, no healthy node) without asking a node. */
    REFUSED,
    /** The node could not be reached, or closed the channel without an exit status. */
    BACKEND_FAILED,
    /** The client went away before the command finished. */
    CLIENT_ABORTED
  }

  public SshCommandRecord {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(requestClass, "requestClass");
    Objects.requireNonNull(label, "label");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(duration, "duration");
  }
}
