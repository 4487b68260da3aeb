package org.gerritproxy.fence;

import com.google.gerrit.server.git.DelegateRefDatabase;
import java.io.IOException;
import java.util.List;
import java.util.stream.Collectors;
import org.eclipse.jgit.lib.BatchRefUpdate;
import org.eclipse.jgit.lib.ProgressMonitor;
import org.eclipse.jgit.lib.RefRename;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.ReceiveCommand;

/**
 * Reads as the wrapped repository's; every kind of ref update asks the fence first. A single
 * update or rename is refused with an {@link IOException} carrying the sentence; a batch (NoteDb
 * and receive-pack write in batches) is handed out as one whose commands all end rejected with
 * the sentence, the way JGit reports a refused command, so Gerrit's callers fail as on a lock
 * failure and write nothing.
 *
 * <p>The fence is asked when the update is made, not when it runs: the two are milliseconds apart
 * in Gerrit, and the fence itself re-reads the record only once per refresh.
 */
final class FencedRefDatabase extends DelegateRefDatabase {
  private final String project;
  private final RefGuard guard;

  FencedRefDatabase(Repository delegate, String project, RefGuard guard) {
    super(delegate);
    this.project = project;
    this.guard = guard;
  }

  @Override
  public RefUpdate newUpdate(String ref, boolean detach) throws IOException {
    guard.check(project, "the update of " + ref);
    return super.newUpdate(ref, detach);
  }

  @Override
  public RefRename newRename(String from, String to) throws IOException {
    guard.check(project, "the rename of " + from + " to " + to);
    return super.newRename(from, to);
  }

  @Override
  public BatchRefUpdate newBatchUpdate() {
    return guard.refusal().<BatchRefUpdate>map(Refused::new)
        .orElseGet(super::newBatchUpdate);
  }

  /** A batch that writes nothing: each command is rejected with the fence's sentence. */
  private final class Refused extends BatchRefUpdate {
    private final String sentence;

    Refused(String sentence) {
      super(FencedRefDatabase.this);
      this.sentence = sentence;
    }

    @Override
    public void execute(RevWalk walk, ProgressMonitor monitor, List<String> options) {
      guard.refused(project, "the update of " + getCommands().stream()
          .map(ReceiveCommand::getRefName).collect(Collectors.joining(", ")), sentence);
      for (ReceiveCommand command : getCommands()) {
        if (command.getResult() == ReceiveCommand.Result.NOT_ATTEMPTED) {
          command.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, sentence);
        }
      }
    }
  }
}
