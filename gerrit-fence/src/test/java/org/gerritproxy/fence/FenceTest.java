package org.gerritproxy.fence;

import org.gerritproxy.record.MasterRecord;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FenceTest {
  private final AtomicLong clock = new AtomicLong(1_000_000_000L);
  private final AtomicReference<Object> next = new AtomicReference<>();
  private final AtomicInteger reads = new AtomicInteger();
  private final Fence.Source source = new Fence.Source() {
    @Override
    @SuppressWarnings("unchecked")
    public Optional<MasterRecord> read() throws IOException {
      reads.incrementAndGet();
      Object n = next.get();
      if (n instanceof IOException e) {
        throw e;
      }
      return (Optional<MasterRecord>) n;
    }

    @Override
    public String describe() {
      return "the test's record";
    }
  };
  private final Fence fence = new Fence("gerrit-1", source, Duration.ofSeconds(1),
      Duration.ofSeconds(30), clock::get);

  private void advance(Duration d) {
    clock.addAndGet(d.toNanos());
  }

  @Test
  void aNodeThatIsNotTheMasterOfTheRecordIsFencedWithASentenceNamingTheMasterAndEpoch() {
    next.set(Optional.of(new MasterRecord(Optional.of("gerrit-2"), 7)));
    FenceState s = fence.state();
    assertThat(s.fenced()).isTrue();
    assertThat(s.reason()).isEqualTo(
        "gerrit-1 is not the write master: gerrit-2 is, at epoch 7. Write through the proxy.");
    assertThat(s.toJson(true)).isEqualTo("{\"node\":\"gerrit-1\",\"fenced\":true,\"epoch\":7,"
        + "\"master\":\"gerrit-2\",\"reason\":\"" + s.reason() + "\",\"repositories\":true}");
  }

  @Test
  void theMasterIsUnfencedAndNoMasterFencesEveryone() {
    next.set(Optional.of(new MasterRecord(Optional.of("gerrit-1"), 3)));
    assertThat(fence.state().fenced()).isFalse();
    advance(Duration.ofSeconds(2));
    next.set(Optional.of(new MasterRecord(Optional.empty(), 4)));
    assertThat(fence.state().fenced()).isTrue();
    assertThat(fence.state().reason()).contains("no write master at epoch 4");
  }

  @Test
  void nothingPublishedYetLeavesTheNodeUnfenced() {
    next.set(Optional.empty());
    assertThat(fence.state().fenced()).isFalse();
    assertThat(fence.state().epoch()).isEqualTo(-1);
  }

  @Test
  void theRecordIsReadAtMostOncePerRefreshInterval() {
    next.set(Optional.of(new MasterRecord(Optional.of("gerrit-1"), 3)));
    for (int i = 0; i < 100; i++) {
      fence.state();
    }
    assertThat(reads).hasValue(1);
    advance(Duration.ofMillis(1001));
    next.set(Optional.of(new MasterRecord(Optional.of("gerrit-2"), 4)));
    assertThat(fence.state().fenced()).isTrue();
    assertThat(reads).hasValue(2);
  }

  @Test
  void anUnreadableRecordHonoursTheLastGoodOneForFailClosedAfterThenFences() {
    next.set(Optional.of(new MasterRecord(Optional.of("gerrit-1"), 3)));
    assertThat(fence.state().fenced()).isFalse();
    next.set(new IOException("the shared file system is gone"));
    advance(Duration.ofSeconds(2));
    assertThat(fence.state().fenced()).as("2 s after the last good read").isFalse();
    advance(Duration.ofSeconds(27));
    assertThat(fence.state().fenced()).as("29 s after the last good read").isFalse();
    advance(Duration.ofSeconds(2));
    FenceState closed = fence.state();
    assertThat(closed.fenced()).as("31 s after the last good read").isTrue();
    assertThat(closed.reason()).contains("unreadable for 29 s")
        .contains("the shared file system is gone").contains("Write through the proxy.");
    next.set(Optional.of(new MasterRecord(Optional.of("gerrit-1"), 3)));
    advance(Duration.ofSeconds(2));
    assertThat(fence.state().fenced()).as("readable again").isFalse();
  }

  @Test
  void aNodeThatNeverReadTheRecordFencesAtOnce() {
    next.set(new IOException("no repository at /nowhere"));
    assertThat(fence.state().fenced()).isTrue();
  }

  @Test
  void theGitSourceReadsTheRefWhateverWroteItAndRefusesGarbage(@TempDir Path dir) throws Exception {
    Path git = dir.resolve("record.git");
    try (Repository repo = new FileRepositoryBuilder().setGitDir(git.toFile()).build()) {
      repo.create(true);
      GitRecordSource s = new GitRecordSource(git, FenceSettings.DEFAULT_REF);
      assertThat(s.read()).isEmpty();
      set(repo, "master=gerrit-2\nepoch=9\n");
      assertThat(s.read()).contains(new MasterRecord(Optional.of("gerrit-2"), 9));
      set(repo, "master=gerrit-1\nepoch=10\n");
      assertThat(s.read()).contains(new MasterRecord(Optional.of("gerrit-1"), 10));
      set(repo, "nonsense");
      org.assertj.core.api.Assertions.assertThatThrownBy(s::read).isInstanceOf(IOException.class)
          .hasMessageContaining("is not a master record");
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(
        () -> new GitRecordSource(dir.resolve("missing.git"), FenceSettings.DEFAULT_REF).read())
        .hasMessageContaining("no repository at");
  }

  private static void set(Repository repo, String text) throws IOException {
    ObjectId blob;
    try (ObjectInserter ins = repo.newObjectInserter()) {
      blob = ins.insert(Constants.OBJ_BLOB, text.getBytes(StandardCharsets.UTF_8));
      ins.flush();
    }
    RefUpdate u = repo.updateRef(FenceSettings.DEFAULT_REF);
    u.setNewObjectId(blob);
    u.forceUpdate();
  }
}
