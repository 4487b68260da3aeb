package org.gerritproxy.ssh;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The packets bound for one side of a relayed command (the client's stdout or stderr, the node's
 * stdin), written in order, one at a time, without a thread: MINA's asynchronous channel stream
 * takes one write at a time, and the next starts when the last one went out within the receiver's
 * SSH window. Each packet carries what to do once written: give the sender back that much of its
 * own window. So nothing piles up here beyond what the sender's window lets it send ahead (a
 * client that stops reading stops the node), and no thread waits on a window.
 */
final class Outbox {
  private static final Logger log = LoggerFactory.getLogger(Outbox.class);
  /** What {@link #dataPacket} leaves before the data: the channel number and the data length. */
  private static final int DATA_HEADER = 8;

  private final IoOutputStream stream;
  private final ArrayDeque<Packet> queue = new ArrayDeque<>();
  private final List<CompletableFuture<Void>> drainWaiters = new ArrayList<>();
  private boolean writing;
  private boolean failed;

  private record Packet(Buffer buffer, Runnable written) {}

  Outbox(IoOutputStream stream) {
    this.stream = stream;
  }

  /**
   * {@code len} bytes of {@code data} as a channel data packet of {@code session}, laid out so that
   * MINA's asynchronous stream fills in the channel header and encrypts it in place (no copy of
   * the data between here and the socket).
   */
  static Buffer dataPacket(Session session, byte[] data, int off, int len) {
    Buffer b = session.createBuffer(SshConstants.SSH_MSG_CHANNEL_DATA, len + DATA_HEADER);
    int start = b.wpos() + DATA_HEADER;
    b.wpos(start);
    b.rpos(start);
    b.putRawBytes(data, off, len);
    return b;
  }

  /** Queues {@code packet}; {@code written} runs once it is out (never if the stream failed). */
  void send(Buffer packet, Runnable written) {
    synchronized (this) {
      if (failed) {
        return; // the channel is going away: nothing more reaches it, nor needs window back
      }
      queue.add(new Packet(packet, written));
      if (writing) {
        return;
      }
      writing = true;
    }
    pump();
  }

  /** Completes once everything queued so far is written, or the stream failed. */
  synchronized CompletableFuture<Void> drained() {
    if (failed || (!writing && queue.isEmpty())) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> f = new CompletableFuture<>();
    drainWaiters.add(f);
    return f;
  }

  /** For a log line: what is still to go out. */
  synchronized String describe() {
    return queue.size() + " packets queued, " + (writing ? "a write under way" : "no write")
        + (failed ? ", failed" : "");
  }

  /** Writes queued packets for as long as each write completes at once; else resumes on its end. */
  private void pump() {
    while (true) {
      Packet next;
      List<CompletableFuture<Void>> done = null;
      synchronized (this) {
        next = queue.poll();
        if (next == null) {
          writing = false;
          done = takeWaiters();
        }
      }
      if (next == null) {
        done.forEach(f -> f.complete(null));
        return;
      }
      IoWriteFuture f;
      try {
        f = stream.writeBuffer(next.buffer());
      } catch (IOException | RuntimeException e) {
        fail(e);
        return;
      }
      if (!f.isDone()) {
        Packet p = next;
        f.addListener(w -> {
          if (written(p, w)) {
            pump();
          }
        });
        return;
      }
      if (!written(next, f)) {
        return;
      }
    }
  }

  private boolean written(Packet p, IoWriteFuture f) {
    if (!f.isWritten()) {
      fail(f.getException());
      return false;
    }
    try {
      p.written().run();
    } catch (RuntimeException e) {
      log.debug("after a relayed write: {}", e.toString());
    }
    return true;
  }

  private void fail(Throwable cause) {
    log.debug("relayed stream ended: {}", String.valueOf(cause));
    List<CompletableFuture<Void>> done;
    synchronized (this) {
      failed = true;
      writing = false;
      queue.clear();
      done = takeWaiters();
    }
    done.forEach(f -> f.complete(null));
  }

  private List<CompletableFuture<Void>> takeWaiters() {
    List<CompletableFuture<Void>> w = new ArrayList<>(drainWaiters);
    drainWaiters.clear();
    return w;
  }
}
