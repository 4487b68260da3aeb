package org.gerritproxy.ssh;

import com.github.benmanes.caffeine.cache.Ticker;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.http.HttpClient;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.kex.BuiltinDHFactories;
import org.apache.sshd.common.mac.BuiltinMacs;
import org.apache.sshd.common.signature.BuiltinSignatures;
import org.apache.sshd.server.ServerBuilder;
import org.apache.sshd.server.channel.ChannelSessionFactory;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.io.IoAcceptor;
import org.apache.sshd.common.io.IoServiceEventListener;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.ReservedSessionMessagesHandler;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionHeartbeatController.HeartbeatType;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.common.FactoryManager;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.forward.RejectAllForwardingFilter;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.server.session.AbstractServerSession;
import org.apache.sshd.server.session.ServerSession;
import org.gerritproxy.packstore.PackCacheScope;
import org.gerritproxy.routing.Cidr;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.ReadYourWrites;
import org.gerritproxy.routing.replication.ReplicaTracker;
import org.gerritproxy.routing.RoutingSnapshot;
import org.gerritproxy.routing.admission.FetchGate;
import org.gerritproxy.routing.SshCommandClassifier;
import org.gerritproxy.routing.traffic.TrafficObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy's SSH server: authenticates users with their Gerrit keys and runs each of their
 * commands on the node the routing rules choose, through {@code suexec} over the peer login.
 */
public final class SshFrontend implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SshFrontend.class);
  private static final AttributeKey<BackendSessions> BACKENDS = new AttributeKey<>();
  /** The length of the PROXY header read (0: none), once the connection's start was judged. */
  private static final AttributeKey<Integer> PROXY_HEADER_READ = new AttributeKey<>();
  private static final String KEEPALIVE = "keepalive@openssh.com";
  private static final long BACKEND_WINDOW = 1024 * 1024;
  /** The largest packet a node may send the proxy, and the size of each socket read. */
  static final int BIG_PIECE = 128 * 1024;
  /** Channels one client connection may have open at once; more are refused (a flood). */
  static final int MAX_CHANNELS_PER_CONNECTION = 10;
  private static final String SHELL_REFUSAL = "This server offers no interactive shell: run a"
      + " command, for example 'ssh -p 29418 USER@HOST gerrit version'.";

  private final SshFrontendSettings settings;
  private final Supplier<RoutingSnapshot> snapshot;
  private final TrafficObserver observer;
  private final AccountKeys keys;
  private final LoginThrottle throttle;
  private final ReadYourWrites readYourWrites;
  private final ReplicaTracker replicas;
  private final AtomicInteger threadNumber = new AtomicInteger();
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "ssh-command-" + threadNumber.incrementAndGet());
    t.setDaemon(true);
    return t;
  });
  /** Progress lines and queue timeouts of waiting fetches: short tasks, one thread. */
  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "ssh-fetch-queue");
    t.setDaemon(true);
    return t;
  });
  private final FetchGate fetchGate;
  /** The pack cache in force, read once per command; off until {@link #usePackCache}. */
  private volatile Supplier<PackCacheScope> packCache = () -> PackCacheScope.OFF;
  private volatile ListenerSshServer server;
  private SshClient client;
  private KeyPair peerKey;

  /**
   * Protocol v2 fetches over SSH read the pack cache from {@code current} from now on ({@link
   * PackCacheScope#OFF} when there is none), as the HTTP frontend does.
   */
  public void usePackCache(Supplier<PackCacheScope> current) {
    packCache = java.util.Objects.requireNonNull(current, "current");
  }

  /**
   * @param snapshot the routing snapshot in force, read once per command
   * @param nodeFailed told when a node cannot be reached or dies mid-command (passive health)
   */
  public SshFrontend(SshFrontendSettings settings, Supplier<RoutingSnapshot> snapshot,
      BiConsumer<Node, Throwable> nodeFailed) {
    this(settings, snapshot, failuresOnly(nodeFailed));
  }

  public SshFrontend(SshFrontendSettings settings, Supplier<RoutingSnapshot> snapshot,
      BiConsumer<Node, Throwable> nodeFailed, AccountKeySource keySource) {
    this(settings, snapshot, failuresOnly(nodeFailed), keySource);
  }

  /** @param throttle refuses addresses that failed to log in too often */
  public SshFrontend(SshFrontendSettings settings, Supplier<RoutingSnapshot> snapshot,
      BiConsumer<Node, Throwable> nodeFailed, AccountKeySource keySource, LoginThrottle throttle) {
    this(settings, snapshot, failuresOnly(nodeFailed), keySource, throttle);
  }

  /**
   * @param snapshot the routing snapshot in force, read once per command
   * @param observer told when a node fails (passive health) and when a command finishes (metrics)
   */
  public SshFrontend(SshFrontendSettings settings, Supplier<RoutingSnapshot> snapshot,
      TrafficObserver observer) {
    this(settings, snapshot, observer, keySource(settings, snapshot));
  }

  public SshFrontend(SshFrontendSettings settings, Supplier<RoutingSnapshot> snapshot,
      TrafficObserver observer, AccountKeySource keySource) {
    this(settings, snapshot, observer, keySource, LoginThrottle.of(settings.loginThrottle()));
  }

  public SshFrontend(SshFrontendSettings settings, Supplier<RoutingSnapshot> snapshot,
      TrafficObserver observer, AccountKeySource keySource, LoginThrottle throttle) {
    this(settings, snapshot, observer, keySource, throttle, ReadYourWrites.onSystemClock());
  }

  /**
   * @param readYourWrites who wrote recently; shared with the HTTP frontend, so that a user's
   *     write over either sends that user's reads over both to the master
   */
  public SshFrontend(SshFrontendSettings settings, Supplier<RoutingSnapshot> snapshot,
      TrafficObserver observer, ReadYourWrites readYourWrites) {
    this(settings, snapshot, observer, readYourWrites, ReplicaTracker.NONE, FetchGate.unlimited());
  }

  /** @param replicas replicated storage: told of each push forwarded, asked of each read */
  public SshFrontend(SshFrontendSettings settings, Supplier<RoutingSnapshot> snapshot,
      TrafficObserver observer, ReadYourWrites readYourWrites, ReplicaTracker replicas) {
    this(settings, snapshot, observer, readYourWrites, replicas, FetchGate.unlimited());
  }

  /**
   * @param fetchGate fair shares for git-upload-pack; shared with the HTTP frontend, so that an
   *     account's fetches over both count against one limit
   */
  public SshFrontend(SshFrontendSettings settings, Supplier<RoutingSnapshot> snapshot,
      TrafficObserver observer, ReadYourWrites readYourWrites, FetchGate fetchGate) {
    this(settings, snapshot, observer, readYourWrites, ReplicaTracker.NONE, fetchGate);
  }

  public SshFrontend(SshFrontendSettings settings, Supplier<RoutingSnapshot> snapshot,
      TrafficObserver observer, ReadYourWrites readYourWrites, ReplicaTracker replicas,
      FetchGate fetchGate) {
    this(settings, snapshot, observer, keySource(settings, snapshot),
        LoginThrottle.of(settings.loginThrottle()), readYourWrites, replicas, fetchGate);
  }

  public SshFrontend(SshFrontendSettings settings, Supplier<RoutingSnapshot> snapshot,
      TrafficObserver observer, AccountKeySource keySource, LoginThrottle throttle,
      ReadYourWrites readYourWrites) {
    this(settings, snapshot, observer, keySource, throttle, readYourWrites, ReplicaTracker.NONE,
        FetchGate.unlimited());
  }

  public SshFrontend(SshFrontendSettings settings, Supplier<RoutingSnapshot> snapshot,
      TrafficObserver observer, AccountKeySource keySource, LoginThrottle throttle,
      ReadYourWrites readYourWrites, FetchGate fetchGate) {
    this(settings, snapshot, observer, keySource, throttle, readYourWrites, ReplicaTracker.NONE,
        fetchGate);
  }

  public SshFrontend(SshFrontendSettings settings, Supplier<RoutingSnapshot> snapshot,
      TrafficObserver observer, AccountKeySource keySource, LoginThrottle throttle,
      ReadYourWrites readYourWrites, ReplicaTracker replicas, FetchGate fetchGate) {
    this.replicas = java.util.Objects.requireNonNull(replicas, "replicas");
    this.fetchGate = java.util.Objects.requireNonNull(fetchGate, "fetchGate");
    this.throttle = throttle;
    this.settings = settings;
    this.snapshot = snapshot;
    this.observer = java.util.Objects.requireNonNull(observer, "observer");
    this.readYourWrites = java.util.Objects.requireNonNull(readYourWrites, "readYourWrites");
    this.keys = new AccountKeys(keySource, settings.keyCache(), Ticker.systemTicker());
  }

  private static TrafficObserver failuresOnly(BiConsumer<Node, Throwable> nodeFailed) {
    return new TrafficObserver() {
      @Override
      public void nodeFailed(Node node, Throwable cause) {
        nodeFailed.accept(node, cause);
      }
    };
  }

  /** Binds the listener; returns the address it is bound to. */
  public InetSocketAddress start() throws IOException {
    List<KeyPair> hostKeys = new ArrayList<>();
    for (var file : settings.hostKeys()) {
      hostKeys.add(KeyFiles.loadOrCreate(file));
    }
    boolean newPeerKey = !java.nio.file.Files.exists(settings.peerKey());
    peerKey = KeyFiles.loadOrCreate(settings.peerKey());
    if (newPeerKey) {
      log.warn("created the peer key {}; add this line to every Gerrit node's etc/peer_keys: {}"
          + " gerrit-proxy", settings.peerKey(), KeyFiles.publicBase64(peerKey));
    }

    client = SshClient.setUpDefaultClient();
    if (settings.nodeKnownHosts().isPresent()) {
      client.setServerKeyVerifier(NodeHostKeys.load(settings.nodeKnownHosts().get()));
    } else {
      // Said once here rather than at every connection, which would only drown the log.
      log.warn("[sshd] nodeKnownHosts is not set: the proxy takes any SSH host key the nodes show,"
          + " so whoever can answer on a node's address can see users' commands. Pin the nodes'"
          + " keys (docs/ssh.md).");
      client.setServerKeyVerifier((session, address, key) -> true);
    }
    CoreModuleProperties.HEARTBEAT_INTERVAL.set(client, settings.keepAlive());
    // What a node may send ahead of the client is buffered here, per command: a window of 1 MB
    // bounds that (50 clones: 50 MB) and holds eight of the large packets below; MINA's default
    // is 2 MB.
    CoreModuleProperties.WINDOW_SIZE.set(client, BACKEND_WINDOW);
    // Fewer, larger pieces between the proxy and the nodes: a node may send packets of up to
    // 128 KB (MINA's default is 32 KB), and each socket read takes up to 128 KB, so a clone
    // costs a quarter of the reads, wake-ups and packet decodes (bench/NOTES.md).
    CoreModuleProperties.MAX_PACKET_SIZE.set(client, (long) BIG_PIECE);
    CoreModuleProperties.NIO2_READ_BUFFER_SIZE.set(client, BIG_PIECE);
    pinPerIoProperties(client);
    // The proxy chooses the cipher toward the nodes (the client's order wins in SSH): AES-GCM.
    client.setCipherFactories(ciphers(client.getCipherFactories()));
    client.start();

    server = (ListenerSshServer) org.apache.sshd.server.ServerBuilder.builder()
        .factory(ListenerSshServer::new).build();
    var listen = settings.listenAddress();
    server.setHost(listen.isWildcard() ? null : listen.host());
    server.setPort(listen.port());
    server.setKeyPairProvider(KeyPairProvider.wrap(hostKeys));
    SshAlgorithms offered = settings.algorithms();
    server.setKeyExchangeFactories(SshAlgorithms.pick(offered.kex(),
        NamedFactory.setUpTransformedFactories(false, BuiltinDHFactories.VALUES,
            ServerBuilder.DH2KEX)));
    server.setCipherFactories(SshAlgorithms.pick(offered.ciphers(),
        new ArrayList<>(BuiltinCiphers.VALUES)));
    server.setMacFactories(SshAlgorithms.pick(offered.macs(), new ArrayList<>(BuiltinMacs.VALUES)));
    server.setSignatureFactories(SshAlgorithms.pick(offered.hostKeyAlgorithms(),
        new ArrayList<>(BuiltinSignatures.VALUES)));
    server.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE));
    server.setPasswordAuthenticator(null);
    server.setKeyboardInteractiveAuthenticator(null);
    server.setGSSAuthenticator(null);
    server.setHostBasedAuthenticator(null);
    server.setPublickeyAuthenticator((user, key, session) -> {
      InetAddress from = inetAddress(session.getClientAddress());
      if (throttle.isBlocked(from)) {
        return false; // blocked during this connection: no more tries on it either
      }
      var refusal = SshCommandClassifier.refuseLogin(user);
      if (refusal.isPresent()) {
        log.info("SSH login refused for {} from {}: {}", user, session.getClientAddress(),
            refusal.get());
        throttle.failed(from);
        return false;
      }
      boolean accepted = keys.accepts(user, key);
      if (!accepted) {
        throttle.failed(from);
      }
      return accepted;
    });
    // An address that failed too often is refused before any SSH is spoken.
    server.setIoServiceEventListener(new IoServiceEventListener() {
      @Override
      public void connectionAccepted(IoAcceptor acceptor, SocketAddress local, SocketAddress remote,
          SocketAddress service) throws IOException {
        // A load balancer's connection is judged by the client its PROXY header names, later.
        if (!sendsProxyHeaders(remote) && throttle.isBlocked(inetAddress(remote))) {
          throw new IOException("SSH connection from " + remote + " refused: too many failed logins");
        }
      }
    });
    server.setServerProxyAcceptor(this::acceptProxyHeader);
    // A connection runs a command or two at a time (git: one); OpenSSH's MaxSessions is 10.
    // MINA refuses a channel only once more than this many are open, hence the - 1.
    CoreModuleProperties.MAX_CONCURRENT_CHANNELS.set(server, MAX_CHANNELS_PER_CONNECTION - 1);
    // A key lookup that misses the cache blocks an I/O thread while Gerrit answers (MINA's
    // asynchronous authentication would skip the signature check of the publickey method), so
    // keep enough I/O threads that slow lookups cannot stall the bytes of running commands.
    CoreModuleProperties.NIO_WORKERS.set(server,
        Math.max(16, 4 * Runtime.getRuntime().availableProcessors()));
    CoreModuleProperties.AUTH_TIMEOUT.set(server, settings.loginGraceTime());
    CoreModuleProperties.IDLE_TIMEOUT.set(server, settings.idleTimeout());
    // Keep-alives that the client must answer: an answer counts as traffic, so a quiet but live
    // connection (gerrit stream-events) is not cut by the idle timeout, and a dead one is.
    server.setSessionHeartbeat(HeartbeatType.RESERVED, settings.keepAlive());
    server.setReservedSessionMessagesHandler(new ReservedSessionMessagesHandler() {
      @Override
      public boolean sendReservedHeartbeat(ConnectionService service) throws Exception {
        Session session = service.getSession();
        Buffer ping = session.createBuffer(SshConstants.SSH_MSG_GLOBAL_REQUEST, 32);
        ping.putString(KEEPALIVE);
        ping.putBoolean(true);
        session.request(ping, KEEPALIVE, (cmd, reply) -> { });
        return true;
      }
    });
    CoreModuleProperties.SERVER_IDENTIFICATION.set(server, "GerritProxy_" + settings.proxyName());
    pinPerIoProperties(server);
    // The proxy sits next to the nodes: port forwarding would open their network to every user.
    server.setForwardingFilter(RejectAllForwardingFilter.INSTANCE);
    server.setAgentFactory(null);
    server.setShellFactory(channel -> new RefusedCommand(SHELL_REFUSAL));
    server.setChannelFactories(server.getChannelFactories().stream()
        .map(f -> f instanceof ChannelSessionFactory ? ClientChannelSession.FACTORY : f)
        .toList());
    ProxiedCommand.Context ctx = new ProxiedCommand.Context(snapshot, observer, threads,
        settings.connectTimeout(), this::backendsOf, readYourWrites, replicas, fetchGate, timers,
        () -> packCache.get());
    server.setCommandFactory((channel, command) -> new ProxiedCommand(command, ctx));
    server.addSessionListener(new SessionListener() {
      @Override
      public void sessionClosed(Session session) {
        BackendSessions b = session.removeAttribute(BACKENDS);
        if (b != null) {
          b.close();
        }
      }
    });
    server.start();
    InetSocketAddress bound = (InetSocketAddress) server.getBoundAddresses().iterator().next();
    if (settings.accountsUser().isEmpty() || settings.accountsPassword().isEmpty()) {
      log.warn("[accounts] user and password are not set: the SSH frontend cannot read users'"
          + " keys from Gerrit and refuses every login. Set them to a Gerrit administrator.");
    }
    log.info("SSH frontend listening on {}", bound);
    return bound;
  }

  /** True when connections from {@code remote} must start with a PROXY protocol header. */
  private boolean sendsProxyHeaders(SocketAddress remote) {
    return Cidr.anyContains(settings.proxyProtocolFrom(), inetAddress(remote));
  }

  /**
   * Reads the PROXY protocol header of a connection from a {@code [sshd] proxyProtocolFrom}
   * source and takes the client it names as the session's client address (for the login
   * throttle, the access log and {@code suexec --from}); refuses a connection from such a source
   * without one, and a header from any other source, whose word about the client is not to be
   * taken (GO-2024-2853).
   */
  private boolean acceptProxyHeader(ServerSession session, Buffer buffer) throws IOException {
    Integer alreadyRead = session.getAttribute(PROXY_HEADER_READ);
    if (alreadyRead != null) {
      // MINA asks again, from the same start, while the identification line is incomplete.
      buffer.rpos(buffer.rpos() + alreadyRead);
      return true;
    }
    SocketAddress peer = session.getIoSession().getRemoteAddress();
    boolean required = sendsProxyHeaders(peer);
    ProxyHeader.Reading reading;
    try {
      reading = ProxyHeader.read(buffer.array(), buffer.rpos(), buffer.wpos());
    } catch (IllegalArgumentException e) {
      throw refused(peer, e.getMessage());
    }
    if (reading instanceof ProxyHeader.NeedMore) {
      return false;
    }
    int headerLength = 0;
    if (reading instanceof ProxyHeader.Header header) {
      headerLength = header.length();
      if (!required) {
        throw refused(peer, "a PROXY protocol header from a source not in [sshd]"
            + " proxyProtocolFrom");
      }
      buffer.rpos(buffer.rpos() + header.length());
      if (header.client().isPresent()) {
        ((AbstractServerSession) session).setClientAddress(header.client().get());
        if (throttle.isBlocked(header.client().get().getAddress())) {
          throw new IOException("SSH connection from " + header.client().get() + " (through "
              + peer + ") refused: too many failed logins");
        }
      }
    } else if (required) {
      throw refused(peer, "no PROXY protocol header, which [sshd] proxyProtocolFrom requires of"
          + " this source");
    }
    session.setAttribute(PROXY_HEADER_READ, headerLength);
    return true;
  }

  private static IOException refused(SocketAddress peer, String why) {
    String message = "SSH connection from " + peer + " refused: " + why;
    log.warn("{}", message);
    return new IOException(message);
  }

  /**
   * Drops what is no longer safe from MINA's defaults (SHA-1 key exchange and signatures, SHA-1
   * and MD5 MACs, CBC and RC4 ciphers), keeping curve25519, ECDH, ed25519, ECDSA, rsa-sha2,
   * AES-GCM, chacha20-poly1305 and AES-CTR.
   */
  static <T extends NamedResource> List<T> modern(List<T> factories) {
    List<T> kept = new ArrayList<>();
    for (T f : factories) {
      if (!WEAK.matcher(f.getName()).matches()) {
        kept.add(f);
      }
    }
    return kept;
  }

  /**
   * The ciphers the proxy uses on both sides: the {@link #modern} ones, AES-GCM first (the order
   * counts where the proxy is the client, toward the nodes), and no chacha20-poly1305, which
   * OpenSSH clients choose first when offered but MINA SSHD computes in plain Java, five times
   * slower than AES on the CPU's AES instructions (bench/NOTES.md: 200 MB in 665 ms against
   * 105-174 ms for AES-GCM and 135 ms for AES-CTR with HMAC-SHA-256). The proxy decrypts and
   * encrypts every byte of a clone once on each side. Every SSH client still has AES (CTR since
   * OpenSSH 3.7, GCM since 6.2, PuTTY, JGit).
   */
  static <T extends NamedResource> List<T> ciphers(List<T> factories) {
    return gcmFirst(withoutChaCha(modern(factories)));
  }

  private static <T extends NamedResource> List<T> withoutChaCha(List<T> factories) {
    return factories.stream().filter(f -> !f.getName().startsWith("chacha20")).toList();
  }

  /** AES-GCM ahead of the rest, otherwise in the given order. */
  private static <T extends NamedResource> List<T> gcmFirst(List<T> factories) {
    List<T> ordered = new ArrayList<>(factories.size());
    factories.stream().filter(f -> f.getName().contains("-gcm")).forEach(ordered::add);
    factories.stream().filter(f -> !f.getName().contains("-gcm")).forEach(ordered::add);
    return ordered;
  }

  private static final Pattern WEAK = Pattern.compile(
      "(?i)ssh-rsa|ssh-dss|.*-sha1(@.*)?|hmac-sha1.*|hmac-md5.*|.*-cbc(@.*)?|arcfour.*|3des.*|none");

  private static InetAddress inetAddress(SocketAddress a) {
    return a instanceof InetSocketAddress i ? i.getAddress() : null;
  }

  private BackendSessions backendsOf(ServerSession session) {
    return session.computeAttributeIfAbsent(BACKENDS,
        k -> new BackendSessions(client, peerKey, settings.connectTimeout(),
            settings.loginGraceTime()));
  }

  /** Client connections open now (authenticated or not). */
  public int openConnections() {
    SshServer s = server;
    return s == null ? 0 : s.getActiveSessions().size();
  }

  /**
   * For each node, how many client connections hold an SSH session to it now: the users whose
   * commands that node serves.
   */
  public java.util.Map<String, Integer> openSessionsByNode() {
    java.util.Map<String, Integer> count = new java.util.TreeMap<>();
    SshServer s = server;
    if (s == null) {
      return count;
    }
    for (var session : s.getActiveSessions()) {
      BackendSessions b = session.getAttribute(BACKENDS);
      if (b != null) {
        for (String node : b.openNodes()) {
          count.merge(node, 1, Integer::sum);
        }
      }
    }
    return count;
  }

  /** Logins decided from the key cache without asking Gerrit. */
  public long keyCacheHits() {
    return keys.hits();
  }

  /** Logins for which Gerrit was asked for the user's keys. */
  public long keyCacheMisses() {
    return keys.misses();
  }

  /**
   * Stops accepting connections (the port is released); connections already open are served on
   * until {@link #close()}. Used when a reload moves the listener to another address.
   */
  public void stopAccepting() {
    ListenerSshServer s = server;
    if (s != null) {
      s.unbindAll();
    }
  }

  /** MINA's server, with a way to release the port while its sessions go on. */
  private static final class ListenerSshServer extends SshServer {
    void unbindAll() {
      if (acceptor != null) {
        acceptor.unbind();
      }
    }
  }

  /** Forgets cached user keys, e.g. after a configuration reload. */
  public void forgetKeys() {
    keys.invalidateAll();
  }

  @Override
  public void close() {
    try {
      if (server != null) {
        server.stop(true);
      }
      if (client != null) {
        client.stop();
      }
    } catch (IOException e) {
      log.warn("stopping the SSH frontend: {}", e.getMessage());
    }
    threads.shutdownNow();
    timers.shutdownNow();
  }

  private static AccountKeySource keySource(SshFrontendSettings s, Supplier<RoutingSnapshot> snap) {
    if (s.accountsUser().isEmpty() || s.accountsPassword().isEmpty()) {
      return user -> {
        throw new KeyLookupException("[accounts] user and password are not configured", null);
      };
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(s.connectTimeout())
        .followRedirects(HttpClient.Redirect.NEVER).build();
    return new GerritAccountKeySource(http, snap, s.accountsUser().get(),
        s.accountsPassword().get(), s.connectTimeout());
  }

  /**
   * MINA looks up its read and write timeouts for every socket read and write: unset, the lookup
   * walks past the manager's properties to the JVM's system properties, a string key built and
   * two maps searched each time (about 20 ms of CPU per 100 MB clone in a profile). Resolved once
   * here, system properties included, and set on the manager, it ends at the first map.
   */
  private static void pinPerIoProperties(FactoryManager manager) {
    CoreModuleProperties.NIO2_READ_TIMEOUT.set(manager,
        CoreModuleProperties.NIO2_READ_TIMEOUT.getRequired(manager));
    CoreModuleProperties.NIO2_MIN_WRITE_TIMEOUT.set(manager,
        CoreModuleProperties.NIO2_MIN_WRITE_TIMEOUT.getRequired(manager));
  }
}
