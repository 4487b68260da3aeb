package org.gerritproxy.core.config;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the configuration's files and calls back once their content has changed and then stayed
 * still for a short while, so that an editor's several writes give one reload.
 */
public final class ConfigFileWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConfigFileWatcher.class);

  private final Set<Path> files;
  private final Duration debounce;
  private final Runnable onChange;
  private final WatchService watcher;
  private final Thread thread;
  private volatile Map<Path, byte[]> lastSeen;

  private ConfigFileWatcher(Set<Path> files, Duration debounce, Runnable onChange)
      throws IOException {
    this.files = files;
    this.debounce = debounce;
    this.onChange = onChange;
    this.watcher = FileSystems.getDefault().newWatchService();
    for (Path dir : files.stream().map(Path::getParent).distinct().toList()) {
      // The directory, not the file: editors replace files by renaming, and secure.config may
      // not exist yet.
      dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE,
          StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
    }
    this.lastSeen = contents();
    this.thread = new Thread(this::run, "config-watch");
    this.thread.setDaemon(true);
  }

  /**
   * Starts watching {@code files}; {@code onChange} runs on the watcher's thread.
   *
   * @throws IOException when a directory cannot be watched
   */
  public static ConfigFileWatcher start(List<Path> files, Duration debounce, Runnable onChange)
      throws IOException {
    Set<Path> absolute = new LinkedHashSet<>();
    files.forEach(f -> absolute.add(f.toAbsolutePath().normalize()));
    ConfigFileWatcher w = new ConfigFileWatcher(absolute, debounce, onChange);
    w.thread.start();
    return w;
  }

  private void run() {
    boolean pending = false;
    try {
      while (true) {
        WatchKey key = pending
            ? watcher.poll(debounce.toMillis(), TimeUnit.MILLISECONDS)
            : watcher.take();
        if (key == null) { // quiet for the debounce period: the edit is complete
          pending = false;
          Map<Path, byte[]> now = contents();
          if (!sameContents(now, lastSeen)) {
            lastSeen = now;
            log.info("the configuration files changed; reloading");
            try {
              onChange.run();
            } catch (RuntimeException e) {
              log.warn("reloading after a change of the configuration files failed", e);
            }
          }
          continue;
        }
        Path dir = (Path) key.watchable();
        for (WatchEvent<?> event : key.pollEvents()) {
          if (event.kind() == StandardWatchEventKinds.OVERFLOW
              || files.contains(dir.resolve((Path) event.context()))) {
            pending = true;
          }
        }
        key.reset();
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // closed: stop watching
    }
  }

  /**
   * Takes the files as they are now as loaded, so that a reload done otherwise (SIGHUP,
   * POST /reload) is not repeated by the watch.
   */
  public void markLoaded() {
    lastSeen = contents();
  }

  /** Each watched file's bytes; a missing or unreadable file maps to null. */
  private Map<Path, byte[]> contents() {
    Map<Path, byte[]> m = new HashMap<>();
    for (Path f : files) {
      try {
        m.put(f, Files.readAllBytes(f));
      } catch (IOException e) { // missing (secure.config may not exist yet) or unreadable
        m.put(f, null);
      }
    }
    return m;
  }

  private static boolean sameContents(Map<Path, byte[]> a, Map<Path, byte[]> b) {
    if (!a.keySet().equals(b.keySet())) {
      return false;
    }
    for (Path p : a.keySet()) {
      if (!Arrays.equals(a.get(p), b.get(p))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void close() {
    thread.interrupt();
    try {
      watcher.close();
    } catch (IOException e) {
      // nothing left to release
    }
  }
}
