package org.gerritproxy.core.backdoor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Optional;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both backdoor kinds store and return each node's latest heartbeat. */
class BackdoorStorageTest {
  @TempDir Path dir;

  @Test
  void gitBackdoorKeepsOneRefPerNodeUnderRefsMetaMasters() throws Exception {
    Path git = dir.resolve("All-Projects.git");
    try (Repository r = new FileRepositoryBuilder().setGitDir(git.toFile()).build()) {
      r.create(true);
    }
    try (GitBackdoor writer1 = new GitBackdoor(git); GitBackdoor writer2 = new GitBackdoor(git);
        GitBackdoor reader = new GitBackdoor(git)) {
      writer1.write(new HeartbeatRecord("gerrit-1", 1, true, ""));
      writer2.write(new HeartbeatRecord("gerrit-2", 5, false, "connection refused"));
      assertThat(reader.readAll()).containsOnlyKeys("gerrit-1", "gerrit-2");
      writer1.write(new HeartbeatRecord("gerrit-1", 2, true, ""));
      assertThat(reader.readAll().get("gerrit-1").sequence())
          .as("a reader sees another writer's newer beat").isEqualTo(2);
      assertThat(reader.readAll().get("gerrit-2"))
          .isEqualTo(new HeartbeatRecord("gerrit-2", 5, false, "connection refused"));
      try (Repository r = new FileRepositoryBuilder().setGitDir(git.toFile()).build()) {
        assertThat(r.exactRef("refs/meta/masters/gerrit-1")).isNotNull();
      }
    }
  }

  @Test
  void gitBackdoorReusesABoundedSetOfBlobsSoTheSharedRepositoryDoesNotGrowWithEveryBeat()
      throws Exception {
    Path git = dir.resolve("All-Projects.git");
    try (Repository r = new FileRepositoryBuilder().setGitDir(git.toFile()).build()) {
      r.create(true);
    }
    try (GitBackdoor door = new GitBackdoor(git)) {
      door.write(new HeartbeatRecord("gerrit-1", 5, true, ""));
      long objects = looseObjects(git);
      door.write(new HeartbeatRecord("gerrit-1", 5 + GitBackdoor.SEQUENCE_CYCLE, true, ""));
      assertThat(looseObjects(git)).as("the same beat, one cycle later, is the same blob")
          .isEqualTo(objects);
      door.write(new HeartbeatRecord("gerrit-1", 6 + GitBackdoor.SEQUENCE_CYCLE, true, ""));
      assertThat(door.readAll().get("gerrit-1").sequence()).as("but it still moves").isEqualTo(6);
    }
  }

  private static long looseObjects(Path git) throws Exception {
    try (var files = java.nio.file.Files.walk(git.resolve("objects"))) {
      return files.filter(java.nio.file.Files::isRegularFile).count();
    }
  }

  @Test
  void gitBackdoorRefusesAMissingRepository() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
        () -> new GitBackdoor(dir.resolve("missing.git"))).isInstanceOf(Exception.class);
  }

  @Test
  void jdbcBackdoorCreatesItsTableAndUpdatesOneRowPerNodeInH2() throws Exception {
    String url = "jdbc:h2:file:" + dir.resolve("heartbeat").toAbsolutePath();
    try (JdbcBackdoor writer = new JdbcBackdoor(url, Optional.of("sa"), Optional.of(""))) {
      writer.write(new HeartbeatRecord("gerrit-1", 1, true, ""));
      writer.write(new HeartbeatRecord("gerrit-1", 2, false, "HTTP 503"));
      writer.write(new HeartbeatRecord("gerrit-2", 9, true, ""));
    }
    try (JdbcBackdoor reader = new JdbcBackdoor(url, Optional.of("sa"), Optional.of(""))) {
      assertThat(reader.readAll()).containsOnlyKeys("gerrit-1", "gerrit-2");
      assertThat(reader.readAll().get("gerrit-1"))
          .isEqualTo(new HeartbeatRecord("gerrit-1", 2, false, "HTTP 503"));
    }
  }

  @Test
  void jdbcBackdoorReportsAnUnreachableDatabaseAsAnIOException() {
    JdbcBackdoor broken = new JdbcBackdoor("jdbc:postgresql://127.0.0.1:1/none",
        Optional.empty(), Optional.empty());
    org.assertj.core.api.Assertions.assertThatThrownBy(broken::readAll)
        .isInstanceOf(java.io.IOException.class)
        .hasMessageContaining("could not read the heartbeats");
  }
}
