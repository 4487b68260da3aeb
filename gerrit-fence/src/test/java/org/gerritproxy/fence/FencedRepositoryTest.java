package org.gerritproxy.fence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jgit.lib.BatchRefUpdate;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.ReceiveCommand;
import org.gerritproxy.record.MasterRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What Gerrit's code meets in a repository of a fenced node (FenceGitModule): every way JGit
 * offers to move a ref is refused with the sentence and moves nothing; reads, and every write on
 * the master, are the plain repository's.
 */
class FencedRepositoryTest {
  private static final String SENTENCE =
      "gerrit-1 is not the write master: gerrit-2 is, at epoch 7. Write through the proxy.";

  private final AtomicLong clock = new AtomicLong(1_000_000_000L);
  private final AtomicReference<MasterRecord> record =
      new AtomicReference<>(new MasterRecord(Optional.of("gerrit-2"), 7));
  private final Fence fence = new Fence("gerrit-1", new Fence.Source() {
    @Override
    public Optional<MasterRecord> read() {
      return Optional.of(record.get());
    }

    @Override
    public String describe() {
      return "the test's record";
    }
  }, Duration.ofSeconds(1), Duration.ofSeconds(30), clock::get);

  private Repository plain;
  private Repository fenced;
  private ObjectId commit;

  @BeforeEach
  void repository(@TempDir Path dir) throws IOException {
    plain = new FileRepositoryBuilder().setGitDir(dir.resolve("p.git").toFile()).build();
    plain.create(true);
    try (ObjectInserter ins = plain.newObjectInserter()) {
      ObjectId tree = ins.insert(Constants.OBJ_TREE, new byte[0]);
      org.eclipse.jgit.lib.CommitBuilder c = new org.eclipse.jgit.lib.CommitBuilder();
      c.setTreeId(tree);
      org.eclipse.jgit.lib.PersonIdent who =
          new org.eclipse.jgit.lib.PersonIdent("t", "t@example.com");
      c.setAuthor(who);
      c.setCommitter(who);
      c.setMessage("first\n");
      commit = ins.insert(c);
      ins.flush();
    }
    RefUpdate u = plain.updateRef("refs/heads/master");
    u.setNewObjectId(commit);
    assertThat(u.update()).isEqualTo(RefUpdate.Result.NEW);
    fenced = new FencedRepository(plain, "p", new RefGuard(fence));
  }

  @AfterEach
  void close() {
    plain.close();
  }

  @Test
  void aFencedNodesRepositoryRefusesEverySingleUpdateDeleteAndRenameWithTheSentence()
      throws IOException {
    assertThatThrownBy(() -> fenced.updateRef("refs/heads/new")).hasMessage(SENTENCE);
    assertThatThrownBy(() -> fenced.updateRef("refs/heads/master", true)).hasMessage(SENTENCE);
    assertThatThrownBy(() -> fenced.getRefDatabase().newUpdate("refs/heads/x", false))
        .hasMessage(SENTENCE);
    assertThatThrownBy(() -> fenced.renameRef("refs/heads/master", "refs/heads/main"))
        .hasMessage(SENTENCE);
    assertThat(refs()).containsExactly("refs/heads/master");
  }

  @Test
  void aFencedNodesBatchRejectsEveryCommandWithTheSentenceAndWritesNothing() throws IOException {
    BatchRefUpdate batch = fenced.getRefDatabase().newBatchUpdate();
    batch.addCommand(new ReceiveCommand(ObjectId.zeroId(), commit, "refs/users/00/1000000"),
        new ReceiveCommand(commit, ObjectId.zeroId(), "refs/heads/master"));
    try (RevWalk walk = new RevWalk(fenced)) {
      batch.execute(walk, NullProgressMonitor.INSTANCE);
    }
    assertThat(batch.getCommands()).allSatisfy(c -> {
      assertThat(c.getResult()).isEqualTo(ReceiveCommand.Result.REJECTED_OTHER_REASON);
      assertThat(c.getMessage()).isEqualTo(SENTENCE);
    });
    assertThat(refs()).containsExactly("refs/heads/master");
  }

  @Test
  void readsOnAFencedNodeAreThePlainRepositorys() throws IOException {
    assertThat(fenced.exactRef("refs/heads/master").getObjectId()).isEqualTo(commit);
    assertThat(fenced.getRefDatabase().getRefsByPrefix("refs/heads/")).hasSize(1);
    assertThat(fenced.resolve("master")).isEqualTo(commit);
    assertThat(new String(fenced.open(commit).getBytes(), StandardCharsets.UTF_8))
        .contains("first");
  }

  @Test
  void onTheMasterEveryKindOfUpdateWrites() throws IOException {
    record.set(new MasterRecord(Optional.of("gerrit-1"), 8));
    RefUpdate single = fenced.updateRef("refs/heads/single");
    single.setNewObjectId(commit);
    assertThat(single.update()).isEqualTo(RefUpdate.Result.NEW);
    BatchRefUpdate batch = fenced.getRefDatabase().newBatchUpdate();
    batch.addCommand(new ReceiveCommand(ObjectId.zeroId(), commit, "refs/heads/batch"));
    try (RevWalk walk = new RevWalk(fenced)) {
      batch.execute(walk, NullProgressMonitor.INSTANCE);
    }
    assertThat(batch.getCommands().get(0).getResult()).isEqualTo(ReceiveCommand.Result.OK);
    assertThat(fenced.renameRef("refs/heads/single", "refs/heads/renamed").rename())
        .isEqualTo(RefUpdate.Result.RENAMED);
    assertThat(refs()).containsExactly("refs/heads/batch", "refs/heads/master",
        "refs/heads/renamed");
  }

  @Test
  void theFenceIsAskedAgainForEachUpdateSoANewRecordTakesEffect() throws IOException {
    assertThatThrownBy(() -> fenced.updateRef("refs/heads/a")).hasMessage(SENTENCE);
    record.set(new MasterRecord(Optional.of("gerrit-1"), 8));
    clock.addAndGet(Duration.ofSeconds(1).toNanos()); // the fence's refresh
    RefUpdate u = fenced.updateRef("refs/heads/a");
    u.setNewObjectId(commit);
    assertThat(u.update()).isEqualTo(RefUpdate.Result.NEW);
  }

  /** The refs as the plain repository, not the wrapper, sees them. */
  private java.util.List<String> refs() throws IOException {
    plain.getRefDatabase().refresh();
    return plain.getRefDatabase().getRefsByPrefix("refs/").stream().map(r -> r.getName())
        .sorted().toList();
  }
}
