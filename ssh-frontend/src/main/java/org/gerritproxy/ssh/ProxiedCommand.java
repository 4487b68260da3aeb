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
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.io.IoInputStream;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelDataReceiver;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.channel.ChannelSessionAware;
import org.apache.sshd.server.command.AsyncCommandStreamsAware;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.session.ServerSession;
import org.gerritproxy.packstore.PackCacheScope;
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
import org.gerritproxy.routing.admission.FetchGate;
import org.gerritproxy.routing.replication.ReceiveCommands;
import org.gerritproxy.routing.replication.RefTarget;
import org.gerritproxy.routing.replication.ReplicaFreshness;
import org.gerritproxy.routing.replication.ReplicaTracker;
import org.gerritproxy.routing.admission.SlotNotice;
import org.gerritproxy.routing.traffic.AccessRecord;
import org.gerritproxy.routing.traffic.AccessRecord.Frontend;
import org.gerritproxy.routing.traffic.AccessRecord.Outcome;
import org.gerritproxy.routing.traffic.TrafficObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client exec request: classified, routed, and run on the chosen node as {@code suexec --as
 * USER --from ADDRESS -- COMMAND} over the connection's peer session, with the exit status passed
 * back. Stdin, stdout and stderr are relayed packet by packet on the I/O threads, with no copy
 * thread or pipe (bench/NOTES.md): the bytes one side sends are copied once into a packet for
 * the other, and the sender's SSH window is given back only once that packet went out, so a slow
 * reader slows the sender and nothing is buffered beyond the windows ({@link Outbox}).
 */
final class ProxiedCommand implements Command, AsyncCommandStreamsAware, ChannelSessionAware {
  private static final Logger log = LoggerFactory.getLogger(ProxiedCommand.class);
  private static final Runnable NOTHING = () -> { };
  /** How often a running {@code stream-events} checks that its node is still the master. */
  private static final long MASTER_CHECK_MILLIS = 500;

  /** What the command needs from the frontend that runs it. */
  record Context(
      Supplier<RoutingSnapshot> snapshot,
      TrafficObserver observer,
      ExecutorService threads,
      Duration timeout,
      java.util.function.Function<ServerSession, BackendSessions> backends,
      ReadYourWrites readYourWrites,
      ReplicaTracker replicas,
      FetchGate fetchGate,
      ScheduledExecutorService timers,
      Supplier<PackCacheScope> packCache) {}

  /** How often a waiting fetch's progress line is brought up to date. */
  private static final long PROGRESS_MILLIS = 1000;

  private final String commandLine;
  private final Context ctx;
  /** The client's stdout and stderr. */
  private Outbox out;
  private Outbox err;
  /** The client's stdin, held (its window not given back) until the node's channel is open. */
  private final ClientInput input = new ClientInput();
  private ExitCallback exit;
  private volatile RelayExec backend;
  /** Set when the client's channel went away first: then a missing exit status is no node's fault. */
  private volatile boolean clientGone;
  /** Its place in the fetch queue, for a git-upload-pack; released when the command ends. */
  private volatile FetchGate.Admission admission;
  /** Why the proxy cut the command short (a cached answer that broke off), if it did. */
  private volatile String cutBecause;
  /** The pack cache reading this command's requests, if it does. */
  private volatile CachedFetches cachedFetches;

  ProxiedCommand(String commandLine, Context ctx) {
    this.commandLine = commandLine;
    this.ctx = ctx;
  }

  /** Unused: MINA gives this command asynchronous streams and its stdin to {@link #input}. */
  @Override
  public void setInputStream(InputStream in) {}

  @Override
  public void setOutputStream(OutputStream out) {}

  @Override
  public void setErrorStream(OutputStream err) {}

  @Override
  public void setIoInputStream(IoInputStream in) {}

  @Override
  public void setIoOutputStream(IoOutputStream out) {
    this.out = new Outbox(out);
  }

  @Override
  public void setIoErrorStream(IoOutputStream err) {
    this.err = new Outbox(err);
  }

  /** Called before MINA sets up the streams: the client's stdin goes to {@link #input}. */
  @Override
  public void setChannelSession(ChannelSession channel) {
    channel.setDataReceiver(input);
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
    FetchGate.Admission a = admission;
    if (a != null) {
      a.release(); // a waiting fetch leaves the queue; a running one frees its slot now
    }
    RelayExec b = backend;
    CachedFetches f = cachedFetches;
    // A fill of the pack cache that this command leads goes on for the clients reading along;
    // the node's command is ended (EOF) once the answer is in, or closed if the node fails.
    if (b != null && (f == null
        || !f.clientGone(new CachedFetches.Orphan(b::endStdin, () -> b.close(true))))) {
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
    boolean replicated = snapshot.table().cluster().replicated();
    RouteDecision decision = Router.decide(c, SessionKey.forSsh(user), readFromMaster, snapshot,
        replicated ? ctx.replicas().freshness(c.project()) : ReplicaFreshness.NONE);
    if (decision instanceof RouteDecision.Refuse refuse) {
      finish(1, "fatal: " + refuse.message());
      report(new AccessRecord<>(Frontend.SSH, start, client, Optional.ofNullable(user),
          Optional.of(c.requestClass()), c.label(), Optional.empty(), 1, Outcome.REFUSED, 0, 0,
          durationSince(started), SshAccessLog.masked(commandLine)));
      return;
    }
    RouteDecision.Forward forward = (RouteDecision.Forward) decision;
    forward.heldBackFrom().ifPresent(n -> ctx.replicas().heldBack(c.project().orElseThrow(), n));
    Request r = new Request(channel, gitProtocol, user, client, start, started, c, writer, forward,
        replicated);
    if (!c.label().equals("git-upload-pack")) {
      forward(r);
      return;
    }
    FetchGate gate = ctx.fetchGate();
    FetchGate.Admission a = gate.request(user, Optional.ofNullable(user),
        Optional.ofNullable(session.getClientVersion()), forward.node().name());
    admission = a;
    if (a.refused()) {
      refuseFetch(r, SlotNotice.queueFull(gate.limits().maxQueued()));
    } else if (a.isGranted()) {
      forward(r);
    } else {
      await(r, a, gate.limits().queueTimeout());
    }
  }

  /** What was decided about a command before it runs on a node. */
  private record Request(ChannelSession channel, String gitProtocol, String user, String client,
      Instant start, long started, Classification c, String writer,
      RouteDecision.Forward forward, boolean replicated) {}

  /**
   * Waits for a fetch slot without a thread: the grant continues the command on the command
   * threads; meanwhile a timer keeps a progress line on stderr (git shows it as the fetch's
   * progress) and gives up after the queue timeout.
   */
  private void await(Request r, FetchGate.Admission a, Duration timeout) {
    WaitingLine line = new WaitingLine();
    long waitStart = System.nanoTime();
    Runnable progress = () -> a.ahead().ifPresent(line::show);
    progress.run();
    var ticker = ctx.timers().scheduleWithFixedDelay(progress, PROGRESS_MILLIS, PROGRESS_MILLIS,
        TimeUnit.MILLISECONDS);
    var timer = ctx.timers().schedule(() -> {
      if (a.withdraw(true)) {
        ticker.cancel(false);
        line.end("\n");
        log.info("a fetch by {} waited {} for a slot and was given up", r.user(), timeout);
        refuseFetch(r, SlotNotice.timedOut(timeout));
      }
    }, timeout.toNanos(), TimeUnit.NANOSECONDS);
    a.granted().thenRunAsync(() -> {
      timer.cancel(false);
      ticker.cancel(false);
      line.end(SlotNotice.waiting(0) + ", done (waited "
          + Duration.ofNanos(System.nanoTime() - waitStart).toSeconds() + "s).\n");
      if (clientGone) {
        a.release();
      } else {
        forward(r);
      }
    }, ctx.threads());
  }

  /**
   * The progress line of a waiting fetch on the client's stderr, rewritten in place ({@code \r},
   * as git's own progress) when the count changes, and ended once: by the grant or the timeout,
   * whichever comes first, so that a late tick never writes after the command's own output.
   */
  private final class WaitingLine {
    private int shown = -1;
    private boolean ended;

    synchronized void show(int ahead) {
      if (!ended && ahead != shown) {
        shown = ahead;
        stderr(SlotNotice.waiting(ahead) + "\r");
      }
    }

    synchronized void end(String last) {
      if (!ended) {
        ended = true;
        stderr(last);
      }
    }
  }

  private void stderr(String text) {
    err.send(new ByteArrayBuffer(text.getBytes(StandardCharsets.UTF_8)), NOTHING);
  }

  private void refuseFetch(Request r, String message) {
    finish(1, "fatal: " + message);
    report(new AccessRecord<>(Frontend.SSH, r.start(), r.client(),
        Optional.ofNullable(r.user()), Optional.of(r.c().requestClass()), r.c().label(),
        Optional.empty(), 1, Outcome.REFUSED, 0, 0, durationSince(r.started()),
        SshAccessLog.masked(commandLine)));
  }

  /** Runs the command on its node (the chosen one, else a fallback) and relays it to the end. */
  private void forward(Request r) {
    try {
      relay(r);
    } finally {
      FetchGate.Admission a = admission;
      if (a != null) {
        a.release();
      }
    }
  }

  private void relay(Request r) {
    ChannelSession channel = r.channel();
    ServerSession session = channel.getServerSession();
    String user = r.user();
    String client = r.client();
    String gitProtocol = r.gitProtocol();
    Instant start = r.start();
    long started = r.started();
    Classification c = r.c();
    String writer = r.writer();
    RouteDecision.Forward forward = r.forward();
    PushWatch push = r.replicated() && c.label().equals("git-receive-pack")
        && c.project().isPresent() ? new PushWatch(c.project().get()) : null;
    List<Node> tries = new ArrayList<>();
    tries.add(forward.node());
    tries.addAll(forward.fallbacks());

    Node node = null;
    RelayExec exec = null;
    IOException lastFailure = null;
    String remote = "suexec --as " + user + " --from " + client + " -- " + commandLine;
    AtomicLong bytesIn = new AtomicLong();
    AtomicLong bytesOut = new AtomicLong();
    PackCacheScope cache = ctx.packCache().get();
    boolean cached = c.label().equals("git-upload-pack") && c.project().isPresent()
        && gitProtocol != null && gitProtocol.contains("version=2")
        && cache.covers(c.project().get());
    CachedFetches fetches = null;
    for (Node candidate : tries) {
      try {
        ToClient toOut = new ToClient(channel, out, bytesOut);
        // Fresh for each node tried: it counts that node's answers from its first byte.
        CachedFetches f = cached ? new CachedFetches(c.project().get(), cache,
            new FetchRelay(channel, toOut), ctx.threads(), ctx.timers(), bytesOut) : null;
        toOut.cachedBy(f);
        ToClient toErr = new ToClient(channel, err, null);
        RelayExec e = RelayExec.create(ctx.backends().apply(session).to(candidate), remote,
            toOut, toErr);
        toOut.from(e);
        toErr.from(e);
        if (gitProtocol != null) {
          e.setEnv("GIT_PROTOCOL", gitProtocol);
        }
        e.open().verify(ctx.timeout());
        node = candidate;
        exec = e;
        fetches = f;
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
    cachedFetches = fetches;
    input.attach(exec, push, bytesIn, fetches);

    String endedBecause = null;
    boolean watchMaster = c.followsTheMaster();
    // The node's output ends (EOF) before its exit status and close: relay all of it first, so
    // nothing it wrote is lost to the close.
    while (!ended(exec)) {
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
    if (fetches != null) {
      fetches.ended();
    }
    awaitDrained(channel, out, err);
    exec.waitFor(EnumSet.of(ClientChannelEvent.CLOSED, ClientChannelEvent.EXIT_STATUS,
        ClientChannelEvent.EXIT_SIGNAL), ctx.timeout());
    if (push != null) {
      push.over();
    }

    Integer status = exec.getExitStatus();
    String signal = exec.getExitSignal();
    int code;
    String message = endedBecause;
    Outcome outcome = Outcome.COMPLETED;
    if (endedBecause != null) {
      code = 1;
    } else if (cutBecause != null) {
      code = 1;
      message = cutBecause;
      outcome = Outcome.BACKEND_FAILED;
    } else if (fetches != null && fetches.orphaned()) {
      code = 1; // the node finished the fill for others; this client had left
      outcome = Outcome.CLIENT_ABORTED;
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

  /**
   * A push to a replicated cluster: its commands are read from the client's stdin as they pass,
   * and told to the replica tracker once known, before the pack follows.
   */
  private final class PushWatch {
    private final String project;
    private final ReceiveCommands commands = new ReceiveCommands();
    private Runnable finished;

    PushWatch(String project) {
      this.project = project;
    }

    /** On the I/O thread that relays the client's stdin. */
    synchronized void saw(byte[] buf, int off, int n) {
      if (finished != null) {
        return;
      }
      commands.feed(buf, off, n);
      switch (commands.state()) {
        case DONE -> {
          List<RefTarget> updates = commands.commands().orElseThrow();
          finished = updates.isEmpty() ? () -> { } : ctx.replicas().pushStarted(project, updates);
        }
        case UNREADABLE -> finished = ctx.replicas().pushStarted(project, List.of());
        case READING -> { }
      }
    }

    /** The command ended: a push never read to its end still counts, refs unknown. */
    synchronized void over() {
      if (finished == null) {
        finished = ctx.replicas().pushStarted(project, List.of());
      }
      finished.run();
    }
  }

  /** True once the node's channel ended its output (EOF) or closed; waits a while for it. */
  private static boolean ended(RelayExec exec) {
    Set<ClientChannelEvent> events = exec.waitFor(
        EnumSet.of(ClientChannelEvent.EOF, ClientChannelEvent.CLOSED), MASTER_CHECK_MILLIS);
    return events.contains(ClientChannelEvent.EOF) || events.contains(ClientChannelEvent.CLOSED);
  }

  /**
   * Waits until what was queued for the client went out: as long as the client reads, or until
   * its channel goes away (then the writes fail and the wait ends).
   */
  private static void awaitDrained(ChannelSession channel, Outbox out, Outbox err) {
    CompletableFuture<Void> all = CompletableFuture.allOf(out.drained(), err.drained());
    long waited = 0;
    while (true) {
      try {
        all.get(MASTER_CHECK_MILLIS, TimeUnit.MILLISECONDS);
        return;
      } catch (TimeoutException e) {
        if (!channel.isOpen()) {
          return;
        }
        // A client that reads keeps this short. A command once waited here for good, its
        // stderr stuck behind a full window that MINA never resumed (ClientChannelSession): say
        // what is left, once a minute, so that any such wait can be read from the log.
        waited += MASTER_CHECK_MILLIS;
        if (waited % 60_000 == 0) {
          log.warn("{}: the node's output ended {} s ago and the client has not taken the rest:"
              + " stdout {}, stderr {}; the client's window {} bytes", channel,
              waited / 1000, out.describe(), err.describe(),
              channel.getRemoteWindow().getSize());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException e) {
        return;
      }
    }
  }

  /**
   * The node's stdout or stderr to the client's: each piece the node sends is copied once, into
   * packets of the client's size, and the node gets its window back as each packet goes out.
   */
  private static final class ToClient implements RelayExec.Sink {
    private final ChannelSession channel;
    private final Outbox outbox;
    private final AtomicLong count;
    private RelayExec node;
    private volatile CachedFetches fetches;

    ToClient(ChannelSession channel, Outbox outbox, AtomicLong count) {
      this.channel = channel;
      this.outbox = outbox;
      this.count = count;
    }

    /** The node's answers pass through {@code f} first (null: straight to the client). */
    void cachedBy(CachedFetches f) {
      this.fetches = f;
    }

    @Override
    public void accept(byte[] data, int off, int len) {
      if (fetches != null) {
        fetches.fromNode(data, off, len);
      } else {
        relay(data, off, len);
      }
    }

    /** To the client, the node's window given back as it goes out. */
    void relay(byte[] data, int off, int len) {
      RelayExec from = node();
      if (count != null) {
        count.addAndGet(len);
      }
      int max = (int) Math.max(1, channel.getRemoteWindow().getPacketSize());
      for (int at = off; at < off + len; at += max) {
        int n = Math.min(max, off + len - at);
        Buffer packet = count != null
            ? Outbox.dataPacket(channel.getSession(), data, at, n)
            : new ByteArrayBuffer(Arrays.copyOfRange(data, at, at + n)); // stderr: MINA copies it
        outbox.send(packet, () -> from.consumed(n));
      }
    }

    synchronized RelayExec node() {
      return node;
    }

    synchronized void from(RelayExec node) {
      this.node = node;
    }
  }

  /** How the pack cache's bytes reach the client and the node: the ordinary relay's paths. */
  private final class FetchRelay implements CachedFetches.Relay {
    private final ChannelSession channel;
    private final ToClient toOut;

    FetchRelay(ChannelSession channel, ToClient toOut) {
      this.channel = channel;
      this.toOut = toOut;
    }

    @Override
    public void toNode(byte[] bytes, int off, int len, int release) {
      input.send(bytes, off, len, release);
    }

    @Override
    public void toClient(byte[] bytes, int off, int len) {
      toOut.relay(bytes, off, len);
    }

    @Override
    public void fromCache(byte[] bytes, int len, Runnable written) {
      int max = (int) Math.max(1, channel.getRemoteWindow().getPacketSize());
      for (int at = 0; at < len; at += max) {
        int n = Math.min(max, len - at);
        out.send(Outbox.dataPacket(channel.getSession(), bytes, at, n),
            at + n >= len ? written : NOTHING);
      }
    }

    @Override
    public void nodeConsumed(int len) {
      toOut.node().consumed(len);
    }

    @Override
    public void clientConsumed(int len) {
      consumed(channel, len);
    }

    @Override
    public Runnable holdNode() {
      RelayExec node = toOut.node();
      Runnable release = ctx.backends().apply(channel.getServerSession())
          .hold(node.getClientSession());
      node.addCloseFutureListener(closed -> release.run());
      return release;
    }

    @Override
    public void cutClient(String why) {
      cutBecause = why;
      RelayExec b = backend;
      if (b != null) {
        b.close(false); // the command ends with this sentence and exit status 1
      }
    }
  }

  /**
   * The client's stdin: to the node's once its channel is open (until then the client's window is
   * not given back, so what it can send ahead is bounded), then EOF to the node once the client
   * sent its EOF. Runs on the I/O thread that decrypted the client's bytes.
   */
  private final class ClientInput implements ChannelDataReceiver {
    private final List<byte[]> early = new ArrayList<>();
    private volatile ChannelSession channel;
    private volatile RelayExec node;
    private volatile Outbox toNode;
    private PushWatch push;
    private AtomicLong count;
    private CachedFetches fetches;
    private boolean eof;

    @Override
    public synchronized int data(ChannelSession channel, byte[] buf, int start, int len) {
      this.channel = channel;
      if (toNode == null) {
        early.add(Arrays.copyOfRange(buf, start, start + len));
      } else {
        forward(buf, start, len);
      }
      return 0; // the window is given back as the bytes reach the node
    }

    /**
     * The node's channel is open: what the client sent meanwhile goes on, through {@code fetches}
     * when the pack cache reads this command's requests.
     */
    synchronized void attach(RelayExec node, PushWatch push, AtomicLong count,
        CachedFetches fetches) {
      this.node = node;
      this.push = push;
      this.count = count;
      this.fetches = fetches;
      this.toNode = new Outbox(node.stdin());
      for (byte[] b : early) {
        forward(b, 0, b.length);
      }
      early.clear();
      if (eof) {
        endToNode();
      }
    }

    /**
     * Counts and watches client bytes, and sends them on, or to the pack cache when it reads this
     * command's requests. Under this lock, so that bytes go on in the order they came; the pack
     * cache takes its own lock inside this one, and never this one inside its own.
     */
    private void forward(byte[] buf, int start, int len) {
      if (push != null) {
        push.saw(buf, start, len);
      }
      count.addAndGet(len);
      if (fetches != null) {
        fetches.fromClient(buf, start, len);
      } else {
        send(buf, start, len, len);
      }
    }

    /**
     * To the node's stdin; {@code release} bytes of the client's window come back once written.
     * Takes no lock of its own (the Outbox orders its packets), so the pack cache may call it
     * under its lock.
     */
    void send(byte[] buf, int start, int len, int release) {
      ChannelSession from = channel;
      RelayExec n = node;
      Outbox o = toNode;
      int max = (int) Math.max(1, n.getRemoteWindow().getPacketSize());
      int left = release;
      for (int at = start; at < start + len; at += max) {
        int piece = Math.min(max, start + len - at);
        int back = Math.min(left, piece);
        left -= back;
        o.send(Outbox.dataPacket(n.getSession(), buf, at, piece),
            back == 0 ? NOTHING : () -> consumed(from, back));
      }
      if (left > 0) {
        consumed(from, left);
      }
    }

    /** The client sent EOF, or its channel closed. */
    @Override
    public synchronized void close() {
      if (!eof) {
        eof = true;
        if (toNode != null) {
          endToNode();
        }
      }
    }

    private void endToNode() {
      RelayExec n = node;
      Outbox o = toNode;
      Runnable end = () -> o.drained().thenRun(n::endStdin);
      CachedFetches f = fetches;
      if (f != null) {
        f.clientEof(end); // after the requests it still holds
      } else {
        end.run();
      }
    }
  }

  private static void consumed(ChannelSession channel, long len) {
    try {
      channel.getLocalWindow().release(len);
    } catch (IOException e) {
      log.debug("giving the client its window back: {}", e.toString());
    }
  }

  /** The last message, then the exit status once everything before it went out. */
  private void finish(int code, String message) {
    if (message != null) {
      stderr(message + "\n");
    }
    CompletableFuture.allOf(out.drained(), err.drained())
        .thenRun(() -> exit.onExit(code, message == null ? "" : message));
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
