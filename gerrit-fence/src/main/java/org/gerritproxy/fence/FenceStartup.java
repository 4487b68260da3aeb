package org.gerritproxy.fence;

import com.google.common.flogger.FluentLogger;
import com.google.gerrit.extensions.events.LifecycleListener;
import com.google.gerrit.server.git.GitRepositoryManager;
import com.google.inject.Inject;
import com.google.inject.Singleton;

/** Reads the record as the plugin starts, so that the log says at once what this node enforces. */
@Singleton
class FenceStartup implements LifecycleListener {
  private static final FluentLogger logger = FluentLogger.forEnclosingClass();

  private final Fence fence;
  private final GitRepositoryManager repositories;

  @Inject
  FenceStartup(Fence fence, GitRepositoryManager repositories) {
    this.fence = fence;
    this.repositories = repositories;
  }

  @Override
  public void start() {
    FenceState state = fence.state();
    logger.atInfo().log("fence: node %s reads the master record from %s; %s: %s", fence.node(),
        fence.describeSource(), state.fenced() ? "FENCED" : "unfenced", state.reason());
    // The library module is installed apart from the plugin (lib/, gerrit.installDbModule): say
    // when it is missing, since the doors alone leave Gerrit's background writes unfenced.
    if (repositories instanceof FencedRepositoryManager) {
      logger.atInfo().log("fence: the repositories refuse ref updates too (FenceGitModule):"
          + " Gerrit's own background writes are fenced");
    } else {
      logger.atWarning().log("fence: FenceGitModule is not installed: requests are fenced, but"
          + " ref updates Gerrit makes by itself (scheduled jobs, other plugins' background work)"
          + " are not. Copy fence.jar into lib/ and set gerrit.installDbModule ="
          + " org.gerritproxy.fence.FenceGitModule (docs/fence.md)");
    }
  }

  @Override
  public void stop() {}
}
