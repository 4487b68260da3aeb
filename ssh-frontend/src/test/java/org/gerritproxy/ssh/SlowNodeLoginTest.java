package org.gerritproxy.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node that accepted the proxy's connection but is slow to log it in (fifty clones starting at
 * once, each key exchange waiting for the node's CPU) still serves the command: the login may
 * take the login grace time, not just the connect timeout. One that takes longer still ends in a
 * clear refusal. The node is a stand-in MINA server, since a real Gerrit cannot be made slow to log
 * in on demand; its authenticator waits as a busy node would.
 */
class SlowNodeLoginTest {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);
  private static final Duration LOGIN_GRACE = Duration.ofSeconds(8);
  private static final Duration STEP = Duration.ofSeconds(60);

  @TempDir static Path dir;
  /** How long the node takes to accept the proxy's peer login. */
  static final AtomicLong nodeLoginMillis = new AtomicLong();
  static OneNodeFrontend proxy;

  @BeforeAll
  static void start() throws Exception {
    proxy = OneNodeFrontend.start(dir, (user, key, session) -> {
      try {
        Thread.sleep(nodeLoginMillis.get()); // the busy node, not a wait of the test's
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return true;
    }, LOGIN_GRACE, CONNECT_TIMEOUT, STEP);
  }

  @AfterAll
  static void stop() throws Exception {
    if (proxy != null) {
      proxy.close();
    }
  }

  /** Runs the node's echo command through the proxy on a new connection: exit, stdout, stderr. */
  private static String[] echo(byte[] input) throws Exception {
    try (ClientSession s = proxy.login()) {
      try (ChannelExec c = s.createExecChannel("git-upload-pack '/echo'")) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        c.setIn(new ByteArrayInputStream(input));
        c.setOut(out);
        c.setErr(err);
        c.open().verify(STEP);
        c.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), STEP);
        return new String[] {String.valueOf(c.getExitStatus()),
            out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
      }
    }
  }

  @Test
  void aNodeSlowerToLogInThanTheConnectTimeoutStillServesTheCommand() throws Exception {
    nodeLoginMillis.set(3 * CONNECT_TIMEOUT.toMillis());
    byte[] input = "want 0123\n".getBytes(StandardCharsets.UTF_8);
    String[] r = echo(input);
    assertThat(r[2]).as("stderr").isEqualTo("read it all\n");
    assertThat(r[1]).as("what the node read").startsWith(input.length + " ");
    assertThat(r[0]).as("the node's exit status").isEqualTo("3");
  }

  @Test
  void aNodeThatDoesNotLogTheProxyInWithinTheGraceTimeIsAClearRefusal() throws Exception {
    nodeLoginMillis.set(LOGIN_GRACE.toMillis() + 2_000);
    String[] r = echo("want 0123\n".getBytes(StandardCharsets.UTF_8));
    assertThat(r[2]).as("stderr").contains("gerrit-1")
        .contains("did not finish the proxy's peer login within " + LOGIN_GRACE.toMillis() + " ms");
    assertThat(r[0]).as("exit status").isNotEqualTo("0").isNotEqualTo("3");
  }
}
