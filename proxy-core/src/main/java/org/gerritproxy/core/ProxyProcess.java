package org.gerritproxy.core;

import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.gerritproxy.core.admin.AdminServer;
import org.gerritproxy.core.admin.ConfigStatus;
import org.gerritproxy.core.admin.Dashboard;
import org.gerritproxy.core.admin.HealthReport;
import org.gerritproxy.core.backdoor.Backdoor;
import org.gerritproxy.core.backdoor.Backdoors;
import org.gerritproxy.core.config.ConfigException;
import org.gerritproxy.core.config.ConfigFileWatcher;
import org.gerritproxy.core.config.ConfigLoader;
import org.gerritproxy.core.config.ProxyConfig;
import org.gerritproxy.core.config.Secret;
import org.gerritproxy.core.election.FailoverCommand;
import org.gerritproxy.core.election.WriteMasterElector;
import org.gerritproxy.core.election.ZooKeeperElection;
import org.gerritproxy.core.events.EventLog;
import org.gerritproxy.core.health.ClusterView;
import org.gerritproxy.core.health.NetworkProbe;
import org.gerritproxy.core.health.ProbeSettings;
import org.gerritproxy.core.metrics.ProxyMetrics;
import org.gerritproxy.http.BackendObserver;
import org.gerritproxy.http.HttpFrontendSettings;
import org.gerritproxy.http.HttpProxyServer;
import org.gerritproxy.routing.ElectionMode;
import org.gerritproxy.routing.Node;
import org.gerritproxy.ssh.SshFrontend;
import org.gerritproxy.ssh.SshFrontendSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running gerrit-proxy: the cluster view (probes and election), the HTTP frontend and the
 * admin listener, built from one configuration and reconfigured in place on reload.
 */
public final class ProxyProcess implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ProxyProcess.class);

  private final Path configFile;
  private final Clock clock = Clock.systemUTC();
  private final EventLog events = new EventLog(clock, 100);
  private final ProxyMetrics metrics = new ProxyMetrics(() -> this.cluster);
  private final AtomicReference<ProxyConfig> config = new AtomicReference<>();
  private final AtomicReference<ConfigStatus> configStatus = new AtomicReference<>();
  private final HttpClient probeClient;
  private ClusterView cluster;
  private Optional<Backdoor> backdoor = Optional.empty();
  private Optional<FailoverCommand> failover = Optional.empty();
  private Optional<ZooKeeperElection> zookeeper = Optional.empty();
  private HttpProxyServer http;
  private SshFrontend ssh;
  private InetSocketAddress sshAddress;
  private AdminServer admin;
  private volatile ConfigFileWatcher watcher;
  private InetSocketAddress httpAddress;
  private InetSocketAddress adminAddress;

  private ProxyProcess(Path configFile, ProxyConfig initial) {
    this.configFile = configFile;
    this.config.set(initial);
    this.configStatus.set(new ConfigStatus(configFile, clock.instant(), Optional.empty()));
    this.probeClient = HttpClient.newBuilder()
        .connectTimeout(initial.health().timeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .executor(Executors.newFixedThreadPool(2, r -> {
          Thread t = new Thread(r, "probe");
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
        new NetworkProbe(probeClient, clock), elector(cfg), events, clock, backdoor,
        cfg.backdoor().staleAfter());
    failover = Optional.of(new FailoverCommand(events));
    cluster.onMasterChange((before, after) -> {
      ProxyConfig now = config.get(); // read at each failover, so a reload applies at once
      now.election().onFailover().ifPresent(command -> failover.get().masterChanged(before,
          after.master(), after.master().node().flatMap(n -> after.table().node(n)),
          new FailoverCommand.Settings(command, now.sshd().peerKey(), now.accounts().user())));
    });
    cluster.start();
    http = new HttpProxyServer(httpSettings(cfg), cluster::snapshot, new BackendObserver() {
      @Override
      public void nodeFailed(Node node, Throwable cause) {
        cluster.trafficFailure(node.name(), cause);
      }

      @Override
      public void exchangeCompleted(org.gerritproxy.http.AccessRecord record) {
        metrics.httpExchange(record);
      }
    });
    try {
      httpAddress = http.start();
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot listen for HTTP on " + cfg.httpd().listenAddress()
          + ": " + e.getMessage() + ". Is another process using it? Change [httpd] listenAddress.", e);
    }
    ssh = new SshFrontend(sshSettings(cfg), cluster::snapshot,
        (node, cause) -> cluster.trafficFailure(node.name(), cause));
    try {
      sshAddress = ssh.start();
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot start the SSH frontend on " + cfg.sshd().listenAddress()
          + ": " + e.getMessage() + ". Check [sshd] listenAddress, hostKey and peerKey.", e);
    }
    admin = new AdminServer(cfg.admin().listenAddress(), cfg.admin().token().map(Secret::reveal),
        new Pages());
    try {
      adminAddress = admin.start();
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot listen for the admin pages on "
          + cfg.admin().listenAddress() + ": " + e.getMessage()
          + ". Is another process using it? Change [admin] listenAddress.", e);
    }
    log.info("gerrit-proxy {} serving HTTP on {} (admin on {})", cfg.proxy().name(), httpAddress,
        adminAddress);
    watchConfigFiles(cfg);
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
      configStatus.set(new ConfigStatus(configFile, configStatus.get().loadedAt(),
          Optional.of(problems)));
      events.record("reload-failed", "the configuration was not reloaded; the previous one stays in"
          + " force: " + problems);
      return false;
    }
    ProxyConfig previous = config.get();
    if ((next.election().mode() == ElectionMode.ZOOKEEPER
            || previous.election().mode() == ElectionMode.ZOOKEEPER)
        && !next.election().equals(previous.election())) {
      String why = "[election] changed to, from or within mode = zookeeper; that needs a restart of"
          + " the proxy. The previous configuration stays in force.";
      configStatus.set(new ConfigStatus(configFile, configStatus.get().loadedAt(), Optional.of(why)));
      events.record("reload-failed", why);
      return false;
    }
    cluster.reconfigure(next.routingTable(), probeSettings(next));
    cluster.staleAfter(next.backdoor().staleAfter());
    if (previous.backdoor().type() != next.backdoor().type()
        || !previous.backdoor().url().equals(next.backdoor().url())
        || !previous.backdoor().repository().equals(next.backdoor().repository())) {
      events.record("reload", "[backdoor] type, url or repository changed; the new backdoor is"
          + " used after a restart of the proxy (staleAfter applies now)");
    }
    config.set(next);
    configStatus.set(new ConfigStatus(configFile, clock.instant(), Optional.empty()));
    if (!previous.httpd().equals(next.httpd()) || !previous.admin().equals(next.admin())) {
      events.record("reload", "listener settings changed ([httpd] or [admin]); they take effect"
          + " after a restart of the proxy");
    }
    events.record("reload", "configuration reloaded from " + configFile);
    return true;
  }

  public InetSocketAddress httpAddress() {
    return httpAddress;
  }

  public InetSocketAddress sshAddress() {
    return sshAddress;
  }

  public InetSocketAddress adminAddress() {
    return adminAddress;
  }

  public ClusterView cluster() {
    return cluster;
  }

  public ProxyConfig config() {
    return config.get();
  }

  /** Stops accepting, lets requests in flight finish up to {@code [proxy] shutdownTimeout}. */
  @Override
  public void close() {
    if (watcher != null) {
      watcher.close();
    }
    Duration grace = config.get().proxy().shutdownTimeout();
    if (http != null) {
      http.shutdownGracefully(grace);
    }
    if (ssh != null) {
      ssh.close();
    }
    if (admin != null) {
      admin.close();
    }
    if (cluster != null) {
      cluster.close();
    }
    backdoor.ifPresent(Backdoor::close);
    zookeeper.ifPresent(ZooKeeperElection::close);
    failover.ifPresent(FailoverCommand::close);
    events.record("stop", "gerrit-proxy stopped");
  }

  /** This proxy alone decides, or (zookeeper mode) it follows the shared decision. */
  private WriteMasterElector elector(ProxyConfig cfg) throws InterruptedException {
    if (cfg.election().mode() != ElectionMode.ZOOKEEPER) {
      return WriteMasterElector.alone();
    }
    ZooKeeperElection zk = new ZooKeeperElection(cfg.election().zookeeper().orElseThrow(),
        cfg.proxy().name(), zookeeperSessionTimeout(), events);
    zookeeper = Optional.of(zk);
    zk.start(Duration.ofSeconds(10));
    return zk;
  }

  /** A proxy cut off from ZooKeeper stops writing within this (at SUSPENDED, in fact sooner). */
  static Duration zookeeperSessionTimeout() {
    return Duration.ofSeconds(Long.getLong("gerrit-proxy.zookeeper.sessionTimeoutSeconds", 10));
  }

  static ProbeSettings probeSettings(ProxyConfig cfg) {
    var h = cfg.health();
    return new ProbeSettings(h.interval(), h.timeout(), h.fall(), h.rise(), h.path());
  }

  static HttpFrontendSettings httpSettings(ProxyConfig cfg) {
    var h = cfg.httpd();
    return new HttpFrontendSettings(
        h.listenAddress(),
        h.tls().map(t -> t.certificate()),
        h.tls().map(t -> t.key()),
        h.maxHeaderSize(),
        h.headerTimeout(),
        h.idleTimeout(),
        h.nodeHeader(),
        h.connectTimeout(),
        cfg.proxy().name());
  }

  static SshFrontendSettings sshSettings(ProxyConfig cfg) {
    var s = cfg.sshd();
    return SshFrontendSettings.of(s.listenAddress(), s.hostKeys(), s.peerKey(),
        cfg.accounts().user(), cfg.accounts().password().map(Secret::reveal), cfg.proxy().name())
        .withKeyCacheTtl(s.keyCacheTtl());
  }

  private final class Pages implements AdminServer.Pages {
    @Override
    public AdminServer.Response health() {
      var snapshot = cluster.snapshot();
      var doc = HealthReport.build(config.get().proxy().name(), snapshot, cluster.nodes(),
          configStatus.get(), events.recent());
      return new AdminServer.Response(HealthReport.healthy(snapshot) ? 200 : 503,
          "application/json", HealthReport.toJson(doc));
    }

    @Override
    public AdminServer.Response metrics() {
      return new AdminServer.Response(200, metrics.contentType(), metrics.scrape());
    }

    @Override
    public AdminServer.Response dashboard() {
      return new AdminServer.Response(200, "text/html; charset=utf-8",
          Dashboard.render(config.get().proxy().name(), cluster.snapshot(), cluster.nodes(),
              configStatus.get(), events.recent()));
    }

    @Override
    public AdminServer.Response reload() {
      boolean ok = ProxyProcess.this.reload();
      ConfigStatus status = configStatus.get();
      return ok
          ? new AdminServer.Response(200, "text/plain; charset=utf-8",
              "Reloaded " + configFile + " at " + status.loadedAt() + ".\n")
          : new AdminServer.Response(400, "text/plain; charset=utf-8",
              "The configuration was not reloaded; the previous one stays in force.\n"
                  + status.lastError().orElse("") + "\n");
    }
  }

  /** When the last successful load happened. */
  public Instant loadedAt() {
    return configStatus.get().loadedAt();
  }
}
