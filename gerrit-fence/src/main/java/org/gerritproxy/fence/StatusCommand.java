package org.gerritproxy.fence;

import com.google.gerrit.sshd.CommandMetaData;
import com.google.gerrit.sshd.SshCommand;
import com.google.inject.Inject;

/** {@code ssh … fence status}: the same JSON as {@code GET /plugins/fence/status}. */
@CommandMetaData(name = "status", description = "Shows whether this node refuses writes")
final class StatusCommand extends SshCommand {
  @Inject private Fence fence;
  @Inject private com.google.gerrit.server.git.GitRepositoryManager repositories;

  @Override
  protected void run() {
    stdout.println(fence.state().toJson(repositories instanceof FencedRepositoryManager));
  }
}
