package org.gerritproxy.core.backdoor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/**
 * Heartbeats as refs {@code refs/meta/masters/<node>} in a shared repository (for example
 * All-Projects on the cluster's shared file system), each pointing at a small blob.
 *
 * <p>The stored sequence cycles through {@value #SEQUENCE_CYCLE} values: a blob per beat would
 * leave one unreachable loose object per node per second until {@code git gc} prunes it weeks
 * later, whereas a cycle reuses the same few thousand tiny blobs. Readers only ask whether the
 * sequence changed, which a cycle far longer than {@code staleAfter / interval} still tells.
 */
public final class GitBackdoor implements Backdoor {
  static final String PREFIX = "refs/meta/masters/";
  static final int SEQUENCE_CYCLE = 4096;

  private final Path directory;
  private final Repository repository;

  public GitBackdoor(Path directory) throws IOException {
    this.directory = directory;
    this.repository = new FileRepositoryBuilder().setGitDir(directory.toFile())
        .setMustExist(true).build();
  }

  @Override
  public void write(HeartbeatRecord beat) throws IOException {
    ObjectId blob;
    try (ObjectInserter inserter = repository.newObjectInserter()) {
      HeartbeatRecord stored = new HeartbeatRecord(beat.node(),
          Math.floorMod(beat.sequence(), SEQUENCE_CYCLE), beat.healthy(), beat.detail());
      blob = inserter.insert(Constants.OBJ_BLOB, stored.toText().getBytes(StandardCharsets.UTF_8));
      inserter.flush();
    }
    RefUpdate update = repository.updateRef(PREFIX + beat.node());
    update.setNewObjectId(blob);
    update.setForceUpdate(true);
    update.disableRefLog(); // one entry per beat would grow without bound
    RefUpdate.Result result = update.forceUpdate();
    switch (result) {
      case NEW, FORCED, FAST_FORWARD, NO_CHANGE -> { }
      default -> throw new IOException("could not update " + PREFIX + beat.node() + " in "
          + directory + ": " + result);
    }
  }

  @Override
  public Map<String, HeartbeatRecord> readAll() throws IOException {
    Map<String, HeartbeatRecord> beats = new LinkedHashMap<>();
    // Another host writes these refs: never trust a cached packed-refs or loose ref view.
    repository.getRefDatabase().refresh();
    for (Ref ref : repository.getRefDatabase().getRefsByPrefix(PREFIX)) {
      if (ref.getObjectId() == null) {
        continue;
      }
      byte[] bytes = repository.open(ref.getObjectId(), Constants.OBJ_BLOB).getCachedBytes(4096);
      try {
        HeartbeatRecord beat = HeartbeatRecord.parse(new String(bytes, StandardCharsets.UTF_8));
        beats.put(beat.node(), beat);
      } catch (IllegalArgumentException e) {
        // A stray ref under the prefix proves nothing about any node; skip it.
      }
    }
    return beats;
  }

  @Override
  public String describe() {
    return "git " + directory;
  }

  @Override
  public void close() {
    repository.close();
  }
}
