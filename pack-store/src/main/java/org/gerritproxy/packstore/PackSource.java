package org.gerritproxy.packstore;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * One reader's view of a cache entry: a finished file, or one still being filled by the node's
 * answer (it then reads what was written so far and is told when more comes). Each reader has its
 * own file handle, so a reader that goes away, or an entry evicted meanwhile, disturbs no one.
 */
public final class PackSource implements Closeable {

  private final FileChannel file;
  /** Null for a finished entry. */
  private final PackFill fill;
  private final long finishedSize;

  PackSource(FileChannel file, PackFill fill, long finishedSize) {
    this.file = file;
    this.fill = fill;
    this.finishedSize = finishedSize;
  }

  /** Bytes readable now. */
  public long available() {
    return fill == null ? finishedSize : fill.written();
  }

  /** Complete once every byte is written and the answer was whole; FAILED when it never will be. */
  public PackFill.State state() {
    return fill == null ? PackFill.State.COMPLETE : fill.state();
  }

  /**
   * Reads up to {@code dst.remaining()} bytes at {@code position} (below {@link #available()}).
   */
  public int read(ByteBuffer dst, long position) throws IOException {
    long limit = available() - position;
    if (limit < dst.remaining()) {
      dst.limit(dst.position() + (int) Math.max(0, limit));
    }
    return file.read(dst, position);
  }

  /**
   * Calls {@code wake} once, when more than {@code position} bytes are written or the fill ends;
   * returns false (and never calls it) when that is true already.
   */
  public boolean awaitBeyond(long position, Runnable wake) {
    return fill != null && fill.awaitBeyond(position, wake);
  }

  @Override
  public void close() {
    try {
      file.close();
    } catch (IOException ignored) {
      // a read handle: nothing was written through it
    }
  }
}
