package org.gerritproxy.routing;

import java.util.Optional;

/**
 * Which request of git's smart HTTP protocol an HTTP request is: the frontend answers a refused
 * or failed RPC in git's own framing, since git shows no body of a failed POST.
 *
 * @param step the ref advertisement or the RPC
 * @param service {@link #UPLOAD_PACK} or {@link #RECEIVE_PACK}
 */
public record GitHttpRequest(Step step, String service) {

  public static final String UPLOAD_PACK = "git-upload-pack";
  public static final String RECEIVE_PACK = "git-receive-pack";

  /** The two requests of a smart HTTP exchange. */
  public enum Step {
    /** {@code GET .../info/refs?service=git-*-pack}: the ref advertisement. */
    ADVERTISEMENT,
    /** {@code POST .../git-*-pack}: the negotiation or the pack itself. */
    RPC
  }

  // The four there are, made once: classifying a git request allocates none of them.
  private static final Optional<GitHttpRequest> UPLOAD_ADVERTISEMENT =
      Optional.of(new GitHttpRequest(Step.ADVERTISEMENT, UPLOAD_PACK));
  private static final Optional<GitHttpRequest> RECEIVE_ADVERTISEMENT =
      Optional.of(new GitHttpRequest(Step.ADVERTISEMENT, RECEIVE_PACK));
  private static final Optional<GitHttpRequest> UPLOAD_RPC =
      Optional.of(new GitHttpRequest(Step.RPC, UPLOAD_PACK));
  private static final Optional<GitHttpRequest> RECEIVE_RPC =
      Optional.of(new GitHttpRequest(Step.RPC, RECEIVE_PACK));

  static Optional<GitHttpRequest> advertisement(String service) {
    return service.equals(RECEIVE_PACK) ? RECEIVE_ADVERTISEMENT : UPLOAD_ADVERTISEMENT;
  }

  static Optional<GitHttpRequest> rpc(String service) {
    return service.equals(RECEIVE_PACK) ? RECEIVE_RPC : UPLOAD_RPC;
  }
}
