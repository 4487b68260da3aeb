package org.gerritproxy.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.gerritproxy.packstore.PackCacheObserver;
import org.gerritproxy.packstore.PackCacheScope;
import org.gerritproxy.packstore.PackStore;
import org.gerritproxy.packstore.TipNames;
import org.gerritproxy.routing.git.PktLines;
import org.gerritproxy.routing.packcache.ProjectPatterns;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pack cache's fill over SSH through the real frontend, against a node that sends its pack
 * slowly (real Gerrit sends a 12 MB pack before a test can cut its client, so this one cannot be
 * made to wait there): the client that leads a fill hangs up in the middle of it, and the fill still
 * goes on for a client reading along; the node's command is then ended with EOF, as git ends it,
 * not cut; a later fetch is a hit.
 */
class PackCacheFillTest {
  private static final Duration STEP = Duration.ofSeconds(30);
  private static final String TIP = "1111111111111111111111111111111111111111";
  private static final int CHUNKS = 40;
  private static final int CHUNK = 32 * 1024;

  @TempDir static Path dir;
  static OneNodeFrontend proxy;
  static PackStore store;
  /** What the node did: fetches answered, and how its commands ended. */
  static final AtomicInteger fetchesAnswered = new AtomicInteger();
  static final AtomicInteger endedByEof = new AtomicInteger();
  static final AtomicInteger cutOff = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    proxy = OneNodeFrontend.start(dir, (user, key, session) -> true, Duration.ofSeconds(30),
        Duration.ofSeconds(10), STEP, (channel, command) -> new SlowUploadPack());
    store = PackStore.open(dir.resolve("cache"), 64 << 20, PackCacheObserver.NONE);
    PackCacheScope scope = new PackCacheScope(new ProjectPatterns(List.of("ci/*")),
        Optional.of(store), PackCacheObserver.NONE, new TipNames(1000));
    proxy.frontend().usePackCache(() -> scope);
  }

  @AfterAll
  static void stop() throws Exception {
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void aFillGoesOnForTheOthersWhenTheClientLeadingItHangsUp() throws Exception {
    ClientSession leader = proxy.login();
    ChannelExec first = exec(leader);
    InputStream firstOut = first.getInvertedOut();
    readMessage(firstOut); // the advertisement
    send(first, fetchRequest());
    byte[] head = firstOut.readNBytes(CHUNK); // a little of the answer: the fill is under way
    assertThat(head).hasSize(CHUNK);

    ClientSession other = proxy.login();
    ChannelExec second = exec(other);
    InputStream secondOut = second.getInvertedOut();
    readMessage(secondOut);
    send(second, fetchRequest());
    CompletableFuture<byte[]> secondAnswer = CompletableFuture.supplyAsync(() -> {
      try {
        return readMessage(secondOut);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });

    assertThat(fetchesAnswered.get()).as("the node is still sending the pack").isZero();
    leader.close(true); // the whole connection, as a CI runner that is shut down

    assertThat(secondAnswer.get(STEP.toSeconds(), TimeUnit.SECONDS))
        .as("the answer read along the fill, whole").isEqualTo(answer());
    send(second, PktLines.FLUSH);
    second.getInvertedIn().close();
    other.close(false);

    awaitNode(() -> endedByEof.get() + cutOff.get() >= 2);
    assertThat(fetchesAnswered.get()).as("fetches the node answered").isEqualTo(1);
    assertThat(cutOff.get()).as("node commands cut off rather than ended by EOF").isZero();
    assertThat(store.entries()).isEqualTo(1);

    // A later identical fetch is answered from the entry: the node only answers the check.
    ClientSession later = proxy.login();
    ChannelExec third = exec(later);
    InputStream thirdOut = third.getInvertedOut();
    readMessage(thirdOut);
    send(third, fetchRequest());
    assertThat(readMessage(thirdOut)).isEqualTo(answer());
    later.close(false);
    assertThat(fetchesAnswered.get()).isEqualTo(1);
  }

  private static void awaitNode(java.util.function.BooleanSupplier done)
      throws InterruptedException {
    long until = System.nanoTime() + STEP.toNanos();
    while (!done.getAsBoolean() && System.nanoTime() < until) {
      Thread.sleep(20);
    }
  }

  private static ChannelExec exec(ClientSession s) throws IOException {
    ChannelExec c = s.createExecChannel("git-upload-pack '/ci/app'");
    c.setEnv("GIT_PROTOCOL", "version=2");
    c.open().verify(STEP);
    return c;
  }

  private static void send(ChannelExec c, byte[] bytes) throws IOException {
    OutputStream in = c.getInvertedIn();
    in.write(bytes);
    in.flush();
  }

  /** One pkt-line message, up to and including its flush-pkt. */
  static byte[] readMessage(InputStream in) throws IOException {
    ByteArrayOutputStream message = new ByteArrayOutputStream();
    while (true) {
      byte[] head = in.readNBytes(4);
      if (head.length < 4) {
        throw new EOFException("the stream ended inside a message");
      }
      message.writeBytes(head);
      int length = Integer.parseInt(new String(head, StandardCharsets.US_ASCII), 16);
      if (length == 0) {
        return message.toByteArray();
      }
      if (length > 4) {
        byte[] payload = in.readNBytes(length - 4);
        if (payload.length < length - 4) {
          throw new EOFException("the stream ended inside a line");
        }
        message.writeBytes(payload);
      }
    }
  }

  static byte[] fetchRequest() {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(PktLines.data("command=fetch\n"));
    b.writeBytes(PktLines.DELIM);
    b.writeBytes(PktLines.data("want " + TIP + "\n"));
    b.writeBytes(PktLines.data("done\n"));
    b.writeBytes(PktLines.FLUSH);
    return b.toByteArray();
  }

  /** The node's answer to the fetch: a pack section of CHUNKS side-band lines, then flush. */
  static byte[] answer() {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(PktLines.data("packfile\n"));
    for (int i = 0; i < CHUNKS; i++) {
      b.writeBytes(chunk(i));
    }
    b.writeBytes(PktLines.FLUSH);
    return b.toByteArray();
  }

  private static byte[] chunk(int i) {
    byte[] line = new byte[CHUNK];
    byte[] head = String.format("%04x", CHUNK).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(head, 0, line, 0, 4);
    line[4] = 1; // side-band 1: pack data
    if (i == 0) {
      System.arraycopy("PACK".getBytes(StandardCharsets.US_ASCII), 0, line, 5, 4);
    }
    for (int k = 9; k < CHUNK; k++) {
      line[k] = (byte) (i * 31 + k);
    }
    return line;
  }

  /**
   * A protocol v2 upload-pack that answers ls-refs with TIP, and a fetch with {@link #answer()},
   * a chunk every 50 ms (2 s in all); it counts how its command ends.
   */
  static final class SlowUploadPack implements Command {
    private InputStream in;
    private OutputStream out;
    private ExitCallback exit;

    @Override
    public void setInputStream(InputStream in) {
      this.in = in;
    }

    @Override
    public void setOutputStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void setErrorStream(OutputStream err) {}

    @Override
    public void setExitCallback(ExitCallback callback) {
      this.exit = callback;
    }

    @Override
    public void start(ChannelSession channel, Environment env) {
      Thread t = new Thread(this::run, "slow-upload-pack");
      t.setDaemon(true);
      t.start();
    }

    @Override
    public void destroy(ChannelSession channel) {}

    private void run() {
      try {
        out.write(PktLines.data("version 2\n"));
        out.write(PktLines.data("ls-refs\n"));
        out.write(PktLines.data("fetch\n"));
        out.write(PktLines.FLUSH);
        out.flush();
        while (true) {
          byte[] request;
          try {
            request = readMessage(in);
          } catch (EOFException e) {
            endedByEof.incrementAndGet(); // the client's EOF: upload-pack exits
            exit.onExit(0);
            return;
          }
          String text = new String(request, StandardCharsets.ISO_8859_1);
          if (request.length == 4) {
            endedByEof.incrementAndGet(); // git's final flush-pkt
            exit.onExit(0);
            return;
          }
          if (text.contains("command=ls-refs")) {
            out.write(PktLines.data(TIP + " refs/heads/main\n"));
            out.write(PktLines.FLUSH);
            out.flush();
          } else {
            out.write(PktLines.data("packfile\n"));
            for (int i = 0; i < CHUNKS; i++) {
              out.write(chunk(i));
              out.flush();
              Thread.sleep(50);
            }
            out.write(PktLines.FLUSH);
            out.flush();
            fetchesAnswered.incrementAndGet();
          }
        }
      } catch (IOException | InterruptedException e) {
        cutOff.incrementAndGet();
      }
    }
  }
}
