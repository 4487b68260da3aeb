package org.gerritproxy.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.channel.StreamingChannel;
import org.apache.sshd.common.io.IoReadFuture;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bytes of a command between a client and a node, through a real {@link SshFrontend}: stdin
 * reaches the node whole and ends with EOF, stdout, stderr and the exit status come back, and a
 * client that stops reading holds the node back within the SSH windows (the proxy buffers no
 * pack). The node is a MINA SSH server standing in for Gerrit, which the end-to-end tests in
 * proxy-core cover; here the node counts what it managed to send.
 */
class SshRelayTest {
  /** What the node sends for {@code git-upload-pack '/big'}. */
  static final long BIG = 64L << 20;
  /** What the node sends on stdout for {@code git-upload-pack '/then-stderr'}, before "done". */
  static final int THEN_STDERR_OUT = 512 * 1024;
  static final Semaphore thenStderrSent = new Semaphore(0);
  static final Duration STEP = Duration.ofSeconds(30);

  @TempDir static Path dir;
  static final AtomicLong nodeSent = new AtomicLong();
  static OneNodeFrontend proxy;

  @BeforeAll
  static void start() throws Exception {
    proxy = OneNodeFrontend.start(dir, (user, key, session) -> true, Duration.ofSeconds(30),
        Duration.ofSeconds(10), STEP);
  }

  @AfterAll
  static void stop() throws Exception {
    if (proxy != null) {
      proxy.close();
    }
  }

  ClientSession login() throws IOException {
    return proxy.login();
  }

  @Test
  void stdinReachesTheNodeWholeAndStdoutStderrAndExitStatusComeBack() throws Exception {
    byte[] input = new byte[5 << 20];
    new Random(7).nextBytes(input);
    try (ClientSession s = login();
        ChannelExec c = s.createExecChannel("git-upload-pack '/echo'")) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      c.setIn(new ByteArrayInputStream(input));
      c.setOut(out);
      c.setErr(err);
      c.open().verify(STEP);
      c.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), STEP);

      assertThat(out.toString(StandardCharsets.UTF_8))
          .as("what the node read of stdin, up to its EOF")
          .isEqualTo(input.length + " " + sha256(input) + "\n");
      assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("read it all\n");
      assertThat(c.getExitStatus()).isEqualTo(3);
    }
  }

  @Test
  void aClientThatStopsReadingHoldsTheNodeBackAndStillGetsEverything() throws Exception {
    try (ClientSession s = login();
        ChannelExec c = s.createExecChannel("git-upload-pack '/big'")) {
      // Asynchronous streams that nobody reads yet: the client gives back no window.
      c.setStreaming(StreamingChannel.Streaming.Async);
      c.open().verify(STEP);
      long sent = -1;
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < deadline) {
        Thread.sleep(500);
        long now = nodeSent.get();
        if (now == sent && now > 0) {
          break; // the node has been held back for half a second
        }
        sent = now;
      }
      // The client's window (2 MB), the proxy's toward the node (1 MB), a packet in hand and
      // the sockets' buffers: far less than the 64 MB the node has to send.
      assertThat(nodeSent.get()).as("bytes the node could send while the client read nothing")
          .isPositive().isLessThan(16L << 20);

      long received = 0;
      ByteArrayBuffer buf = new ByteArrayBuffer(256 * 1024);
      while (true) {
        buf.clear();
        IoReadFuture r = c.getAsyncOut().read(buf);
        assertThat(r.await(STEP)).as("a read within %s", STEP).isTrue();
        if (r.getException() != null) {
          break; // EOF: the node's output ended
        }
        received += r.getRead();
      }
      assertThat(received).isEqualTo(BIG);
      c.waitFor(EnumSet.of(ClientChannelEvent.EXIT_STATUS), STEP);
      assertThat(c.getExitStatus()).isZero();
    }
  }

  /**
   * MINA's server channel wakes only its stdout stream when the client's window grows: stderr
   * written while that window was full waited for good, and the command hung after the client had
   * every byte of stdout (one of 50 concurrent SSH clones in a bench run).
   */
  @Test
  void stderrWrittenWhileTheClientsWindowIsFullStillArrives() throws Exception {
    try (ClientSession s = login()) {
      // A client window well under what the node sends, which fits in the proxy's window toward
      // the node: the node sends all of it, and its stderr, before the client reads anything.
      CoreModuleProperties.WINDOW_SIZE.set(s, 64L * 1024);
      try (ChannelExec c = s.createExecChannel("git-upload-pack '/then-stderr'")) {
        c.setStreaming(StreamingChannel.Streaming.Async);
        c.open().verify(STEP);
        assertThat(thenStderrSent.tryAcquire(STEP.toSeconds(), TimeUnit.SECONDS))
            .as("the node sent its stdout and stderr").isTrue();
        Thread.sleep(300); // for the stderr to reach the proxy and wait there on the window

        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(c, false));
        assertThat(readAll(c, true)).hasSize(THEN_STDERR_OUT);
        assertThat(err.get(STEP.toSeconds(), TimeUnit.SECONDS)).isEqualTo("done\n");
        assertThat(c.waitFor(EnumSet.of(ClientChannelEvent.EXIT_STATUS), STEP))
            .contains(ClientChannelEvent.EXIT_STATUS);
        assertThat(c.getExitStatus()).isZero();
      }
    }
  }

  /** All of the channel's stdout or stderr, read as it comes, until its end. */
  private static String readAll(ChannelExec c, boolean stdout) {
    StringBuilder all = new StringBuilder();
    ByteArrayBuffer buf = new ByteArrayBuffer(64 * 1024);
    while (true) {
      buf.clear();
      IoReadFuture r = (stdout ? c.getAsyncOut() : c.getAsyncErr()).read(buf);
      try {
        if (!r.await(STEP)) {
          return all + "[no more within " + STEP + "]";
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (r.getException() != null) {
        return all.toString();
      }
      all.append(new String(buf.array(), buf.rpos(), r.getRead(), StandardCharsets.ISO_8859_1));
    }
  }

  static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  /**
   * The node's side, by the repository named: {@code /echo} reads stdin to its EOF and answers
   * its length and SHA-256, {@code /big} sends {@link #BIG} bytes and counts them as they go.
   */
  static final class FakeGerritCommand implements Command {
    private final String command;
    private InputStream in;
    private OutputStream out;
    private OutputStream err;
    private ExitCallback exit;

    FakeGerritCommand(String command) {
      this.command = command;
    }

    @Override
    public void setInputStream(InputStream in) {
      this.in = in;
    }

    @Override
    public void setOutputStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void setErrorStream(OutputStream err) {
      this.err = err;
    }

    @Override
    public void setExitCallback(ExitCallback callback) {
      this.exit = callback;
    }

    @Override
    public void start(ChannelSession channel, Environment env) {
      Thread t = new Thread(this::run, "fake-gerrit");
      t.setDaemon(true);
      t.start();
    }

    private void run() {
      try {
        if (command.endsWith("git-upload-pack '/echo'")) {
          byte[] all = in.readAllBytes();
          out.write((all.length + " " + sha256(all) + "\n").getBytes(StandardCharsets.UTF_8));
          out.flush();
          err.write("read it all\n".getBytes(StandardCharsets.UTF_8));
          err.flush();
          exit.onExit(3);
        } else if (command.endsWith("git-upload-pack '/big'")) {
          byte[] block = new byte[64 * 1024];
          for (long left = BIG; left > 0; left -= block.length) {
            out.write(block);
            out.flush(); // waits for the proxy's window: what it could not send is not counted
            nodeSent.addAndGet(block.length);
          }
          exit.onExit(0);
        } else if (command.endsWith("git-upload-pack '/then-stderr'")) {
          out.write(new byte[THEN_STDERR_OUT]);
          out.flush();
          err.write("done\n".getBytes(StandardCharsets.UTF_8));
          err.flush();
          thenStderrSent.release();
          exit.onExit(0);
        } else {
          err.write(("unknown command: " + command + "\n").getBytes(StandardCharsets.UTF_8));
          err.flush();
          exit.onExit(1);
        }
      } catch (Exception e) {
        exit.onExit(2, e.toString());
      }
    }

    @Override
    public void destroy(ChannelSession channel) {}
  }
}
