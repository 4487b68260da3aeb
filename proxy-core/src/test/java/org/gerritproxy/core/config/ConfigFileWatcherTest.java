package org.gerritproxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file watch behind live reload: one reload per edit, none for unrelated files. */
class ConfigFileWatcherTest {
  private static final Duration DEBOUNCE = Duration.ofMillis(200);

  @TempDir Path dir;

  @Test
  void severalQuickWritesGiveOneReload() throws Exception {
    Path config = dir.resolve("proxy.config");
    Files.writeString(config, "[proxy]\n");
    AtomicInteger reloads = new AtomicInteger();
    try (var w = ConfigFileWatcher.start(ConfigLoader.watchedFiles(config), DEBOUNCE,
        reloads::incrementAndGet)) {
      for (int i = 0; i < 5; i++) {
        Files.writeString(config, "[proxy]\n\tname = p" + i + "\n");
        Thread.sleep(20);
      }
      awaitCount(reloads, 1);
      Thread.sleep(600);
      assertThat(reloads).hasValue(1);
    }
  }

  @Test
  void otherFilesInTheDirectoryAndUnchangedContentDoNotReload() throws Exception {
    Path config = dir.resolve("proxy.config");
    Files.writeString(config, "[proxy]\n");
    AtomicInteger reloads = new AtomicInteger();
    try (var w = ConfigFileWatcher.start(ConfigLoader.watchedFiles(config), DEBOUNCE,
        reloads::incrementAndGet)) {
      Files.writeString(dir.resolve("notes.txt"), "unrelated");
      Files.writeString(dir.resolve("proxy.config~"), "an editor's backup");
      Files.writeString(config, "[proxy]\n"); // saved without a change
      Thread.sleep(800);
      assertThat(reloads).hasValue(0);
    }
  }

  @Test
  void creatingSecureConfigReloads() throws Exception {
    Path config = dir.resolve("proxy.config");
    Files.writeString(config, "[proxy]\n");
    AtomicInteger reloads = new AtomicInteger();
    try (var w = ConfigFileWatcher.start(ConfigLoader.watchedFiles(config), DEBOUNCE,
        reloads::incrementAndGet)) {
      Files.writeString(dir.resolve("secure.config"), "[admin]\n\ttoken = t\n");
      awaitCount(reloads, 1);
    }
  }

  @Test
  void aFileReplacedByRenameReloads() throws Exception {
    Path config = dir.resolve("proxy.config");
    Files.writeString(config, "[proxy]\n");
    AtomicInteger reloads = new AtomicInteger();
    try (var w = ConfigFileWatcher.start(ConfigLoader.watchedFiles(config), DEBOUNCE,
        reloads::incrementAndGet)) {
      Path tmp = dir.resolve(".proxy.config.swp");
      Files.writeString(tmp, "[proxy]\n\tname = renamed\n");
      Files.move(tmp, config, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      awaitCount(reloads, 1);
    }
  }

  @Test
  void aReloadDoneOtherwiseIsNotRepeated() throws Exception {
    Path config = dir.resolve("proxy.config");
    Files.writeString(config, "[proxy]\n");
    AtomicInteger reloads = new AtomicInteger();
    try (var w = ConfigFileWatcher.start(ConfigLoader.watchedFiles(config), DEBOUNCE,
        reloads::incrementAndGet)) {
      Files.writeString(config, "[proxy]\n\tname = by-sighup\n");
      w.markLoaded(); // as SIGHUP or POST /reload would, right after the write
      Thread.sleep(600);
      assertThat(reloads).hasValue(0);
    }
  }

  @Test
  void noReloadAfterClose() throws Exception {
    Path config = dir.resolve("proxy.config");
    Files.writeString(config, "[proxy]\n");
    AtomicInteger reloads = new AtomicInteger();
    ConfigFileWatcher.start(ConfigLoader.watchedFiles(config), DEBOUNCE, reloads::incrementAndGet)
        .close();
    Files.writeString(config, "[proxy]\n\tname = late\n");
    Thread.sleep(600);
    assertThat(reloads).hasValue(0);
  }

  private static void awaitCount(AtomicInteger count, int expected) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (count.get() < expected && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(count).hasValue(expected);
  }
}
