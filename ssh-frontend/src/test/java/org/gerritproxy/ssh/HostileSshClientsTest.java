package org.gerritproxy.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.benmanes.caffeine.cache.Ticker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.auth.keyboard.UserAuthKeyboardInteractiveFactory;
import org.apache.sshd.client.auth.password.UserAuthPasswordFactory;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.util.buffer.Buffer;
import org.gerritproxy.routing.AdminState;
import org.gerritproxy.routing.Endpoint;
import org.gerritproxy.routing.HealthView;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.RoutingSnapshot;
import org.gerritproxy.routing.RoutingTable;
import org.gerritproxy.routing.WriteMaster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that misbehave at every stage of SSH, against a real {@link SshFrontend}: garbage around
 * the banner, oversized packets, connections that never log in, floods of logins and channels,
 * data beyond the window, and every login that is not a user's own key. Each is cut off or
 * refused, and a well-behaved user still logs in and runs a command afterwards.
 */
class HostileSshClientsTest {
  /** The login grace time of the tests about it: short, so that they are. */
  static final Duration LOGIN_GRACE = Duration.ofSeconds(3);
  /** The others': a key exchange on a busy machine must not run into it. */
  static final Duration PATIENT_GRACE = Duration.ofSeconds(30);
  /** Enough to see a connection closed by the server, on a loaded machine too. */
  static final Duration CLOSE_WITHIN = LOGIN_GRACE.plusSeconds(5);
  /** How long a client waits for a step of its own. */
  static final Duration STEP = Duration.ofSeconds(15);
  /** Well below the login grace time: what the server refuses on sight. */
  static final Duration AT_ONCE = Duration.ofMillis(2500);

  @TempDir Path dir;
  final KeyPair alice = newKey();
  SshFrontend frontend;
  SshClient client;
  int port;

  static KeyPair newKey() {
    try {
      return KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A frontend whose only user is alice, with no write master (commands fail fast, with why). */
  void start(LoginThrottle throttle) throws Exception {
    start(throttle, PATIENT_GRACE);
  }

  void start(LoginThrottle throttle, Duration loginGrace) throws Exception {
    Node node = new Node("gerrit-1", URI.create("http://127.0.0.1:1"),
        new Endpoint("127.0.0.1", 1), 100, 1, AdminState.ACTIVE);
    RoutingSnapshot snapshot = new RoutingSnapshot(RoutingTable.builder().addNode(node).build(),
        new HealthView(Map.of()), WriteMaster.none("the test cluster has no master"));
    SshFrontendSettings settings = new SshFrontendSettings(new Endpoint("127.0.0.1", 0),
        List.of(dir.resolve("host_key")), dir.resolve("peer_key"), Optional.of("admin"),
        Optional.of("secret"), SshFrontendSettings.KeyCacheSettings.DEFAULTS,
        LoginThrottle.Settings.DEFAULTS,
        loginGrace, Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(2), "test");
    AccountKeySource gerrit = user -> user.equals("alice")
        ? Optional.of(List.of(alice.getPublic())) : Optional.empty();
    frontend = new SshFrontend(settings, () -> snapshot, (n, e) -> { }, gerrit, throttle);
    port = frontend.start().getPort();
    client = SshClient.setUpDefaultClient();
    client.setServerKeyVerifier((s, a, k) -> true);
    client.start();
  }

  void start() throws Exception {
    start(new LoginThrottle(1000, Duration.ofMinutes(1), Duration.ofMinutes(1), Ticker.systemTicker()));
  }

  /** A frontend whose login grace time is {@link #LOGIN_GRACE}. */
  void startImpatient() throws Exception {
    start(new LoginThrottle(1000, Duration.ofMinutes(1), Duration.ofMinutes(1), Ticker.systemTicker()),
        LOGIN_GRACE);
  }

  /** One login first, so that no test's key exchange pays for class loading and a cold JIT. */
  @BeforeAll
  static void warmUp(@TempDir Path warm) throws Exception {
    HostileSshClientsTest t = new HostileSshClientsTest();
    t.dir = warm;
    t.start();
    try {
      t.aliceIsStillServed();
    } finally {
      t.stop();
    }
  }

  @AfterEach
  void stop() throws Exception {
    if (client != null) {
      client.stop();
    }
    if (frontend != null) {
      frontend.close();
    }
  }

  ClientSession login(String user, KeyPair key) throws IOException {
    ClientSession s = client.connect(user, "127.0.0.1", port).verify(STEP).getSession();
    s.addPublicKeyIdentity(key);
    s.auth().verify(STEP);
    return s;
  }

  /** A well-behaved user logs in and her command gets its answer: the proxy still serves. */
  void aliceIsStillServed() throws IOException {
    try (ClientSession s = login("alice", alice);
        ChannelExec exec = s.createExecChannel("gerrit no-such-command")) {
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      exec.setErr(err);
      exec.open().verify(STEP);
      exec.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), STEP);
      assertThat(exec.getExitStatus()).isEqualTo(1);
      assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("fatal: ").contains("no write master");
    }
  }

  // ------------------------------------------------------------------ raw bytes on the socket

  /** A raw connection whose server banner has been read. */
  Socket raw() throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    s.setSoTimeout((int) CLOSE_WITHIN.toMillis());
    String banner = readLine(s.getInputStream());
    assertThat(banner).startsWith("SSH-2.0-GerritProxy_test");
    return s;
  }

  static String readLine(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int c; (c = in.read()) >= 0 && c != '\n'; ) {
      sb.append((char) c);
    }
    return sb.toString().strip();
  }

  /** True when the server closes the connection within {@link #CLOSE_WITHIN}. */
  static boolean closedByServer(Socket s) {
    return closedByServer(s, CLOSE_WITHIN);
  }

  /** True when the server closes the connection within {@code limit}. */
  static boolean closedByServer(Socket s, Duration limit) {
    byte[] buf = new byte[8192];
    long end = System.nanoTime() + limit.toNanos();
    try {
      InputStream in = s.getInputStream();
      while (System.nanoTime() < end) {
        if (in.read(buf) < 0) {
          return true;
        }
      }
      return false;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset
    }
  }

  static void send(Socket s, byte[] bytes) {
    try {
      OutputStream out = s.getOutputStream();
      out.write(bytes);
      out.flush();
    } catch (IOException e) {
      // the server may close before all is written: closedByServer tells
    }
  }

  @Test
  void garbageInsteadOfABannerIsCutOff() throws Exception {
    start();
    try (Socket s = raw()) {
      send(s, "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(closedByServer(s, AT_ONCE)).as("closed at once, not at the login grace time").isTrue();
    }
    aliceIsStillServed();
  }

  @Test
  void anEndlessBannerLineIsCutOff() throws Exception {
    start();
    try (Socket s = raw()) {
      send(s, ("SSH-2.0-" + "A".repeat(256 * 1024)).getBytes(StandardCharsets.US_ASCII));
      assertThat(closedByServer(s)).isTrue();
    }
    aliceIsStillServed();
  }

  @Test
  void garbageAfterTheBannerIsCutOff() throws Exception {
    start();
    byte[] garbage = new byte[64 * 1024];
    new Random(7).nextBytes(garbage);
    try (Socket s = raw()) {
      send(s, "SSH-2.0-hostile\r\n".getBytes(StandardCharsets.US_ASCII));
      send(s, garbage);
      assertThat(closedByServer(s, AT_ONCE)).as("closed at once, not at the login grace time").isTrue();
    }
    aliceIsStillServed();
  }

  @Test
  void anOversizedPacketIsRefused() throws Exception {
    startImpatient();
    try (Socket s = raw()) {
      send(s, "SSH-2.0-hostile\r\n".getBytes(StandardCharsets.US_ASCII));
      // A packet that claims to be 2 GB long: refused from its length alone, never buffered.
      send(s, new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xf0, 4, 20, 1, 2, 3, 4});
      send(s, new byte[32 * 1024]);
      // MINA logs "invalid length" and, against timing attacks, reads a few more bytes before
      // it disconnects; the login grace time ends it at the latest.
      assertThat(closedByServer(s)).isTrue();
    }
    aliceIsStillServed();
  }

  @Test
  void halfOpenConnectionsAreClosedAfterTheLoginGraceTimeWhileOthersAreServed() throws Exception {
    startImpatient();
    List<Socket> halfOpen = new ArrayList<>();
    try {
      for (int i = 0; i < 30; i++) {
        Socket s = raw();
        if (i % 2 == 0) {
          send(s, "SSH-2.0-silent\r\n".getBytes(StandardCharsets.US_ASCII)); // then nothing
        }
        halfOpen.add(s);
      }
      aliceIsStillServed();
      for (Socket s : halfOpen) {
        assertThat(closedByServer(s)).isTrue();
      }
    } finally {
      for (Socket s : halfOpen) {
        s.close();
      }
    }
  }

  @Test
  void aClientThatNeverFinishesLoggingInIsDisconnectedAtTheLoginGraceTime() throws Exception {
    startImpatient();
    try (ClientSession s = client.connect("alice", "127.0.0.1", port)
        .verify(STEP).getSession()) {
      // Key exchange done, then no authentication at all.
      long start = System.nanoTime();
      s.waitFor(EnumSet.of(org.apache.sshd.client.session.ClientSession.ClientSessionEvent.CLOSED),
          CLOSE_WITHIN);
      assertThat(s.isOpen()).as("closed by the server").isFalse();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(LOGIN_GRACE.minusMillis(500));
    }
    aliceIsStillServed();
  }

  // ------------------------------------------------------------------ logging in

  @Test
  void everyWayInOtherThanAUsersOwnKeyIsRefused() throws Exception {
    start();
    // No method at all ("none"), passwords, keyboard-interactive: none is offered.
    try (ClientSession s = client.connect("alice", "127.0.0.1", port)
        .verify(STEP).getSession()) {
      assertThatThrownBy(() -> s.auth().verify(STEP)).isInstanceOf(IOException.class);
    }
    for (var method : List.of(UserAuthPasswordFactory.INSTANCE, UserAuthKeyboardInteractiveFactory.INSTANCE)) {
      try (ClientSession s = client.connect("alice", "127.0.0.1", port)
          .verify(STEP).getSession()) {
        s.setUserAuthFactories(List.of(method));
        s.addPasswordIdentity("secret");
        s.addPasswordIdentity("alice");
        assertThatThrownBy(() -> s.auth().verify(STEP))
            .as(method.getName()).isInstanceOf(IOException.class);
      }
    }
    // An unknown key, alice's key for another user, any key for the peer user or no user.
    assertThatThrownBy(() -> login("alice", newKey())).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> login("bob", alice)).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> login("Gerrit Code Review", alice)).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> login("", alice)).isInstanceOf(IOException.class);
    aliceIsStillServed();
  }

  @Test
  void anAddressThatFailsTooOftenIsRefusedForAWhileThenLetBackIn() throws Exception {
    AtomicLong nanos = new AtomicLong();
    Ticker clock = nanos::get;
    Duration block = Duration.ofMinutes(1);
    start(new LoginThrottle(5, Duration.ofMinutes(1), block, clock));
    for (int i = 0; i < 5; i++) {
      assertThatThrownBy(() -> login("alice", newKey())).isInstanceOf(IOException.class);
    }
    // Refused now, whoever connects with whatever key: closed before SSH is spoken.
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      assertThat(s.getInputStream().read()).as("no banner for a blocked address").isEqualTo(-1);
    } catch (IOException reset) {
      // refused by a reset: as good
    }
    nanos.addAndGet(block.plusSeconds(1).toNanos());
    aliceIsStillServed();
  }

  // ------------------------------------------------------------------ after logging in

  /** A bare session channel: opened, but no exec, shell or subsystem asked for on it. */
  static ClientChannel sessionChannel(ClientSession s) throws IOException {
    org.apache.sshd.client.channel.ChannelSession c = new org.apache.sshd.client.channel.ChannelSession();
    s.getService(org.apache.sshd.common.session.ConnectionService.class).registerChannel(c);
    return c;
  }

  @Test
  void aFloodOfChannelsEndsTheConnectionPastTheLimit() throws Exception {
    start();
    try (ClientSession s = login("alice", alice)) {
      for (int i = 0; i < SshFrontend.MAX_CHANNELS_PER_CONNECTION; i++) {
        sessionChannel(s).open().verify(STEP);
      }
      assertThat(s.isOpen()).as("up to the limit, channels open").isTrue();
      // One more: MINA ends the whole connection rather than refusing just that channel.
      assertThatThrownBy(() -> {
        for (int i = 0; i < 20; i++) {
          sessionChannel(s).open().verify(STEP);
        }
      }).isInstanceOfAny(IOException.class, IllegalStateException.class);
      s.waitFor(EnumSet.of(ClientSession.ClientSessionEvent.CLOSED), CLOSE_WITHIN);
      assertThat(s.isOpen()).as("the flooding connection is closed").isFalse();
    }
    aliceIsStillServed();
  }

  @Test
  void dataBeyondTheChannelWindowEndsTheConnection() throws Exception {
    start();
    try (ClientSession s = login("alice", alice)) {
      ClientChannel c = sessionChannel(s);
      c.open().verify(STEP);
      long window = c.getRemoteWindow().getSize();
      int packet = 16 * 1024;
      // Raw CHANNEL_DATA packets past the window the server granted (its default is 2 MB).
      for (long sent = 0; sent <= window + 4 * packet && s.isOpen(); sent += packet) {
        Buffer b = s.createBuffer(SshConstants.SSH_MSG_CHANNEL_DATA, packet + 16);
        b.putUInt(c.getRecipient());
        b.putBytes(new byte[packet]);
        try {
          s.writePacket(b);
        } catch (IOException closed) {
          break;
        }
      }
      s.waitFor(EnumSet.of(ClientSession.ClientSessionEvent.CLOSED), CLOSE_WITHIN);
      assertThat(s.isOpen()).as("the server ends a connection that ignores its window").isFalse();
    }
    aliceIsStillServed();
  }

  @Test
  void anUnknownCommandWithoutAMasterExitsNonZeroWithASentence() throws Exception {
    start();
    aliceIsStillServed(); // runs "gerrit no-such-command": routed to the master, which is missing
  }
}
