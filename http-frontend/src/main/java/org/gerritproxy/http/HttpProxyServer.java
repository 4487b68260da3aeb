package org.gerritproxy.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.gerritproxy.http.packcache.PackCache;
import org.gerritproxy.routing.ReadYourWrites;
import org.gerritproxy.routing.replication.ReplicaTracker;
import org.gerritproxy.routing.RoutingSnapshot;
import org.gerritproxy.routing.admission.FetchGate;
import org.gerritproxy.routing.traffic.TrafficObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP(S) reverse proxy in front of the Gerrit nodes: accepts clients, routes each request
 * with the current {@link RoutingSnapshot} and streams it to the chosen node and back.
 *
 * <p>Lifecycle: {@link #start()} once, then {@link #stopAccepting()} and/or {@link
 * #shutdownGracefully(Duration)}. One event loop group serves clients and backend connections
 * alike, and every backend connection lives on its client's event loop.
 */
public final class HttpProxyServer {

  private static final Logger LOG = LoggerFactory.getLogger(HttpProxyServer.class);

  /**
   * The settings in force: each new connection reads them once, so that a reload's limits,
   * timeouts and node header apply from the next connection on. The listen address and the
   * scheme never change here (a new address is a new server); the certificate has {@link
   * #serverTls}.
   */
  private final AtomicReference<HttpFrontendSettings> settings;
  private final Supplier<RoutingSnapshot> snapshots;
  private final TrafficObserver observer;
  /** Replaced whole when the certificate files change; each new connection reads it once. */
  private volatile SslContext serverTls;
  private final ReadYourWrites readYourWrites;
  private final ReplicaTracker replicas;
  private final FetchGate fetchGate;
  /** The pack cache in force, replaced whole on reload; each fetch reads it once. */
  private volatile Supplier<PackCache> packCache = () -> PackCache.OFF;

  private final boolean epoll = Epoll.isAvailable();
  private EventLoopGroup group;
  private BackendConnections connections;
  private Channel serverChannel;
  private volatile ChannelGroup clients;
  private volatile boolean draining;

  /**
   * @param settings the {@code [httpd]} settings
   * @param snapshots the routing state; read once per request, never cached
   * @param observer told of node failures and of every finished exchange
   * @throws IllegalArgumentException when the TLS certificate or key cannot be read
   */
  public HttpProxyServer(
      HttpFrontendSettings settings, Supplier<RoutingSnapshot> snapshots,
      TrafficObserver observer) {
    this(settings, snapshots, observer, ReadYourWrites.onSystemClock());
  }

  /**
   * @param readYourWrites who wrote recently; shared with the SSH frontend, so that a user's
   *     write over either sends that user's reads over both to the master
   */
  public HttpProxyServer(HttpFrontendSettings settings, Supplier<RoutingSnapshot> snapshots,
      TrafficObserver observer, ReadYourWrites readYourWrites) {
    this(settings, snapshots, observer, readYourWrites, ReplicaTracker.NONE,
        FetchGate.unlimited());
  }

  /**
   * @param replicas replicated storage: told of each push forwarded, asked of each read
   * @param fetchGate fair shares for git-upload-pack; shared with the SSH frontend, so that an
   *     account's fetches over both count against one limit
   */
  public HttpProxyServer(HttpFrontendSettings settings, Supplier<RoutingSnapshot> snapshots,
      TrafficObserver observer, ReadYourWrites readYourWrites, ReplicaTracker replicas,
      FetchGate fetchGate) {
    this.replicas = Objects.requireNonNull(replicas, "replicas");
    this.fetchGate = Objects.requireNonNull(fetchGate, "fetchGate");
    this.settings = new AtomicReference<>(Objects.requireNonNull(settings, "settings"));
    this.snapshots = Objects.requireNonNull(snapshots, "snapshots");
    this.observer = Objects.requireNonNull(observer, "observer");
    this.readYourWrites = Objects.requireNonNull(readYourWrites, "readYourWrites");
    this.serverTls = settings.isHttps() ? serverTls(settings) : null;
  }

  /**
   * Binds the listen address and starts serving.
   *
   * @return the address bound (with the real port when the configured port is 0)
   * @throws IOException when the address cannot be bound
   */
  public synchronized InetSocketAddress start() throws IOException {
    if (group != null) {
      throw new IllegalStateException("this server was started already");
    }
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    group = new MultiThreadIoEventLoopGroup(0, new DefaultThreadFactory("httpd", false), io);
    clients = new DefaultChannelGroup("httpd-clients", GlobalEventExecutor.INSTANCE);
    Class<? extends SocketChannel> clientChannel =
        epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    Class<? extends ServerChannel> serverChannelClass =
        epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    connections = new BackendConnections(new Bootstrap().channel(clientChannel), settings::get);
    HttpFrontend frontend = new Handlers();
    ServerBootstrap b = new ServerBootstrap()
        .group(group)
        .channel(serverChannelClass)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .childOption(ChannelOption.AUTO_READ, false)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            clients.add(ch);
            HttpFrontendSettings s = settings.get();
            HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(s.maxHeaderSize())
                .setMaxHeaderSize(s.maxHeaderSize())
                .setMaxChunkSize(64 * 1024);
            ChannelPipeline p = ch.pipeline();
            // A PROXY protocol header comes before anything else, TLS included.
            ProxyProtocol.install(p, ch.remoteAddress(), s.proxyProtocolFrom(), s.proxyName());
            SslContext tls = serverTls;
            if (tls != null) {
              p.addLast("tls", tls.newHandler(ch.alloc()));
            }
            // Asked of the TLS context rather than the settings: a reload swaps the two apart.
            if (tls != null && tls.applicationProtocolNegotiator().protocols()
                .contains(ApplicationProtocolNames.HTTP_2)) {
              // The client's choice by ALPN is known once the handshake is done.
              p.addLast("alpn", new Http2Pipeline.Negotiation(s, frontend,
                  rest -> http1(rest, s, decoder, frontend)));
            } else {
              http1(p, s, decoder, frontend);
            }
          }
        });
    HttpFrontendSettings now = settings.get();
    InetSocketAddress listen = now.listen().isWildcard()
        ? new InetSocketAddress(now.listen().port())
        : new InetSocketAddress(now.listen().host(), now.listen().port());
    try {
      serverChannel = b.bind(listen).sync().channel();
    } catch (Exception e) {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      group = null;
      throw new IOException("cannot listen on " + now.listen() + " for HTTP: " + e.getMessage(), e);
    }
    InetSocketAddress bound = (InetSocketAddress) serverChannel.localAddress();
    LOG.info("{}: listening for {} on {} ({} transport)", now.proxyName(),
        now.isHttps() ? "HTTPS" : "HTTP", bound, epoll ? "epoll" : "nio");
    return bound;
  }

  /** The rest of an HTTP/1.1 connection's pipeline: one exchange at a time. */
  private static void http1(ChannelPipeline p, HttpFrontendSettings s, HttpDecoderConfig decoder,
      HttpFrontend frontend) {
    p.addLast("deadline", new RequestDeadline(s.headerTimeout(), s.idleTimeout()));
    p.addLast("http", new HttpServerCodec(decoder));
    // HTTP/1.1 only: an HTTP/2 stream's fetch is relayed to the node as before (docs/pack-cache.md).
    p.addLast("packcache", new PackCacheHandler(frontend, s));
    p.addLast("flow", new FlowControlHandler());
    p.addLast("proxy", new FrontendHandler(frontend, s));
  }

  /**
   * Serves connections accepted from now on with {@code next}'s limits, timeouts and node header;
   * connections already open keep the settings they started with (HTTP/2 offered or not
   * included). The listen address and the scheme cannot change in place, and the certificate
   * stays the one {@link #reloadTls} read.
   *
   * @throws IllegalArgumentException when {@code next} listens elsewhere or switches HTTP and HTTPS
   */
  public void useSettings(HttpFrontendSettings next) {
    HttpFrontendSettings was = settings.get();
    if (!next.listen().equals(was.listen()) || next.isHttps() != was.isHttps()) {
      throw new IllegalArgumentException("the HTTP listener on " + was.listen()
          + " cannot move or switch between HTTP and HTTPS in place; start a new one");
    }
    HttpFrontendSettings now = was.isHttps()
        ? next.withTls(was.sslCertificate().get(), was.sslKey().get())
        : next;
    if (now.offersHttp2() != was.offersHttp2()) {
      // ALPN's offer is part of the TLS context: the same files, offering h2 or not.
      serverTls = serverTls(now);
    }
    settings.set(now);
  }

  /**
   * Fetches from now on read the pack cache from {@code current} ({@link PackCache#OFF} when there
   * is none), once per fetch.
   */
  public void usePackCache(Supplier<PackCache> current) {
    packCache = java.util.Objects.requireNonNull(current, "current");
  }

  /** Client connections open now. */
  public int openConnections() {
    ChannelGroup open = clients;
    return open == null ? 0 : open.size();
  }

  /**
   * Reads the certificate and key again (they changed on disk): connections accepted from now on
   * are served with them, those already open keep theirs. On failure the old ones stay in use.
   *
   * @throws IllegalArgumentException when the files cannot be used for HTTPS
   * @throws IllegalStateException when this server is not serving HTTPS
   */
  public void reloadTls(java.nio.file.Path certificate, java.nio.file.Path key) {
    if (serverTls == null) {
      throw new IllegalStateException("this listener serves plain HTTP; it needs a restart for HTTPS");
    }
    serverTls = serverTls(certificate, key, settings.get().offersHttp2());
    settings.updateAndGet(s -> s.withTls(certificate, key));
    LOG.info("{}: HTTPS certificate reloaded from {}", settings.get().proxyName(), certificate);
  }

  /** Stops accepting new connections; connections already accepted are served on. */
  public synchronized void stopAccepting() {
    if (serverChannel != null) {
      serverChannel.close().awaitUninterruptibly();
      serverChannel = null;
    }
  }

  /**
   * Stops accepting, lets the requests in flight finish within {@code timeout} (closing each
   * connection once its current exchange is over), then closes whatever is left.
   *
   * @return true when every request in flight finished in time
   */
  public boolean shutdownGracefully(Duration timeout) {
    EventLoopGroup g;
    ChannelGroup open;
    synchronized (this) {
      if (group == null) {
        return true;
      }
      g = group;
      open = clients;
      group = null;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    draining = true;
    if (serverChannel != null) {
      serverChannel.close().awaitUninterruptibly();
      serverChannel = null;
    }
    for (Channel ch : open) {
      ch.eventLoop().execute(() -> {
        PackCacheHandler cached = ch.pipeline().get(PackCacheHandler.class);
        if (cached != null && cached.drain()) {
          return; // it closes the connection once its answer is sent
        }
        FrontendHandler h = ch.pipeline().get(FrontendHandler.class);
        if (h != null) {
          h.drain();
        } else {
          ch.close();
        }
      });
    }
    boolean finished = true;
    while (!open.isEmpty()) {
      if (System.nanoTime() >= deadline) {
        finished = false;
        LOG.warn("{}: {} HTTP connection(s) still busy after {}; closing them",
            settings.get().proxyName(), open.size(), timeout);
        break;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        finished = false;
        break;
      }
    }
    open.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    g.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    LOG.info("{}: HTTP frontend stopped", settings.get().proxyName());
    return finished;
  }

  /** This server as its connections' handlers see it. */
  private final class Handlers implements HttpFrontend {
    @Override
    public RoutingSnapshot snapshot() {
      return snapshots.get();
    }

    @Override
    public TrafficObserver observer() {
      return observer;
    }

    @Override
    public BackendConnections connections() {
      return connections;
    }

    @Override
    public FetchGate fetchGate() {
      return fetchGate;
    }

    @Override
    public ReadYourWrites readYourWrites() {
      return readYourWrites;
    }

    @Override
    public ReplicaTracker replicas() {
      return replicas;
    }

    @Override
    public PackCache packCache() {
      return packCache.get();
    }

    @Override
    public boolean isDraining() {
      return draining;
    }
  }

  private static SslContext serverTls(HttpFrontendSettings s) {
    return serverTls(s.sslCertificate().get(), s.sslKey().get(), s.offersHttp2());
  }

  private static SslContext serverTls(java.nio.file.Path certificate, java.nio.file.Path key,
      boolean http2) {
    return ServerTls.context("httpd", certificate, key, http2);
  }
}
