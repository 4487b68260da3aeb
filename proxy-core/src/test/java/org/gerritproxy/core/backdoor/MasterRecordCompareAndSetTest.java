package org.gerritproxy.core.backdoor;

import org.gerritproxy.record.MasterRecord;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Optional;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both backdoor kinds keep the write master record by compare-and-set. */
class MasterRecordCompareAndSetTest {
  @TempDir Path dir;

  @Test
  void gitBackdoorWritesTheRecordOnlyOverTheExpectedOne() throws Exception {
    Path git = dir.resolve("All-Projects.git");
    try (Repository r = new FileRepositoryBuilder().setGitDir(git.toFile()).build()) {
      r.create(true);
    }
    try (GitBackdoor a = new GitBackdoor(git); GitBackdoor b = new GitBackdoor(git)) {
      compareAndSet(a, b);
      try (Repository r = new FileRepositoryBuilder().setGitDir(git.toFile()).build()) {
        assertThat(r.exactRef(GitBackdoor.MASTER_REF)).as("the ref gerrit-fence reads").isNotNull();
      }
    }
  }

  @Test
  void jdbcBackdoorWritesTheRecordOnlyOverTheExpectedOne() throws Exception {
    String url = "jdbc:h2:file:" + dir.resolve("record").toAbsolutePath();
    try (JdbcBackdoor a = new JdbcBackdoor(url, Optional.of("sa"), Optional.of(""));
        JdbcBackdoor b = new JdbcBackdoor(url, Optional.of("sa"), Optional.of(""))) {
      compareAndSet(a, b);
    }
  }

  private static void compareAndSet(Backdoor a, Backdoor b) throws Exception {
    MasterRecord one = new MasterRecord(Optional.of("gerrit-1"), 1);
    MasterRecord two = new MasterRecord(Optional.of("gerrit-2"), 2);
    MasterRecord none = new MasterRecord(Optional.empty(), 3);
    assertThat(a.readMaster()).isEmpty();
    assertThat(a.compareAndSetMaster(Optional.empty(), one)).isTrue();
    assertThat(b.compareAndSetMaster(Optional.empty(), two)).as("b expected none: too late").isFalse();
    assertThat(b.readMaster()).contains(one);
    assertThat(b.compareAndSetMaster(Optional.of(one), two)).isTrue();
    assertThat(a.compareAndSetMaster(Optional.of(one), none)).as("a's view is stale").isFalse();
    assertThat(a.compareAndSetMaster(Optional.of(two), none)).isTrue();
    assertThat(b.readMaster()).contains(none);
    assertThat(MasterRecord.parse(none.toText())).isEqualTo(none);
  }
}
