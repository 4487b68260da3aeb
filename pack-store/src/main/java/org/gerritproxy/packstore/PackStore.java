package org.gerritproxy.packstore;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pack cache on disk: one file per answer, named by its entry key (content-addressed: the key
 * says everything the answer depends on, so an entry never goes stale), bounded in total size.
 * Entries are written under a temporary name and renamed when whole ({@link PackFill}); a reader
 * of a finished entry or of one being filled gets a {@link PackSource}.
 *
 * <p>Disposable by design: the files hold nothing that Gerrit does not, a restart indexes whole
 * entries again and deletes temporary ones, and a directory that cannot be written makes every
 * fetch pass through to the nodes, as if there were no cache.
 */
public final class PackStore {

  private static final Logger LOG = LoggerFactory.getLogger(PackStore.class);
  private static final Pattern ENTRY = Pattern.compile("[0-9a-f]{64}");
  /** After the directory refused a write, how long fetches pass through before it is tried again. */
  static final Duration RETRY_AFTER = Duration.ofSeconds(30);

  private final Path directory;
  private final long maxBytes;
  private final PackCacheObserver observer;
  private final Cache<String, Long> index;
  private final Map<String, PackFill> filling = new HashMap<>();
  private final AtomicLong temps = new AtomicLong();
  /** System.nanoTime() until which fetches pass through; meaningful while {@link #unavailable}. */
  private long retryAt;
  private boolean unavailable;

  private PackStore(Path directory, long maxBytes, PackCacheObserver observer) {
    this.directory = directory;
    this.maxBytes = maxBytes;
    this.observer = observer;
    this.index = Caffeine.newBuilder()
        .maximumWeight(maxBytes)
        .weigher((String k, Long size) -> (int) Math.min(Integer.MAX_VALUE, Math.max(1, size)))
        .executor(Runnable::run) // deletes happen at once, so the size on disk stays bounded
        .removalListener((String k, Long size, RemovalCause cause) -> {
          if (cause != RemovalCause.REPLACED) {
            delete(entryPath(k));
          }
        })
        .build();
  }

  /**
   * Opens the cache in {@code directory}: creates it when missing, deletes what was being written
   * when the proxy stopped, and indexes the whole entries. A directory that cannot be used is no
   * error: the store starts unavailable and fetches pass through.
   */
  public static PackStore open(Path directory, long maxBytes, PackCacheObserver observer) {
    PackStore s = new PackStore(directory, maxBytes, observer);
    try {
      Files.createDirectories(directory);
      try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
        for (Path f : files) {
          String name = f.getFileName().toString();
          if (name.endsWith(".tmp")) {
            delete(f);
          } else if (ENTRY.matcher(name).matches() && Files.isRegularFile(f)) {
            s.index.put(name, Files.size(f));
          }
        }
      }
    } catch (IOException e) {
      s.writeFailed(e);
    }
    return s;
  }

  public Path directory() {
    return directory;
  }

  public long maxBytes() {
    return maxBytes;
  }

  /** Bytes held in whole entries. */
  public long sizeBytes() {
    index.cleanUp();
    return index.policy().eviction().map(e -> e.weightedSize().orElse(0L)).orElse(0L);
  }

  public long entries() {
    return index.estimatedSize();
  }

  /** How an answer for one key can be had now. */
  public sealed interface Lookup {
    /** A whole entry. */
    record Hit(PackSource source) implements Lookup {}
    /** Another request's fetch is filling the entry: read along. */
    record Follow(PackSource source) implements Lookup {}
    /** Nobody has it: the caller fetches it from the node into {@code fill}, and reads along. */
    record Lead(PackFill fill, PackSource source) implements Lookup {}
    /** The cache cannot help (its directory refuses writes): pass the request through. */
    record Unavailable(String why) implements Lookup {}
  }

  /**
   * The entry for {@code key}: finished, being filled, or to be filled by the caller. Identical
   * requests arriving together find one fill, so that one fetch from the node serves them all.
   */
  public synchronized Lookup lookup(String key) {
    if (index.getIfPresent(key) != null) {
      Path entry = entryPath(key);
      try {
        FileChannel ch = FileChannel.open(entry, StandardOpenOption.READ);
        return new Lookup.Hit(new PackSource(ch, null, ch.size()));
      } catch (NoSuchFileException gone) {
        index.invalidate(key); // deleted behind our back: fetch it again
      } catch (IOException e) {
        return new Lookup.Unavailable("cannot read " + entry + ": " + e.getMessage());
      }
    }
    PackFill running = filling.get(key);
    if (running != null) {
      try {
        return new Lookup.Follow(running.reader());
      } catch (IOException e) {
        return new Lookup.Unavailable("the entry being filled went away: " + e.getMessage());
      }
    }
    if (unavailable && System.nanoTime() - retryAt < 0) {
      return new Lookup.Unavailable("the cache directory " + directory + " refused a write");
    }
    PackFill fill;
    PackSource source;
    try {
      Files.createDirectories(directory);
      fill = new PackFill(this, key,
          directory.resolve(key + "." + temps.incrementAndGet() + ".tmp"));
      source = fill.reader();
    } catch (IOException e) {
      writeFailed(e);
      return new Lookup.Unavailable("the cache directory " + directory + " cannot be written: "
          + e);
    }
    filling.put(key, fill);
    if (unavailable) {
      unavailable = false;
      LOG.info("pack cache: {} can be written again; fetches are cached again", directory);
      observer.available();
    }
    return new Lookup.Lead(fill, source);
  }

  Path entryPath(String key) {
    return directory.resolve(key);
  }

  /**
   * Puts a whole fill in place under its entry name, in one step as {@link #lookup} sees it: no
   * request finds the fill gone and the entry not yet there.
   */
  synchronized void publish(PackFill fill, Path temp, long size) throws IOException {
    Files.move(temp, entryPath(fill.key()), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    index.put(fill.key(), size);
    filling.remove(fill.key(), fill);
  }

  synchronized void ended(PackFill fill) {
    filling.remove(fill.key(), fill);
  }

  void answerRefused(String key, String why) {
    LOG.info("pack cache: the node's answer for {} is not kept: {}", key, why);
  }

  /** The disk refused: fetches pass through for a while, and the operator hears of it once. */
  synchronized void writeFailed(IOException e) {
    retryAt = System.nanoTime() + RETRY_AFTER.toNanos();
    if (!unavailable) {
      unavailable = true;
      String why = "the pack cache directory " + directory + " cannot be written (" + e
          + "); fetches pass through to Gerrit until it can";
      LOG.warn("pack cache: {}", why);
      observer.unavailable(why);
    }
  }

  private static void delete(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      LOG.warn("pack cache: cannot delete {}: {}", p, e.toString());
    }
  }
}
