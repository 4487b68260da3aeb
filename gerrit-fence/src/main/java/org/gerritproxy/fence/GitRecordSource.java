package org.gerritproxy.fence;

import org.gerritproxy.record.MasterRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import org.eclipse.jgit.errors.RepositoryNotFoundException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/**
 * The record as a ref in a repository on the cluster's shared file system: the proxies' {@code
 * [backdoor] repository}, ref {@code refs/meta/gerrit-proxy/master} unless configured otherwise.
 */
final class GitRecordSource implements Fence.Source {
  private final Path repository;
  private final String ref;

  GitRecordSource(Path repository, String ref) {
    this.repository = repository;
    this.ref = ref;
  }

  @Override
  public Optional<MasterRecord> read() throws IOException {
    // Opened afresh on each read (once a second at most): another host moves this ref, and a
    // fresh repository never answers from a cached view of the refs.
    try (Repository repo = new FileRepositoryBuilder().setGitDir(repository.toFile())
        .setMustExist(true).build()) {
      Ref r = repo.exactRef(ref);
      if (r == null || r.getObjectId() == null) {
        return Optional.empty();
      }
      byte[] bytes = repo.open(r.getObjectId(), Constants.OBJ_BLOB).getCachedBytes(4096);
      try {
        return Optional.of(MasterRecord.parse(new String(bytes, StandardCharsets.UTF_8)));
      } catch (IllegalArgumentException e) {
        throw new IOException(ref + " in " + repository + " is not a master record: "
            + e.getMessage(), e);
      }
    } catch (RepositoryNotFoundException e) {
      throw new IOException("no repository at " + repository, e);
    }
  }

  @Override
  public String describe() {
    return ref + " of " + repository;
  }
}
