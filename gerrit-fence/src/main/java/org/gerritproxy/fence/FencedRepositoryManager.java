package org.gerritproxy.fence;

import com.google.gerrit.entities.Project;
import com.google.gerrit.server.git.GitRepositoryManager;
import com.google.gerrit.server.git.RepositoryExistsException;
import com.google.inject.Inject;
import com.google.inject.Singleton;
import com.google.inject.name.Named;
import java.io.IOException;
import java.util.NavigableSet;
import org.eclipse.jgit.errors.RepositoryNotFoundException;
import org.eclipse.jgit.lib.Repository;

/**
 * Gerrit's repository manager, whose repositories refuse ref updates while this node is fenced
 * ({@link FencedRepository}). Opening, listing and reading are Gerrit's own.
 */
@Singleton
class FencedRepositoryManager implements GitRepositoryManager {
  private final GitRepositoryManager delegate;
  private final RefGuard guard;

  @Inject
  FencedRepositoryManager(@Named(FenceGitModule.DELEGATE) GitRepositoryManager delegate,
      RefGuard guard) {
    this.delegate = delegate;
    this.guard = guard;
  }

  /** The fence these repositories ask; the plugin asks the same one (FenceModule). */
  Fence fence() {
    return guard.fence();
  }

  @Override
  public Status getRepositoryStatus(Project.NameKey name) {
    return delegate.getRepositoryStatus(name);
  }

  @Override
  public Repository openRepository(Project.NameKey name)
      throws RepositoryNotFoundException, IOException {
    return new FencedRepository(delegate.openRepository(name), name.get(), guard);
  }

  @Override
  public Repository createRepository(Project.NameKey name)
      throws RepositoryNotFoundException, RepositoryExistsException, IOException {
    // A new repository in the shared directory is a write like any other.
    guard.check(name.get(), "creating the repository");
    return new FencedRepository(delegate.createRepository(name), name.get(), guard);
  }

  @Override
  public NavigableSet<Project.NameKey> list() {
    return delegate.list();
  }

  @Override
  public Boolean canPerformGC() {
    return delegate.canPerformGC();
  }
}
