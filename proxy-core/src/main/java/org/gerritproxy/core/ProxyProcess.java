package org.gerritproxy.core;

import org.gerritproxy.core.replication.ReplicaLag;
import org.gerritproxy.core.replication.ReplicatedStorage;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.gerritproxy.core.admin.AdminPages;
import org.gerritproxy.core.admin.ConfigStatus;
import org.gerritproxy.core.backdoor.Backdoor;
import org.gerritproxy.core.backdoor.Backdoors;
import org.gerritproxy.core.config.ConfigException;
import org.gerritproxy.core.config.ConfigFileWatcher;
import org.gerritproxy.core.config.ConfigLoader;
import org.gerritproxy.core.config.ProxyConfig;
import org.gerritproxy.core.election.FailoverCommand;
import org.gerritproxy.core.election.MasterPublisher;
import org.gerritproxy.core.probe.FenceProbe;
import org.gerritproxy.core.probe.FenceReading;
import org.gerritproxy.core.election.WriteMasterElector;
import org.gerritproxy.core.election.ZooKeeperElection;
import org.gerritproxy.core.events.EventLog;
import org.gerritproxy.core.fetch.BatchGroups;
import org.gerritproxy.core.events.MasterTimeline;
import org.gerritproxy.core.health.ClusterView;
import org.gerritproxy.core.health.ProbeSettings;
import org.gerritproxy.core.metrics.FrontendGauges;
import org.gerritproxy.core.metrics.ProxyMetrics;
import org.gerritproxy.core.probe.NetworkProbe;
import org.gerritproxy.core.reload.Reconfiguration;
import org.gerritproxy.http.HttpFrontendSettings;
import org.gerritproxy.http.HttpProxyServer;
import org.gerritproxy.http.packcache.NodeUploadPack;
import org.gerritproxy.http.packcache.PackCache;
import org.gerritproxy.packstore.PackCacheObserver;
import org.gerritproxy.packstore.PackCacheScope;
import org.gerritproxy.packstore.TipNames;
import org.gerritproxy.packstore.PackStore;
import org.gerritproxy.routing.packcache.PackCacheSettings;
import org.gerritproxy.routing.ElectionMode;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.ReadYourWrites;
import org.gerritproxy.routing.admission.FetchGate;
import org.gerritproxy.routing.RoutingSnapshot;
import org.gerritproxy.routing.WriteMaster;
import org.gerritproxy.routing.traffic.AccessRecord;
import org.gerritproxy.routing.traffic.TrafficObserver;
import org.gerritproxy.ssh.SshFrontend;
import org.gerritproxy.ssh.SshFrontendSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running gerrit-proxy: the cluster view (probes and election) and the three listeners
 * ({@link HttpListener}, {@link SshListener}, {@link AdminListener}), built from one configuration.
 * A reload asks {@link Reconfiguration} what the new one takes and has the listeners carry it out.
 */
public final class ProxyProcess implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ProxyProcess.class);

  private final Path configFile;
  private final Clock clock = Clock.systemUTC();
  private final EventLog events = new EventLog(clock, 100);
  private final ProxyMetrics metrics = new ProxyMetrics(() -> this.cluster);
  private final MasterTimeline timeline = new MasterTimeline();
  /** Takes the dashboard's samples every {@code [admin] historyInterval}. */
  private final java.util.concurrent.ScheduledExecutorService sampler =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "history");
        t.setDaemon(true);
        return t;
      });
  private final AtomicReference<ProxyConfig> config = new AtomicReference<>();
  private final AtomicReference<ConfigStatus> configStatus = new AtomicReference<>();
  /**
   * The JDK client for the proxy's own requests to the nodes off the health probe's path: the
   * fence probe, the replication checks and the batch groups.
   */
  private final HttpClient nodeClient;
  /** One for both frontends and every rebind of them: a write over either counts for both. */
  private final ReadYourWrites readYourWrites = ReadYourWrites.onSystemClock();
  /** One for both frontends and every rebind of them; a reload swaps its limits. */
  private final FetchGate fetchGate = FetchGate.unlimited();
  private ClusterView cluster;
  private Optional<Backdoor> backdoor = Optional.empty();
  private Optional<FailoverCommand> failover = Optional.empty();
  private Optional<MasterPublisher> publisher = Optional.empty();
  private FenceProbe fenceProbe;
  private Optional<ZooKeeperElection> zookeeper = Optional.empty();
  /** Replicated storage; idle, and every read spreads as before, while storage is shared. */
  private ReplicatedStorage replication;
  /** Who is in [fetch] batchGroup, read from Gerrit for the fetch gate. */
  private BatchGroups batchGroups;
  /** The pack cache in force; a reload replaces it whole (keeping the store when it can). */
  private volatile PackCache packCache = PackCache.OFF;
  /** The ref names the pack cache's checks ask about: kept across reloads, like the nodes' client. */
  private final TipNames tipNames = new TipNames(PACK_CACHE_TIP_NAMES);
  /** The pack cache's requests to the nodes; made with the first cache, kept for later ones. */
  private NodeUploadPack packNodes;
  private final HttpListener http = new HttpListener(settings -> {
    HttpProxyServer server = new HttpProxyServer(settings, this::routingSnapshot,
        trafficObserver(), readYourWrites, replication, fetchGate);
    server.usePackCache(() -> packCache);
    return server;
  }, events);
  private final SshListener ssh = new SshListener(settings -> {
    SshFrontend server = new SshFrontend(settings, this::routingSnapshot, trafficObserver(),
        readYourWrites, replication, fetchGate);
    server.usePackCache(() -> packCache.scope());
    return server;
  }, events);
  private final AdminListener admin;
  private volatile ConfigFileWatcher watcher;

  private ProxyProcess(Path configFile, ProxyConfig initial) {
    this.configFile = configFile;
    this.config.set(initial);
    this.configStatus.set(new ConfigStatus(configFile, clock.instant(), Optional.empty()));
    this.admin = new AdminListener(new AdminPages(new Running(), configFile, events, metrics,
        timeline), events);
    this.nodeClient = HttpClient.newBuilder()
        .connectTimeout(initial.health().timeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .executor(Executors.newFixedThreadPool(2, r -> {
          Thread t = new Thread(r, "node-client");
          t.setDaemon(true);
          return t;
        }))
        .build();
  }

  /**
   * Loads the configuration and starts every listener.
   *
   * @throws ConfigException when the configuration is invalid
   * @throws IllegalStateException when a listener cannot be bound, or the configuration asks for
   *     something this build cannot do
   */
  public static ProxyProcess start(Path configFile) throws ConfigException, InterruptedException {
    ProxyConfig cfg = ConfigLoader.load(configFile);
    ProxyProcess p = new ProxyProcess(configFile, cfg);
    try {
      p.startAll(cfg);
    } catch (RuntimeException | InterruptedException e) {
      p.close();
      throw e;
    }
    return p;
  }

  private void startAll(ProxyConfig cfg) throws InterruptedException {
    events.subscribe(metrics::event);
    events.subscribe(timeline::mark);
    fetchGate.configure(cfg.fetch());
    metrics.watch(fetchGate);
    configurePackCache(cfg);
    metrics.watchPackCache(() -> packCache.store());
    events.record("start", "gerrit-proxy " + cfg.proxy().name() + " starting with " + configFile);
    try {
      backdoor = Backdoors.open(cfg.backdoor());
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot open the backdoor ([backdoor] type = "
          + cfg.backdoor().type().name().toLowerCase() + "): " + e.getMessage()
          + ". Check [backdoor] url or repository.", e);
    }
    backdoor.ifPresent(b -> events.record("backdoor", "reading heartbeats from " + b.describe()));
    cluster = new ClusterView(cfg.routingTable(), probeSettings(cfg),
        new NetworkProbe(clock), elector(cfg), events, clock, backdoor,
        cfg.backdoor().staleAfter());
    failover = Optional.of(new FailoverCommand(events));
    replication = new ReplicatedStorage(this::routingSnapshot, config::get, events, nodeClient);
    metrics.watchReplication(replication);
    // The write master record that every node's fence enforces (docs/fence.md).
    publisher = backdoor.map(door -> new MasterPublisher(door, zookeeper.isPresent(), events));
    cluster.onMasterChange((before, after) -> {
      replication.masterChanged();
      publisher.ifPresent(p -> p.masterChanged(after.master(), decidedHere()));
      ProxyConfig now = config.get(); // read at each failover, so a reload applies at once
      boolean failedOver = failover.get().masterChanged(before, after.master(),
          after.master().node().flatMap(n -> after.table().node(n)),
          now.election().onFailover().map(command -> new FailoverCommand.Settings(command,
              now.sshd().peerKey(), now.accounts().user(), now.sshd().nodeKnownHosts())),
          decidedHere());
      timeline.observe(clock.instant(), after.master());
      if (failedOver) {
        metrics.failover(); // A -> B, and A -> no master -> B alike
      }
    });
    fenceProbe = new FenceProbe(nodeClient, clock, () -> cluster.snapshot().table().nodes(),
        () -> config.get().health().timeout());
    fenceProbe.start();
    metrics.watchFences(fenceProbe::readings);
    // Static mode elects its master as the view is made, which reports no change: publish it.
    if (cluster.snapshot().master().isKnown()) {
      publisher.ifPresent(p -> p.masterChanged(cluster.snapshot().master(), decidedHere()));
    }
    cluster.start();
    replication.start();
    batchGroups = new BatchGroups(config::get, this::routingSnapshot, fetchGate, events,
        nodeClient);
    batchGroups.start();
    InetSocketAddress httpAddress;
    try {
      httpAddress = http.start(cfg.httpd());
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot listen for HTTP on " + cfg.httpd().listen()
          + ": " + e.getMessage() + ". Is another process using it? Change [httpd] listenAddress.", e);
    }
    try {
      ssh.start(cfg.sshd());
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot start the SSH frontend on " + cfg.sshd().listenAddress()
          + ": " + e.getMessage() + ". Check [sshd] listenAddress, hostKey and peerKey.", e);
    }
    InetSocketAddress adminAddress;
    try {
      adminAddress = admin.start(cfg.admin());
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot listen for the admin pages on "
          + cfg.admin().listenAddress() + ": " + e.getMessage()
          + ". Is another process using it? Change [admin] listenAddress.", e);
    }
    log.info("gerrit-proxy {} serving HTTP on {} (admin on {})", cfg.proxy().name(), httpAddress,
        adminAddress);
    metrics.watch(new FrontendGauges() {
      @Override
      public int httpConnections() {
        return http.openConnections();
      }

      @Override
      public int sshConnections() {
        return ssh.openConnections();
      }

      @Override
      public java.util.Map<String, Integer> sshSessionsByNode() {
        return ssh.openSessionsByNode();
      }

      @Override
      public long keyCacheHits() {
        return ssh.keyCacheHits();
      }

      @Override
      public long keyCacheMisses() {
        return ssh.keyCacheMisses();
      }
    });
    watchConfigFiles(cfg);
    http.watchCertificate(cfg.httpd());
    timeline.observe(clock.instant(), cluster.snapshot().master());
    metrics.history().sample(clock.millis(), ssh.openSessionsByNode(), nodeNames());
    scheduleSample();
  }

  /** The next sample, after the interval configured now: a reload that changes it applies here. */
  private void scheduleSample() {
    try {
      sampler.schedule(() -> {
        try {
          metrics.history().sample(clock.millis(), ssh.openSessionsByNode(), nodeNames());
          // Also here: an epoch that rose under the same master is no master change.
          timeline.observe(clock.instant(), cluster.snapshot().master());
        } catch (RuntimeException e) {
          log.warn("Taking the dashboard's sample failed", e);
        }
        scheduleSample();
      }, config.get().admin().historyInterval().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing
    }
  }

  private java.util.List<String> nodeNames() {
    return cluster.snapshot().table().nodes().stream().map(Node::name).toList();
  }

  /** Both frontends feed passive health and metrics the same way. */
  private TrafficObserver trafficObserver() {
    return new TrafficObserver() {
      @Override
      public void nodeFailed(Node node, Throwable cause) {
        cluster.trafficFailure(node.name(), cause);
      }

      @Override
      public void completed(AccessRecord<?> record) {
        if (record.outcome() == AccessRecord.Outcome.COMPLETED) {
          record.node().ifPresent(cluster::trafficSucceeded);
        }
        metrics.request(record);
      }
    };
  }

  /** Editing proxy.config or secure.config reloads, as SIGHUP and POST /reload do. */
  private void watchConfigFiles(ProxyConfig cfg) {
    java.util.Set<Path> files = new java.util.LinkedHashSet<>(cfg.sources());
    files.addAll(ConfigLoader.watchedFiles(configFile));
    try {
      watcher = ConfigFileWatcher.start(java.util.List.copyOf(files), Duration.ofMillis(200),
          this::reload);
    } catch (java.io.IOException e) {
      log.warn("cannot watch {} for changes ({}); reload with SIGHUP or POST /reload instead",
          configFile, e.getMessage());
    }
  }

  /**
   * Re-reads the configuration. A valid one replaces the old one whole (nodes, routing, election,
   * probes); an invalid one leaves the old one in force and is reported on {@code /health}.
   *
   * @return true when the new configuration is in force
   */
  public synchronized boolean reload() {
    ConfigFileWatcher w = watcher;
    if (w != null) {
      w.markLoaded();
    }
    ProxyConfig next;
    try {
      next = ConfigLoader.load(configFile);
    } catch (ConfigException e) {
      String problems = e.getMessage();
      refused(problems);
      events.record("reload-failed", "the configuration was not reloaded; the previous one stays in"
          + " force: " + problems);
      return false;
    }
    Reconfiguration change = new Reconfiguration(config.get(), next);
    Optional<String> refusal = change.refusal();
    if (refusal.isPresent()) {
      refused(refusal.get());
      events.record("reload-failed", refusal.get());
      return false;
    }
    cluster.reconfigure(next.routingTable(), probeSettings(next));
    cluster.staleAfter(next.backdoor().staleAfter());
    fetchGate.configure(next.fetch());
    configurePackCache(next);
    if (change.backdoorWaitsForRestart()) {
      events.record("reload", "[backdoor] type, url or repository changed; the new backdoor is"
          + " used after a restart of the proxy (staleAfter applies now)");
    }
    ListenerRebinding rebinding = new ListenerRebinding(change);
    // What runs, listeners included: a listener that kept its old settings is shown with them.
    config.set(rebinding.apply());
    java.util.List<String> restartNeeded = rebinding.restartNeeded;
    Instant now = clock.instant();
    configStatus.set(new ConfigStatus(configFile, now, Optional.empty(), Optional.of(now),
        restartNeeded));
    metrics.reload(true);
    events.record("reload", "configuration reloaded from " + configFile);
    batchGroups.refresh(); // reads the new config: groups, and who reads them
    return true;
  }

  /**
   * Puts {@code cfg}'s pack cache in force: off, or on with its projects; the entries on disk stay
   * in use unless the directory or size changed.
   */
  private synchronized void configurePackCache(ProxyConfig cfg) {
    PackCacheSettings s = cfg.packCache();
    if (!s.enabled()) {
      packCache = PackCache.OFF;
      return;
    }
    Path directory = s.directory().orElseThrow();
    Optional<PackStore> store = packCache.store()
        .filter(st -> st.directory().equals(directory) && st.maxBytes() == s.maxSize());
    PackCacheObserver observer = new PackCacheObserver() {
      @Override
      public void answered(Outcome outcome, long bytes) {
        metrics.packCacheAnswered(outcome.name().toLowerCase(java.util.Locale.ROOT), bytes);
      }

      @Override
      public void passed(String reason) {
        metrics.packCachePassed(reason);
      }

      @Override
      public void coalesced(String result) {
        metrics.packCacheRefRequest(result);
      }

      @Override
      public void unavailable(String why) {
        events.record("pack-cache", why);
      }

      @Override
      public void available() {
        events.record("pack-cache", "the pack cache directory " + directory
            + " can be written again; fetches are cached again");
      }
    };
    if (store.isEmpty()) {
      store = Optional.of(PackStore.open(directory, s.maxSize(), observer));
    }
    if (packNodes == null) {
      packNodes = new NodeUploadPack(cfg.httpd().connectTimeout(), PACK_CACHE_NODE_TIMEOUT);
    }
    packCache = new PackCache(new PackCacheScope(s.projects(), store, observer, tipNames),
        packNodes);
  }

  /**
   * Object ids whose ref names the pack cache's checks remember: about 200 bytes each, so a few
   * MB at most; far more than the tips a CI storm fetches at once.
   */
  private static final int PACK_CACHE_TIP_NAMES = 20_000;

  /** The longest the pack cache waits for a node's answer to begin (ls-refs, or a fetch's pack). */
  private static final Duration PACK_CACHE_NODE_TIMEOUT = Duration.ofMinutes(10);

  /** The file was not applied: the old configuration and listeners stay as they are. */
  private void refused(String why) {
    ConfigStatus was = configStatus.get();
    configStatus.set(new ConfigStatus(configFile, was.loadedAt(), Optional.of(why),
        Optional.of(clock.instant()), was.restartNeeded()));
    metrics.reload(false);
  }

  /**
   * Brings the listeners in line with a reloaded configuration: a changed listen address is bound
   * anew and the old listener retired once its connections are done; when the new address cannot
   * be bound, the old listener stays and a restart is needed. Changes that cannot be applied to a
   * running listener (timeouts, host keys, ...) are reported the same way.
   */
  private final class ListenerRebinding {
    private final Reconfiguration change;
    private final ProxyConfig next;
    private final java.util.List<String> restartNeeded = new java.util.ArrayList<>();

    ListenerRebinding(Reconfiguration change) {
      this.change = change;
      this.next = change.next();
    }

    /** The new configuration with the listener settings that now run. */
    ProxyConfig apply() {
      ProxyConfig was = change.running();
      HttpFrontendSettings httpd = rebindHttp(was.httpd());
      SshFrontendSettings sshd = was.sshd();
      if (change.rebindsSsh()) {
        if (rebindSsh()) {
          sshd = next.sshd();
        }
      } else {
        change.sshWaitsForRestart().forEach(this::needsRestart);
      }
      ProxyConfig.Admin adminSettings = was.admin();
      if (change.rebindsAdmin() && rebindAdmin()) {
        adminSettings = next.admin();
      } else if (change.reloadsAdminCertificate()) {
        Optional<String> failed = admin.useCertificate(next.admin());
        failed.ifPresent(this::needsRestart);
        if (failed.isEmpty()) {
          adminSettings = new ProxyConfig.Admin(adminSettings.listenAddress(),
              adminSettings.token(), adminSettings.historyInterval(),
              next.admin().sslCertificate(), next.admin().sslKey());
        }
      }
      change.adminWaitsForRestart().forEach(this::needsRestart);
      // A new token applies even where the listener could not move: rotating it is urgent.
      if (!adminSettings.token().equals(next.admin().token())) {
        admin.token(next.admin().token());
        adminSettings = adminSettings.with(next.admin().token(), next.admin().historyInterval());
        events.record("reload", "[admin] token changed; the new one is required from now on");
      }
      // The sampling interval is read at each sample, so a new one applies at once.
      adminSettings = adminSettings.with(adminSettings.token(), next.admin().historyInterval());
      return next.withListeners(httpd, sshd, adminSettings);
    }

    private HttpFrontendSettings rebindHttp(HttpFrontendSettings was) {
      if (change.rebindsHttp()) {
        Optional<String> failed = http.rebind(next.httpd(), next.proxy().shutdownTimeout());
        failed.ifPresent(this::needsRestart);
        return failed.isPresent() ? was : next.httpd();
      }
      HttpFrontendSettings result = was;
      if (change.reloadsCertificate()) {
        Optional<String> failed = http.useCertificate(next.httpd());
        failed.ifPresent(this::needsRestart);
        if (failed.isEmpty()) {
          result = Reconfiguration.withTlsOf(was, next.httpd());
        }
      }
      if (change.changesHttpLimits()) {
        // With the scheme and certificate that run now: a switch between HTTP and HTTPS waits.
        result = Reconfiguration.withTlsOf(next.httpd(), result);
        http.useSettings(result);
      }
      change.httpWaitsForRestart().forEach(this::needsRestart);
      return result;
    }

    private boolean rebindSsh() {
      Optional<String> failed = ssh.rebind(next.sshd(), next.proxy().shutdownTimeout());
      failed.ifPresent(this::needsRestart);
      return failed.isEmpty();
    }

    private boolean rebindAdmin() {
      Optional<String> failed = admin.rebind(next.admin());
      failed.ifPresent(this::needsRestart);
      return failed.isEmpty();
    }

    private void needsRestart(String why) {
      restartNeeded.add(why);
      events.record("restart-needed", why);
    }
  }

  /** Closes a replaced listener off the reloading thread, once what runs on it has finished. */
  static void retire(String what, Runnable close) {
    Thread t = new Thread(close, "retire-" + what);
    t.setDaemon(true);
    t.start();
  }

  public InetSocketAddress httpAddress() {
    return http.address();
  }

  public InetSocketAddress sshAddress() {
    return ssh.address();
  }

  public InetSocketAddress adminAddress() {
    return admin.address();
  }

  /** Replicated storage: what is known of each node's replication. */
  public ReplicatedStorage replication() {
    return replication;
  }

  /** The recent events, as the dashboard shows them. */
  public EventLog events() {
    return events;
  }

  public ClusterView cluster() {
    return cluster;
  }

  /** The samples the dashboard draws, per node, oldest first. */
  public java.util.Map<String, java.util.List<org.gerritproxy.core.metrics.TrafficSample>>
      trafficHistory() {
    return metrics.history().snapshot();
  }

  /**
   * The configuration in force: the last one loaded, with the listener settings that actually run
   * (a listener that could not take a new setting is shown with its old one).
   */
  public ProxyConfig config() {
    return config.get();
  }

  /** Stops accepting, lets requests in flight finish up to {@code [proxy] shutdownTimeout}. */
  @Override
  public void close() {
    sampler.shutdownNow();
    if (watcher != null) {
      watcher.close();
    }
    Duration grace = config.get().proxy().shutdownTimeout();
    http.shutdownGracefully(grace);
    ssh.close();
    admin.close();
    if (cluster != null) {
      cluster.close();
    }
    if (fenceProbe != null) {
      fenceProbe.close();
    }
    publisher.ifPresent(MasterPublisher::close);
    backdoor.ifPresent(Backdoor::close);
    zookeeper.ifPresent(ZooKeeperElection::close);
    failover.ifPresent(FailoverCommand::close);
    if (replication != null) {
      replication.close();
    }
    if (batchGroups != null) {
      batchGroups.close();
    }
    if (packNodes != null) {
      packNodes.close();
    }
    events.record("stop", "gerrit-proxy stopped");
  }

  /** This proxy alone decides, or (zookeeper mode) it follows the shared decision. */
  private WriteMasterElector elector(ProxyConfig cfg) throws InterruptedException {
    if (cfg.election().mode() != ElectionMode.ZOOKEEPER) {
      return WriteMasterElector.alone();
    }
    ZooKeeperElection zk = new ZooKeeperElection(cfg.election().zookeeper().orElseThrow(),
        cfg.proxy().name(), cfg.election().zookeeperSessionTimeout(), events);
    zookeeper = Optional.of(zk);
    zk.start(Duration.ofSeconds(10));
    return zk;
  }

  /**
   * The snapshot the frontends route by: the cluster view's, except that in zookeeper mode the
   * master is kept only while this proxy's view of the shared decision is proven fresh.
   */
  public RoutingSnapshot routingSnapshot() {
    RoutingSnapshot s = cluster.snapshot();
    if (zookeeper.isEmpty()) {
      return s;
    }
    WriteMaster vouched = zookeeper.get().vouch(s.master());
    return vouched == s.master() ? s : s.withMaster(vouched);
  }

  /**
   * Whether this proxy decided an epoch, so that onFailover runs on one proxy only: alone, it
   * decides every epoch; in zookeeper mode, the one whose compare-and-set wrote it does (waiting
   * a little for the answer to its own write, which may arrive after the new master is seen).
   */
  private java.util.function.LongPredicate decidedHere() {
    return zookeeper.<java.util.function.LongPredicate>map(
            zk -> epoch -> zk.wrote(epoch, Duration.ofSeconds(10)))
        .orElse(epoch -> true);
  }

  static ProbeSettings probeSettings(ProxyConfig cfg) {
    var h = cfg.health();
    return new ProbeSettings(h.interval(), h.timeout(), h.fall(), h.rise(), h.trafficFall(),
        h.path());
  }

  /** The running process, as the admin pages read it at each request. */
  private final class Running implements AdminPages.Process {
    @Override
    public String proxyName() {
      return config.get().proxy().name();
    }

    @Override
    public RoutingSnapshot routingSnapshot() {
      return ProxyProcess.this.routingSnapshot();
    }

    @Override
    public ClusterView cluster() {
      return cluster;
    }

    @Override
    public Map<String, FenceReading> fences() {
      return fenceProbe == null ? Map.of() : fenceProbe.readings();
    }

    @Override
    public ConfigStatus configStatus() {
      return configStatus.get();
    }

    @Override
    public java.util.Map<String, Integer> sshSessionsByNode() {
      return ssh.openSessionsByNode();
    }

    @Override
    public java.util.Map<String, ReplicaLag> replication() {
      return replication == null ? java.util.Map.of() : replication.lag();
    }

    @Override
    public boolean reload() {
      return ProxyProcess.this.reload();
    }

    @Override
    public Duration historyInterval() {
      return config.get().admin().historyInterval();
    }

    @Override
    public Optional<FetchGate.Stats> fetches() {
      return Optional.of(fetchGate.stats());
    }
  }

  /** When the last successful load happened. */
  public Instant loadedAt() {
    return configStatus.get().loadedAt();
  }
}
