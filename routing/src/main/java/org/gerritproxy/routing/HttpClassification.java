package org.gerritproxy.routing;

import java.util.Objects;
import java.util.Optional;

/**
 * What the HTTP classifier makes of one request, from one reading of its target: the {@link
 * Classification} the Router decides on, and the git smart HTTP request it is, if any, so that
 * the frontend speaks git's framing exactly when the classifier judged the request git's.
 *
 * @param classification the class, label and project
 * @param git the step and service of git's smart HTTP protocol; empty for any other request
 */
public record HttpClassification(Classification classification, Optional<GitHttpRequest> git) {

  public HttpClassification {
    Objects.requireNonNull(classification, "classification");
    Objects.requireNonNull(git, "git");
  }

  /** True for git's RPC POSTs, whose client shows only a body in git's own framing. */
  public boolean isGitRpc() {
    return git.isPresent() && git.get().step() == GitHttpRequest.Step.RPC;
  }
}
