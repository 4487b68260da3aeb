package org.gerritproxy.fence;

import com.google.gerrit.sshd.CommandMetaData;
import com.google.gerrit.sshd.SshCommand;
import com.google.inject.Inject;

/** What a refused SSH write runs instead: the sentence on stderr, exit status 1. */
@CommandMetaData(name = "refused", description = "Explains why this node refused a write")
final class RefusedCommand extends SshCommand {
  @Inject private Fence fence;

  @Override
  protected void run() throws UnloggedFailure {
    FenceState state = fence.state();
    throw die(state.fenced() ? state.reason()
        : "the write was refused a moment ago because " + fence.node()
            + " was not the write master; it is now: send it again.");
  }
}
