package org.gerritproxy.core.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.gerritproxy.http.HttpFrontendSettings;
import org.gerritproxy.routing.ElectionMode;
import org.gerritproxy.routing.ElectionSettings;
import org.gerritproxy.routing.Endpoint;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.RoutingSettings;
import org.gerritproxy.routing.admission.FetchLimits;
import org.gerritproxy.routing.packcache.PackCacheSettings;
import org.gerritproxy.routing.RoutingTable;
import org.gerritproxy.ssh.SshFrontendSettings;

/**
 * The whole configuration file, validated and typed, with defaults filled in; never changed once
 * built. Only {@link ConfigLoader} builds one, so holding one means holding a valid configuration.
 * A reload builds a new one and swaps it whole.
 *
 * <p>Secrets are {@link Secret}s: {@link #toString()} and {@link #toConfigText()} show them masked,
 * so the configuration may be logged or shown on {@code /health}.
 */
public final class ProxyConfig {

  /** {@code [proxy]}. @param name this proxy's name in logs, events and {@code /health} */
  public record Proxy(String name, Duration shutdownTimeout) {}

  /**
   * {@code [admin]}.
   *
   * @param token required by the admin server when present
   * @param sslCertificate PEM certificate chain; with {@code sslKey} the admin server is HTTPS
   * @param sslKey PEM private key (PKCS#8) of {@code sslCertificate}
   */
  public record Admin(Endpoint listenAddress, Optional<Secret> token, Duration historyInterval,
      Optional<Path> sslCertificate, Optional<Path> sslKey) {
    public static final Duration DEFAULT_HISTORY_INTERVAL = Duration.ofSeconds(10);

    public Admin {
      Objects.requireNonNull(sslCertificate, "sslCertificate");
      Objects.requireNonNull(sslKey, "sslKey");
      if (sslCertificate.isPresent() != sslKey.isPresent()) {
        throw new IllegalArgumentException(
            "admin.sslCertificate and admin.sslKey go together: set both for HTTPS, or neither.");
      }
    }

    public Admin(Endpoint listenAddress, Optional<Secret> token) {
      this(listenAddress, token, DEFAULT_HISTORY_INTERVAL, Optional.empty(), Optional.empty());
    }

    /** Served over TLS. */
    public boolean isHttps() {
      return sslCertificate.isPresent();
    }

    /** These settings with {@code token} and {@code historyInterval} instead. */
    public Admin with(Optional<Secret> token, Duration historyInterval) {
      return new Admin(listenAddress, token, historyInterval, sslCertificate, sslKey);
    }
  }

  /**
   * {@code [accounts]}: the Gerrit account that may read users' SSH keys, and its HTTP password.
   */
  public record Accounts(Optional<String> user, Optional<Secret> password) {
    /**
     * The {@code Authorization} header value with which the proxy reads Gerrit as this account
     * (HTTP Basic); empty unless both the user and the password are set.
     */
    public Optional<String> basicAuthorization() {
      if (user.isEmpty() || password.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of("Basic " + java.util.Base64.getEncoder().encodeToString(
          (user.get() + ":" + password.get().reveal())
              .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
  }

  /**
   * {@code [election]}.
   *
   * @param master the master in static mode (present only then)
   * @param zookeeper the ZooKeeper connect string in zookeeper mode (present only then)
   * @param onFailover an SSH command to run on a new master after a failover
   * @param zookeeperSessionTimeout in zookeeper mode, a proxy cut off from ZooKeeper stops writing
   *     within this (at SUSPENDED, in fact sooner)
   */
  public record Election(
      ElectionMode mode,
      Optional<String> master,
      Optional<String> zookeeper,
      boolean failback,
      Optional<String> onFailover,
      Duration zookeeperSessionTimeout) {

    /** The part of this section that routing decisions read. */
    public ElectionSettings settings() {
      return new ElectionSettings(mode, master, failback);
    }
  }

  /**
   * {@code [health]}: the network probes.
   *
   * @param trafficFall failures on live traffic in a row (no success between) before a node
   *     leaves the read pool; it never makes a node DOWN, only probes do
   * @param path the HTTP path probed on each node
   */
  public record Health(
      Duration interval, Duration timeout, int fall, int rise, int trafficFall, String path) {}

  /** {@code backdoor.type}. */
  public enum BackdoorType {
    /** No second channel: a node the network cannot reach is DOWN. */
    NONE,
    /** Heartbeats in a table of the cluster's shared database. */
    JDBC,
    /** Heartbeats as refs in a shared repository. */
    GIT
  }

  /**
   * {@code [backdoor]}: the second health channel, through the cluster's shared storage.
   *
   * @param url the JDBC URL (type jdbc only)
   * @param repository the shared repository, absolute (type git only)
   * @param staleAfter a heartbeat whose sequence has not moved for this long is stale
   */
  public record Backdoor(
      BackdoorType type,
      Optional<String> url,
      Optional<String> user,
      Optional<Secret> password,
      Optional<Path> repository,
      Duration staleAfter) {}

  private final Path file;
  private final List<Path> sources;
  private final Proxy proxy;
  private final HttpFrontendSettings httpd;
  private final SshFrontendSettings sshd;
  private final Admin admin;
  private final Accounts accounts;
  private final RoutingSettings routing;
  private final Election election;
  private final Health health;
  private final Backdoor backdoor;
  private final RoutingTable routingTable;
  private final FetchLimits fetch;
  private final PackCacheSettings packCache;

  ProxyConfig(
      Path file,
      List<Path> sources,
      Proxy proxy,
      HttpFrontendSettings httpd,
      SshFrontendSettings sshd,
      Admin admin,
      Accounts accounts,
      RoutingSettings routing,
      Election election,
      Health health,
      Backdoor backdoor,
      RoutingTable routingTable,
      FetchLimits fetch,
      PackCacheSettings packCache) {
    this.file = Objects.requireNonNull(file);
    this.sources = List.copyOf(sources);
    this.proxy = Objects.requireNonNull(proxy);
    this.httpd = Objects.requireNonNull(httpd);
    this.sshd = Objects.requireNonNull(sshd);
    this.admin = Objects.requireNonNull(admin);
    this.accounts = Objects.requireNonNull(accounts);
    this.routing = Objects.requireNonNull(routing);
    this.election = Objects.requireNonNull(election);
    this.health = Objects.requireNonNull(health);
    this.backdoor = Objects.requireNonNull(backdoor);
    this.routingTable = Objects.requireNonNull(routingTable);
    this.fetch = Objects.requireNonNull(fetch);
    this.packCache = Objects.requireNonNull(packCache);
  }

  /**
   * This configuration with the listener settings that actually run: after a reload, a listener
   * that could not take its new settings keeps its old ones, and the configuration in force says
   * so.
   */
  public ProxyConfig withListeners(HttpFrontendSettings httpd, SshFrontendSettings sshd, Admin admin) {
    return new ProxyConfig(
        file, sources, proxy, httpd, sshd, admin, accounts, routing, election, health, backdoor,
        routingTable, fetch, packCache);
  }

  /** The proxy.config this was loaded from, as it was named to the loader. */
  public Path file() {
    return file;
  }

  /** The files actually read: proxy.config, then secure.config when it exists. Watch these. */
  public List<Path> sources() {
    return sources;
  }

  public Proxy proxy() {
    return proxy;
  }

  /** {@code [httpd]}, as the HTTP frontend takes it. */
  public HttpFrontendSettings httpd() {
    return httpd;
  }

  /** {@code [sshd]}, with {@code [accounts]}, as the SSH frontend takes it. */
  public SshFrontendSettings sshd() {
    return sshd;
  }

  public Admin admin() {
    return admin;
  }

  public Accounts accounts() {
    return accounts;
  }

  /** Every {@code [node "NAME"]}, in file order. */
  public List<Node> nodes() {
    return routingTable.nodes();
  }

  public Optional<Node> node(String name) {
    return routingTable.node(name);
  }

  public RoutingSettings routing() {
    return routing;
  }

  /** {@code [fetch]}: fair shares for {@code git-upload-pack}. */
  public FetchLimits fetch() {
    return fetch;
  }

  /** {@code [packCache]}: the cache of git fetch answers. */
  public PackCacheSettings packCache() {
    return packCache;
  }

  public Election election() {
    return election;
  }

  public Health health() {
    return health;
  }

  public Backdoor backdoor() {
    return backdoor;
  }

  /** The nodes with the routing and election settings, ready for routing decisions. */
  public RoutingTable routingTable() {
    return routingTable;
  }

  /**
   * The configuration in force, as a git-config text: every key with its effective value (defaults
   * included), secrets shown as {@value Secret#MASK}. For the dashboard and logs.
   */
  public String toConfigText() {
    return configText(false);
  }

  /**
   * Every key of the schema with its value in force, section by section, {@code [node "NAME"]}
   * once per node; secrets in clear only when {@code revealSecrets} (for a round trip).
   */
  String configText(boolean revealSecrets) {
    StringBuilder out = new StringBuilder();
    ConfigSchema.bySection()
        .forEach(
            (section, keys) -> {
              List<String> subsections =
                  ConfigSchema.isNamed(section)
                      ? nodes().stream().map(Node::name).toList()
                      : java.util.Collections.singletonList(null);
              for (String sub : subsections) {
                StringBuilder body = new StringBuilder();
                for (ConfigSchema.Key<?> k : keys) {
                  for (String v : k.written(this, sub, revealSecrets)) {
                    body.append('\t')
                        .append(k.name())
                        .append(" = ")
                        .append(quote(v, false))
                        .append('\n');
                  }
                }
                // [accounts] says nothing when unset; every other section shows its defaults.
                if (body.length() > 0 || sub != null) {
                  out.append('[').append(section);
                  if (sub != null) {
                    out.append(' ').append(quote(sub, true));
                  }
                  out.append("]\n").append(body);
                }
              }
            });
    return out.toString();
  }

  /**
   * Quotes a value when git would otherwise read it differently (comments, edge spaces, quotes).
   */
  private static String quote(String value, boolean always) {
    boolean plain =
        !always
            && value.equals(value.strip())
            && value.chars().noneMatch(c -> c == '#' || c == ';' || c == '"' || c == '\\');
    if (plain) {
      return value;
    }
    return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ProxyConfig c
        && file.equals(c.file)
        && sources.equals(c.sources)
        && proxy.equals(c.proxy)
        && httpd.equals(c.httpd)
        && sshd.equals(c.sshd)
        && admin.equals(c.admin)
        && accounts.equals(c.accounts)
        && routing.equals(c.routing)
        && election.equals(c.election)
        && health.equals(c.health)
        && backdoor.equals(c.backdoor)
        && routingTable.equals(c.routingTable)
        && fetch.equals(c.fetch)
        && packCache.equals(c.packCache);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        file,
        sources,
        proxy,
        httpd,
        sshd,
        admin,
        accounts,
        routing,
        election,
        health,
        backdoor,
        routingTable,
        fetch,
        packCache);
  }

  /** Every setting, secrets masked. */
  @Override
  public String toString() {
    return "ProxyConfig[file="
        + file
        + ", proxy="
        + proxy
        + ", httpd="
        + httpd
        + ", sshd="
        + sshd
        + ", admin="
        + admin
        + ", accounts="
        + accounts
        + ", nodes="
        + nodes()
        + ", routing="
        + routing
        + ", election="
        + election
        + ", health="
        + health
        + ", backdoor="
        + backdoor
        + "]";
  }
}
