package org.gerritproxy.fence;

import com.google.common.collect.ImmutableList;
import com.google.gerrit.server.events.CommitReceivedEvent;
import com.google.gerrit.server.events.RefReceivedEvent;
import com.google.gerrit.server.git.validators.CommitValidationException;
import com.google.gerrit.server.git.validators.CommitValidationListener;
import com.google.gerrit.server.git.validators.CommitValidationMessage;
import com.google.gerrit.server.git.validators.RefOperationValidationListener;
import com.google.gerrit.server.git.validators.ValidationMessage;
import com.google.gerrit.server.validators.ValidationException;
import com.google.inject.Inject;
import com.google.inject.Singleton;
import java.util.List;

/**
 * Refuses pushes on a fenced node, over HTTP and SSH alike. Gerrit 3.10's receive-pack asks the
 * ref operation listeners about every command of a push (create, update, delete) before it
 * writes anything, and the commit listeners about every new commit, including those pushed for
 * review; the refusal reaches the client as the reason of a rejected ref.
 */
@Singleton
class FenceValidator implements RefOperationValidationListener, CommitValidationListener {
  private final Fence fence;

  @Inject
  FenceValidator(Fence fence) {
    this.fence = fence;
  }

  @Override
  public List<ValidationMessage> onRefOperation(RefReceivedEvent event) throws ValidationException {
    FenceState state = fence.state();
    if (state.fenced()) {
      throw new ValidationException(state.reason());
    }
    return List.of();
  }

  @Override
  public List<CommitValidationMessage> onCommitReceived(CommitReceivedEvent event)
      throws CommitValidationException {
    FenceState state = fence.state();
    if (state.fenced()) {
      throw new CommitValidationException(state.reason());
    }
    return ImmutableList.of();
  }
}
