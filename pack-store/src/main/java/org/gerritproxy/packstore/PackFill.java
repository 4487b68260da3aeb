package org.gerritproxy.packstore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.gerritproxy.routing.packcache.FetchResponseCheck;

/**
 * A cache entry being written from one node answer, under a temporary name; readers tail it.
 * It becomes the entry (an atomic rename) only when the answer ended whole; otherwise the file is
 * deleted and every reader is told, so that no client takes a cut answer for a whole one.
 *
 * <p>One thread writes ({@link #append}, then {@link #finish}); any thread may read.
 */
public final class PackFill {

  /**
   * A fill whose node sends nothing for this long is given up (its readers cut off): Gerrit may
   * count objects silently for minutes when the client asked for no progress, so this is long.
   */
  public static final Duration IDLE_LIMIT = Duration.ofMinutes(10);

  /** Where the fill stands. */
  public enum State { WRITING, COMPLETE, FAILED }

  private final PackStore store;
  private final String key;
  private final Path temp;
  private final FileChannel out;
  private final FetchResponseCheck check = new FetchResponseCheck();
  private volatile long written;
  private State state = State.WRITING;
  private final List<Runnable> waiting = new ArrayList<>();

  PackFill(PackStore store, String key, Path temp) throws IOException {
    this.store = store;
    this.key = key;
    this.temp = temp;
    this.out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
  }

  String key() {
    return key;
  }

  /** Bytes written so far: a watch on a silent node reads it. */
  public long written() {
    return written;
  }

  synchronized State state() {
    return state;
  }

  /** A reader of this fill, from its first byte. */
  PackSource reader() throws IOException {
    return new PackSource(FileChannel.open(temp, StandardOpenOption.READ), this, 0);
  }

  /**
   * Writes the next bytes of the node's answer.
   *
   * @throws IOException when the disk refuses them; the fill has then failed
   */
  public void append(byte[] bytes, int length) throws IOException {
    check.feed(bytes, 0, length);
    ByteBuffer b = ByteBuffer.wrap(bytes, 0, length);
    try {
      while (b.hasRemaining()) {
        out.write(b);
      }
    } catch (IOException e) {
      fail();
      store.writeFailed(e);
      throw e;
    }
    List<Runnable> wake;
    synchronized (this) {
      written += length;
      wake = takeWaiting();
    }
    wake.forEach(Runnable::run);
  }

  /**
   * The node's answer ended (its last byte was appended): the entry is kept when the answer was
   * whole with a pack; its readers are sent all of it when it was whole (with a pack or not), and
   * cut off otherwise.
   *
   * @return true when kept
   */
  public boolean finish() {
    FetchResponseCheck.State answer = check.finish();
    if (answer == FetchResponseCheck.State.WITHOUT_PACK) {
      // A negotiation round's acknowledgments: whole, so its readers get all of it, but not kept.
      // Deleting the name now leaves the readers' open handles readable.
      try {
        out.close();
        Files.deleteIfExists(temp);
      } catch (IOException ignored) {
        // a leftover temp file is removed when the store starts next
      }
      end(State.COMPLETE);
      return false;
    }
    if (answer != FetchResponseCheck.State.COMPLETE) {
      store.answerRefused(key, check.failure());
      fail();
      return false;
    }
    try {
      out.force(false);
      out.close();
      store.publish(this, temp, written);
    } catch (IOException e) {
      store.writeFailed(e);
      fail();
      return false;
    }
    end(State.COMPLETE);
    return true;
  }

  /** Gives up: the node failed, or the disk did. Readers see FAILED and close their clients. */
  public void fail() {
    try {
      out.close();
    } catch (IOException ignored) {
      // it is deleted next
    }
    try {
      Files.deleteIfExists(temp);
    } catch (IOException ignored) {
      // a leftover temp file is removed when the store starts next
    }
    end(State.FAILED);
  }

  private void end(State s) {
    List<Runnable> wake;
    synchronized (this) {
      if (state != State.WRITING) {
        return;
      }
      state = s;
      wake = takeWaiting();
    }
    store.ended(this);
    wake.forEach(Runnable::run);
  }

  synchronized boolean awaitBeyond(long position, Runnable wake) {
    if (written > position || state != State.WRITING) {
      return false;
    }
    waiting.add(wake);
    return true;
  }

  private List<Runnable> takeWaiting() {
    List<Runnable> w = new ArrayList<>(waiting);
    waiting.clear();
    return w;
  }
}
