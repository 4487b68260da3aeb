package org.gerritproxy.fence;

import com.google.gerrit.server.git.DelegateRepository;
import java.io.IOException;
import org.eclipse.jgit.lib.RefDatabase;
import org.eclipse.jgit.lib.RefRename;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;

/**
 * A repository whose ref updates go through {@link FencedRefDatabase}. Gerrit's delegate
 * repository sends {@code updateRef} and {@code renameRef} straight to the wrapped repository,
 * past its ref database, so they are routed back here.
 */
final class FencedRepository extends DelegateRepository {
  private final FencedRefDatabase refs;

  FencedRepository(Repository delegate, String project, RefGuard guard) {
    super(delegate);
    this.refs = new FencedRefDatabase(delegate, project, guard);
  }

  @Override
  public RefDatabase getRefDatabase() {
    return refs;
  }

  @Override
  public RefUpdate updateRef(String ref) throws IOException {
    return updateRef(ref, false);
  }

  @Override
  public RefUpdate updateRef(String ref, boolean detach) throws IOException {
    return refs.newUpdate(ref, detach);
  }

  @Override
  public RefRename renameRef(String from, String to) throws IOException {
    return refs.newRename(from, to);
  }
}
