package org.gerritproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.slf4j.LoggerFactory;

/**
 * A proxy in front of one loopback backend, for clients that misbehave: after each test it checks
 * that nothing leaked (no ByteBuf reported by Netty's paranoid leak detector, the proxy's and the
 * backend's sockets back to their count before the test) and that a well-behaved client is still
 * served.
 */
abstract class HostileClientFixture extends ProxyFixture {

  /** Short enough that pooled backend connections close between checks, so counts settle. */
  static final Duration IDLE = Duration.ofMillis(700);
  static final Duration HEADER_TIMEOUT = Duration.ofMillis(1500);
  static final String SERVED_CHECK = "/config/server/version";

  TestBackend gerrit;
  private ListAppender<ILoggingEvent> leaks;
  private long socketsBefore;

  @BeforeEach
  void proxyInFrontOfOneNode() throws Exception {
    assertThat(ResourceLeakDetector.getLevel()).as("surefire's argLine sets paranoid")
        .isEqualTo(ResourceLeakDetector.Level.PARANOID);
    // Leaks of earlier test classes in this JVM surface when the garbage collector finds them:
    // have them reported now, before listening, so that only this test's own count.
    triggerLeakReports();
    leaks = new ListAppender<>();
    leaks.start();
    ((Logger) LoggerFactory.getLogger(ResourceLeakDetector.class)).addAppender(leaks);
    gerrit = backend("gerrit-1");
    // The check after each test asks for a connection that the node then closes, so that no
    // pooled connection has to time out before the socket count settles.
    TestBackend.Responder hello = gerrit.responder;
    gerrit.responder = (ctx, r) -> {
      if (r.uri().equals(SERVED_CHECK)) {
        var response = TestBackend.text(200, "still serving");
        response.headers().set("Connection", "close");
        ctx.writeAndFlush(response).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
      } else {
        hello.respond(ctx, r);
      }
    };
    snapshot.set(snapshot(List.of(node("gerrit-1", gerrit.uri(), 1)), "gerrit-1", Duration.ZERO));
    startProxy(settings().withMaxHeaderSize(8192)
        .withTimeouts(HEADER_TIMEOUT, IDLE, Duration.ofSeconds(2)));
    socketsBefore = openSockets();
  }

  @AfterEach
  void nothingLeakedAndOthersAreServed() throws Exception {
    try {
      assertThat(get(SERVED_CHECK, "").status())
          .as("a well-behaved client is still served").isEqualTo(200);
      await(() -> gerrit.open.get() == 0 && openSockets() <= socketsBefore);
      assertThat(gerrit.open.get()).as("backend connections left open").isZero();
      assertThat(openSockets()).as("sockets of this JVM").isLessThanOrEqualTo(socketsBefore);
      assertThat(reportedLeaks()).as("ByteBufs leaked").isEmpty();
    } finally {
      ((Logger) LoggerFactory.getLogger(ResourceLeakDetector.class)).detachAppender(leaks);
    }
  }

  /** What Netty's leak detector reported, after making it look at every collected buffer. */
  private List<String> reportedLeaks() throws InterruptedException {
    triggerLeakReports();
    return leaks.list.stream().map(ILoggingEvent::getFormattedMessage)
        .filter(m -> m.contains("LEAK")).toList();
  }

  /**
   * Makes Netty's leak detector look at every buffer collected so far, so that a leak shows in its
   * log now (shared with {@link Http2Test}).
   */
  static void triggerLeakReports() throws InterruptedException {
    System.gc();
    Thread.sleep(20);
    for (int j = 0; j < 50; j++) {
      ByteBuf a = PooledByteBufAllocator.DEFAULT.directBuffer(64);
      ByteBuf b = UnpooledByteBufAllocator.DEFAULT.heapBuffer(64);
      a.release();
      b.release();
    }
  }

  /** Sockets open in this JVM (the proxy, its backend and the test's clients all live here). */
  static long openSockets() {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.filter(fd -> {
        try {
          return Files.readSymbolicLink(fd).toString().startsWith("socket:");
        } catch (IOException e) {
          return false; // closed while listing
        }
      }).count();
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc/self/fd", e);
    }
  }

  /** The proxy's answer, or empty when it closed the connection without one. */
  static java.util.Optional<RawHttp.Response> answerOrClose(RawHttp c) {
    try {
      return java.util.Optional.of(c.read());
    } catch (EOFException | java.net.SocketException e) {
      return java.util.Optional.empty();
    } catch (IOException e) {
      throw new AssertionError("neither an answer nor a close: " + e, e);
    }
  }

  /**
   * A refusal as users should see it: {@code status}, a sentence in plain text, and the connection
   * closed after it.
   */
  static void assertRefusedAndClosed(RawHttp c, RawHttp.Response r, int status) {
    assertThat(r.status()).as(r.text()).isEqualTo(status);
    assertThat(r.header("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
    assertThat(r.text().strip()).as("a sentence").matches("(?s)[A-Z].{15,}[.]");
    assertThat(r.header("Connection")).contains("close");
    assertThat(c.closedByServer()).as("closed after the refusal").isTrue();
  }
}
