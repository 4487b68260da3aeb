package org.gerritproxy.fence;

import com.google.common.flogger.FluentLogger;
import com.google.gerrit.extensions.annotations.PluginName;
import com.google.gerrit.sshd.SshCreateCommandInterceptor;
import com.google.inject.Inject;
import com.google.inject.Singleton;

/**
 * Gerrit 3.10 hands each SSH command line to this interceptor before it runs anything; on a
 * fenced node a command that writes is replaced by {@code fence refused}, which prints the
 * sentence and exits 1. Pushes go on to receive-pack, whose validators refuse them in git's own
 * protocol.
 */
@Singleton
class FenceCommandInterceptor implements SshCreateCommandInterceptor {
  private static final FluentLogger logger = FluentLogger.forEnclosingClass();

  private final Fence fence;
  private final String refused;

  @Inject
  FenceCommandInterceptor(Fence fence, @PluginName String pluginName) {
    this.fence = fence;
    this.refused = pluginName + " refused";
  }

  @Override
  public String intercept(String in) {
    if (Writes.ssh(in) != Writes.Http.REFUSE) {
      return in;
    }
    FenceState state = fence.state();
    if (!state.fenced()) {
      return in;
    }
    logger.atWarning().log("fence: refused SSH command '%s': %s", in, state.reason());
    return refused;
  }
}
