package org.gerritproxy.ssh;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.ChannelAsyncOutputStream;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.util.buffer.Buffer;

/**
 * A command's channel on a node whose output is handed on as it arrives, on the I/O thread that
 * decrypted it, instead of going through a pipe to a copy thread. The node's window is given back
 * only by the receiver, once the bytes went on (see {@link Outbox}); until then the node can send
 * at most its window ahead.
 */
final class RelayExec extends ChannelExec {
  /** Where the node's bytes go: they are valid only during the call, so the sink copies them. */
  interface Sink {
    void accept(byte[] data, int off, int len) throws IOException;
  }

  private final Sink out;
  private final Sink err;
  private volatile ChannelAsyncOutputStream stdin;

  private RelayExec(String command, Sink out, Sink err) {
    super(command, null, Map.of());
    this.out = out;
    this.err = err;
    // Bytes go to the sinks, never to these; set, they keep MINA from making pipes for them.
    setOut(OutputStream.nullOutputStream());
    setErr(OutputStream.nullOutputStream());
  }

  /** A new channel for {@code command} on {@code session}, not yet opened. */
  static RelayExec create(ClientSession session, String command, Sink out, Sink err)
      throws IOException {
    RelayExec e = new RelayExec(command, out, err);
    session.getService(ConnectionService.class).registerChannel(e);
    e.addCloseFutureListener(closed -> {
      ChannelAsyncOutputStream s = e.stdin;
      if (s != null) {
        s.close(true); // a write waiting for window fails, and with it the rest of the client's input
      }
    });
    return e;
  }

  /** The node's stdin, written without blocking; created once the channel is open. */
  synchronized ChannelAsyncOutputStream stdin() {
    if (stdin == null) {
      stdin = new ChannelAsyncOutputStream(this, SshConstants.SSH_MSG_CHANNEL_DATA);
    }
    return stdin;
  }

  /** Tells the node its stdin ended (git's upload-pack and receive-pack wait for it). */
  void endStdin() {
    try {
      sendEof();
    } catch (IOException e) {
      log.debug("sending EOF to the node: {}", e.toString());
    }
  }

  /** Gives the node back {@code len} bytes of window: what it sent went on. */
  void consumed(long len) {
    try {
      getLocalWindow().release(len);
    } catch (IOException e) {
      log.debug("giving the node its window back: {}", e.toString());
    }
  }

  @Override
  protected void doWriteData(byte[] data, int off, long len) throws IOException {
    if (!isClosing()) {
      out.accept(data, off, (int) len);
    }
  }

  @Override
  protected void doWriteExtendedData(byte[] data, int off, long len) throws IOException {
    if (!isClosing()) {
      err.accept(data, off, (int) len);
    }
  }

  @Override
  public void handleWindowAdjust(Buffer buffer) throws IOException {
    super.handleWindowAdjust(buffer);
    ChannelAsyncOutputStream s = stdin;
    if (s != null) {
      s.onWindowExpanded();
    }
  }
}
