package org.gerritproxy.core.backdoor;

import org.gerritproxy.record.MasterRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
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
  /** The write master record that gerrit-fence reads (its {@code [plugin "fence"] ref}). */
  public static final String MASTER_REF = "refs/meta/gerrit-proxy/master";

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
  public synchronized Optional<MasterRecord> readMaster() throws IOException {
    repository.getRefDatabase().refresh();
    Ref ref = repository.exactRef(MASTER_REF);
    return ref == null || ref.getObjectId() == null ? Optional.empty() : Optional.of(parse(ref));
  }

  @Override
  public synchronized boolean compareAndSetMaster(Optional<MasterRecord> expected, MasterRecord next)
      throws IOException {
    repository.getRefDatabase().refresh();
    Ref ref = repository.exactRef(MASTER_REF);
    ObjectId old = ref == null ? null : ref.getObjectId();
    Optional<MasterRecord> stored = old == null ? Optional.empty() : Optional.of(parse(ref));
    if (!stored.equals(expected)) {
      return false;
    }
    ObjectId blob;
    try (ObjectInserter inserter = repository.newObjectInserter()) {
      blob = inserter.insert(Constants.OBJ_BLOB, next.toText().getBytes(StandardCharsets.UTF_8));
      inserter.flush();
    }
    RefUpdate update = repository.updateRef(MASTER_REF);
    // The ref's lock file and this expected id make the write atomic against other proxies.
    update.setExpectedOldObjectId(old == null ? ObjectId.zeroId() : old);
    update.setNewObjectId(blob);
    update.setForceUpdate(true); // blobs: never a fast-forward
    update.setRefLogMessage("gerrit-proxy: " + next, false); // who was master when, for operators
    RefUpdate.Result result = update.forceUpdate();
    return switch (result) {
      case NEW, FORCED, FAST_FORWARD, NO_CHANGE -> true;
      case LOCK_FAILURE, REJECTED -> false;
      default -> throw new IOException("could not update " + MASTER_REF + " in " + directory + ": "
          + result);
    };
  }

  private MasterRecord parse(Ref ref) throws IOException {
    byte[] bytes = repository.open(ref.getObjectId(), Constants.OBJ_BLOB).getCachedBytes(4096);
    try {
      return MasterRecord.parse(new String(bytes, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      throw new IOException(MASTER_REF + " in " + directory + " is not a master record: "
          + e.getMessage(), e);
    }
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
