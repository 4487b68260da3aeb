package org.gerritproxy.fence;

import com.google.common.flogger.FluentLogger;
import java.io.IOException;
import java.util.Optional;

/**
 * The question every ref update below the doors asks: may this node write now? Logs each refusal
 * in error_log with the sentence, since a background job that is refused has no client to tell.
 */
final class RefGuard {
  private static final FluentLogger logger = FluentLogger.forEnclosingClass();

  private final Fence fence;

  RefGuard(Fence fence) {
    this.fence = fence;
  }

  Fence fence() {
    return fence;
  }

  /** The refusal's sentence when this node must not write, empty when it may. */
  Optional<String> refusal() {
    FenceState state = fence.state();
    return state.fenced() ? Optional.of(state.reason()) : Optional.empty();
  }

  /** @throws IOException with the sentence, logged, when this node must not write */
  void check(String project, String what) throws IOException {
    Optional<String> refusal = refusal();
    if (refusal.isPresent()) {
      refused(project, what, refusal.get());
      throw new IOException(refusal.get());
    }
  }

  void refused(String project, String what, String sentence) {
    logger.atWarning().log("fence: refused %s in %s: %s", what, project, sentence);
  }
}
