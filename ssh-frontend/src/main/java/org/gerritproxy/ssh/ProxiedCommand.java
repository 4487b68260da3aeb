package org.gerritproxy.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.session.ServerSession;
import org.gerritproxy.routing.Classification;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.ReadYourWrites;
import org.gerritproxy.routing.RequestClass;
import org.gerritproxy.routing.RouteDecision;
import org.gerritproxy.routing.Router;
import org.gerritproxy.routing.RoutingSnapshot;
import org.gerritproxy.routing.SessionKey;
import org.gerritproxy.routing.SshCommandClassifier;
import org.gerritproxy.routing.WriteMaster;
import org.gerritproxy.routing.traffic.AccessRecord;
import org.gerritproxy.routing.traffic.AccessRecord.Frontend;
import org.gerritproxy.routing.traffic.AccessRecord.Outcome;
import org.gerritproxy.routing.traffic.TrafficObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client exec request: classified, routed, and run on the chosen node as {@code suexec --as
 * USER --from ADDRESS -- COMMAND} over the connection's peer session, with stdin, stdout and
 * stderr copied through SSH windows (never buffered beyond them) and the exit status passed back.
 */
final class ProxiedCommand implements Command {
  private static final Logger log = LoggerFactory.getLogger(ProxiedCommand.class);
  private static final int CHUNK = SshFrontend.BIG_PIECE;
  /** How often a running {@code stream-events} checks that its node is still the master. */
  private static final long MASTER_CHECK_MILLIS = 500;

  /** What the command needs from the frontend that runs it. */
  record Context(
      Supplier<RoutingSnapshot> snapshot,
      TrafficObserver observer,
      ExecutorService threads,
      Duration timeout,
      java.util.function.Function<ServerSession, BackendSessions> backends,
      ReadYourWrites readYourWrites) {}

  private final String commandLine;
  private final Context ctx;
  private InputStream in;
  private OutputStream out;
  private OutputStream err;
  private ExitCallback exit;
  private volatile ChannelExec backend;
  /** Set when the client's channel went away first: then a missing exit status is no node's fault. */
  private volatile boolean clientGone;

  ProxiedCommand(String commandLine, Context ctx) {
    this.commandLine = commandLine;
    this.ctx = ctx;
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
    String gitProtocol = env.getEnv().get("GIT_PROTOCOL");
    ctx.threads().execute(() -> run(channel, gitProtocol));
  }

  @Override
  public void destroy(ChannelSession channel) {
    clientGone = true;
    ChannelExec b = backend;
    if (b != null) {
      b.close(true);
    }
  }

  private void run(ChannelSession channel, String gitProtocol) {
    ServerSession session = channel.getServerSession();
    String user = session.getUsername();
    String client = address(session.getClientAddress());
    Instant start = Instant.now();
    long started = System.nanoTime();
    Classification c = SshCommandClassifier.classify(commandLine);
    RoutingSnapshot snapshot = ctx.snapshot().get();
    String writer = ReadYourWrites.writer(Optional.ofNullable(user), SessionKey.forSsh(user));
    boolean readFromMaster = ctx.readYourWrites().readsFromMaster(writer,
        snapshot.table().routing().readYourWrites());
    RouteDecision decision = Router.decide(c, SessionKey.forSsh(user), readFromMaster, snapshot);
    if (decision instanceof RouteDecision.Refuse refuse) {
      finish(1, "fatal: " + refuse.message());
      report(new AccessRecord<>(Frontend.SSH, start, client, Optional.ofNullable(user),
          Optional.of(c.requestClass()), c.label(), Optional.empty(), 1, Outcome.REFUSED, 0, 0,
          durationSince(started), SshAccessLog.masked(commandLine)));
      return;
    }
    RouteDecision.Forward forward = (RouteDecision.Forward) decision;
    List<Node> tries = new ArrayList<>();
    tries.add(forward.node());
    tries.addAll(forward.fallbacks());

    Node node = null;
    ChannelExec exec = null;
    IOException lastFailure = null;
    String remote = "suexec --as " + user + " --from " + client + " -- " + commandLine;
    for (Node candidate : tries) {
      try {
        ChannelExec e = ctx.backends().apply(session).to(candidate).createExecChannel(remote);
        if (gitProtocol != null) {
          e.setEnv("GIT_PROTOCOL", gitProtocol);
        }
        e.open().verify(ctx.timeout());
        node = candidate;
        exec = e;
        break;
      } catch (IOException | RuntimeException e) {
        // Nothing of the client's input has been sent yet, so a read may try the next node.
        lastFailure = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        if (!(e instanceof PeerLoginRefused)) {
          ctx.observer().nodeFailed(candidate, e);
        }
        log.warn("cannot run an SSH command on {}: {}", candidate.name(), e.getMessage());
      }
    }
    if (exec == null) {
      String why = lastFailure instanceof PeerLoginRefused
          ? "fatal: " + lastFailure.getMessage()
          : "fatal: Gerrit node " + tries.get(tries.size() - 1).name() + " cannot be reached ("
              + lastFailure.getMessage() + "). Retry in a little while.";
      finish(1, why);
      report(new AccessRecord<>(Frontend.SSH, start, client, Optional.ofNullable(user),
          Optional.of(c.requestClass()), c.label(), Optional.of(tries.get(0).name()), 1,
          Outcome.BACKEND_FAILED, 0, 0, durationSince(started), SshAccessLog.masked(commandLine)));
      return;
    }
    backend = exec;

    AtomicLong bytesIn = new AtomicLong();
    AtomicLong bytesOut = new AtomicLong();
    ChannelExec running = exec;
    Future<?> stdin = ctx.threads().submit(() -> copyStdin(running, bytesIn));
    Future<?> stdout = ctx.threads().submit(() -> copy(running.getInvertedOut(), out, bytesOut));
    Future<?> stderr = ctx.threads().submit(() -> copy(running.getInvertedErr(), err, null));

    String endedBecause = null;
    boolean watchMaster = c.followsTheMaster();
    // The node's stdout ends (EOF) before its exit status and close: drain it first, so nothing
    // it wrote is lost to the close.
    while (!awaitFor(stdout, MASTER_CHECK_MILLIS)) {
      if (watchMaster && endedBecause == null) {
        WriteMaster master = ctx.snapshot().get().master();
        if (!master.is(node.name())) {
          endedBecause = "fatal: The write master changed from " + node.name() + " to "
              + master.node().orElse("no node") + "; this event stream ends here."
              + " Reconnect to receive events from the new master.";
          exec.close(false);
        }
      }
    }
    awaitFor(stderr, ctx.timeout().toMillis());
    exec.waitFor(EnumSet.of(ClientChannelEvent.CLOSED, ClientChannelEvent.EXIT_STATUS,
        ClientChannelEvent.EXIT_SIGNAL), ctx.timeout());
    stdin.cancel(true);

    Integer status = exec.getExitStatus();
    String signal = exec.getExitSignal();
    int code;
    String message = endedBecause;
    Outcome outcome = Outcome.COMPLETED;
    if (endedBecause != null) {
      code = 1;
    } else if (status != null) {
      code = status;
    } else if (signal != null) {
      sendExitSignal(channel, signal);
      code = 128 + signalNumber(signal);
    } else if (clientGone || clientLeft(channel)) {
      code = 1;
      outcome = Outcome.CLIENT_ABORTED;
    } else {
      code = 1;
      outcome = Outcome.BACKEND_FAILED;
      message = "fatal: Gerrit node " + node.name() + " closed the connection before the command"
          + " finished; nothing tells whether it took effect. Check, then retry.";
      ctx.observer().nodeFailed(node, new IOException("SSH channel closed without an exit status"));
    }
    if (code == 0 && c.requestClass() != RequestClass.READ) {
      ctx.readYourWrites().wrote(writer, ctx.snapshot().get().table().routing().readYourWrites());
    }
    finish(code, message);
    report(new AccessRecord<>(Frontend.SSH, start, client, Optional.ofNullable(user),
        Optional.of(c.requestClass()), c.label(), Optional.of(node.name()), code, outcome,
        bytesIn.get(), bytesOut.get(), durationSince(started), SshAccessLog.masked(commandLine)));
  }

  /**
   * True when the client's channel or connection is closing: closing the connection closes the
   * proxy's sessions to the nodes at once, possibly before {@link #destroy} runs, and a command cut
   * short that way is the client's doing, never the node's.
   */
  private static boolean clientLeft(ChannelSession channel) {
    var session = channel.getSession();
    return !channel.isOpen() || channel.isClosing() || !session.isOpen() || session.isClosing();
  }

  /** The access-log line, then the observer (metrics); an observer's failure costs no command. */
  private void report(AccessRecord<String> r) {
    SshAccessLog.record(r);
    try {
      ctx.observer().completed(r);
    } catch (RuntimeException e) {
      log.warn("the SSH command observer failed: {}", e.toString());
    }
  }

  /** Client stdin to the node, then EOF to the node once the client sent its EOF. */
  private void copyStdin(ChannelExec exec, AtomicLong count) {
    OutputStream to = exec.getInvertedIn();
    try {
      copy(in, to, count);
    } finally {
      try {
        to.close(); // sends EOF: git's upload-pack and receive-pack wait for it
      } catch (IOException e) {
        log.debug("closing the node's stdin", e);
      }
    }
  }

  /** Copies chunk by chunk; each write waits for SSH window space, so nothing piles up here. */
  private static void copy(InputStream from, OutputStream to, AtomicLong count) {
    byte[] buf = new byte[CHUNK];
    try {
      for (int n; (n = from.read(buf)) >= 0; ) {
        if (n == 0) {
          continue;
        }
        to.write(buf, 0, n);
        to.flush();
        if (count != null) {
          count.addAndGet(n);
        }
      }
    } catch (IOException e) {
      // The other side went away; the exit status (or its absence) tells the client.
      log.debug("stream copy ended: {}", e.toString());
    }
  }

  private void finish(int code, String message) {
    try {
      if (message != null) {
        err.write((message + "\n").getBytes(StandardCharsets.UTF_8));
      }
      out.flush();
      err.flush();
    } catch (IOException e) {
      log.debug("client went away before the end of its command", e);
    }
    exit.onExit(code, message == null ? "" : message);
  }

  /** RFC 4254 6.10: the node's command ended by a signal; OpenSSH still wants an exit status. */
  private static void sendExitSignal(ChannelSession channel, String signal) {
    try {
      Buffer b = channel.getSession().createBuffer(SshConstants.SSH_MSG_CHANNEL_REQUEST, 64);
      b.putUInt(channel.getRecipient());
      b.putString("exit-signal");
      b.putBoolean(false);
      b.putString(signal);
      b.putBoolean(false);
      b.putString("");
      b.putString("");
      channel.writePacket(b);
    } catch (IOException e) {
      log.debug("cannot forward exit signal {}", signal, e);
    }
  }

  private static int signalNumber(String signal) {
    switch (signal) {
      case "HUP": return 1;
      case "INT": return 2;
      case "QUIT": return 3;
      case "KILL": return 9;
      case "PIPE": return 13;
      case "TERM": return 15;
      default: return 127;
    }
  }

  /** True once {@code f} is done; false when it is still running after {@code millis}. */
  private static boolean awaitFor(Future<?> f, long millis) {
    try {
      f.get(millis, TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      f.cancel(true);
      return true;
    } catch (ExecutionException e) {
      return true;
    }
  }

  private static Duration durationSince(long nanos) {
    return Duration.ofNanos(System.nanoTime() - nanos);
  }

  /** {@code 10.0.0.7:51234} or {@code [::1]:51234}, as Gerrit's {@code --from} reads it. */
  static String address(SocketAddress a) {
    if (a instanceof InetSocketAddress i) {
      String host = i.getAddress() != null ? i.getAddress().getHostAddress() : i.getHostString();
      int zone = host.indexOf('%');
      if (zone >= 0) {
        host = host.substring(0, zone);
      }
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + i.getPort();
    }
    return String.valueOf(a);
  }
}
