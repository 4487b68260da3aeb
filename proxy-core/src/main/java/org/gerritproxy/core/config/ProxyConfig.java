package org.gerritproxy.core.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.gerritproxy.routing.ElectionMode;
import org.gerritproxy.routing.ElectionSettings;
import org.gerritproxy.routing.Endpoint;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.RoutingSettings;
import org.gerritproxy.routing.RoutingTable;

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
   * {@code [httpd]}.
   *
   * @param tls present when both {@code sslCertificate} and {@code sslKey} are set: serve HTTPS
   * @param maxHeaderSize the most bytes of request line and headers accepted
   * @param headerTimeout how long a client may take to send its request line and headers
   * @param idleTimeout how long a connection may stay silent
   * @param connectTimeout how long to wait for a node to accept a connection
   * @param nodeHeader the response header naming the node that served it; empty when off
   */
  public record Httpd(
      Endpoint listenAddress,
      Optional<Tls> tls,
      int maxHeaderSize,
      Duration headerTimeout,
      Duration idleTimeout,
      Duration connectTimeout,
      Optional<String> nodeHeader) {}

  /** The PEM files that make {@code [httpd]} serve HTTPS; absolute paths. */
  public record Tls(Path certificate, Path key) {}

  /**
   * {@code [sshd]}; paths are absolute.
   *
   * @param hostKeys the server's host keys, generated when missing
   * @param peerKey the private key the proxy logs in to nodes with
   * @param keyCacheTtl how long a user's keys read from Gerrit are trusted; a key deleted in
   *     Gerrit stops working within it
   */
  public record Sshd(
      Endpoint listenAddress, List<Path> hostKeys, Path peerKey, Duration keyCacheTtl) {
    public Sshd {
      hostKeys = List.copyOf(hostKeys);
    }
  }

  /** {@code [admin]}. @param token required by the admin server when present */
  public record Admin(Endpoint listenAddress, Optional<Secret> token) {}

  /**
   * {@code [accounts]}: the Gerrit account that may read users' SSH keys, and its HTTP password.
   */
  public record Accounts(Optional<String> user, Optional<Secret> password) {}

  /**
   * {@code [election]}.
   *
   * @param master the master in static mode (present only then)
   * @param zookeeper the ZooKeeper connect string in zookeeper mode (present only then)
   * @param onFailover an SSH command to run on a new master after a failover
   */
  public record Election(
      ElectionMode mode,
      Optional<String> master,
      Optional<String> zookeeper,
      boolean failback,
      Optional<String> onFailover) {

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
  private final Httpd httpd;
  private final Sshd sshd;
  private final Admin admin;
  private final Accounts accounts;
  private final RoutingSettings routing;
  private final Election election;
  private final Health health;
  private final Backdoor backdoor;
  private final RoutingTable routingTable;

  ProxyConfig(
      Path file,
      List<Path> sources,
      Proxy proxy,
      Httpd httpd,
      Sshd sshd,
      Admin admin,
      Accounts accounts,
      RoutingSettings routing,
      Election election,
      Health health,
      Backdoor backdoor,
      RoutingTable routingTable) {
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

  public Httpd httpd() {
    return httpd;
  }

  public Sshd sshd() {
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
    StringBuilder out = new StringBuilder();
    section(out, "proxy");
    key(out, "name", proxy.name());
    key(out, "shutdownTimeout", Durations.format(proxy.shutdownTimeout()));
    section(out, "httpd");
    key(out, "listenAddress", httpd.listenAddress().toString());
    httpd
        .tls()
        .ifPresent(
            t -> {
              key(out, "sslCertificate", t.certificate().toString());
              key(out, "sslKey", t.key().toString());
            });
    key(out, "maxHeaderSize", Sizes.format(httpd.maxHeaderSize()));
    key(out, "headerTimeout", Durations.format(httpd.headerTimeout()));
    key(out, "idleTimeout", Durations.format(httpd.idleTimeout()));
    key(out, "connectTimeout", Durations.format(httpd.connectTimeout()));
    key(out, "nodeHeader", httpd.nodeHeader().orElse(""));
    section(out, "sshd");
    key(out, "listenAddress", sshd.listenAddress().toString());
    sshd.hostKeys().forEach(k -> key(out, "hostKey", k.toString()));
    key(out, "peerKey", sshd.peerKey().toString());
    section(out, "admin");
    key(out, "listenAddress", admin.listenAddress().toString());
    admin.token().ifPresent(t -> key(out, "token", t.toString()));
    if (accounts.user().isPresent() || accounts.password().isPresent()) {
      section(out, "accounts");
      accounts.user().ifPresent(u -> key(out, "user", u));
      accounts.password().ifPresent(p -> key(out, "password", p.toString()));
    }
    for (Node n : nodes()) {
      out.append("[node ").append(quote(n.name(), true)).append("]\n");
      key(out, "http", n.http().toString());
      key(out, "ssh", n.ssh().toString());
      key(out, "priority", Integer.toString(n.priority()));
      key(out, "weight", Integer.toString(n.weight()));
      key(out, "state", lower(n.adminState()));
    }
    section(out, "routing");
    key(out, "writes", lower(routing.writes()));
    key(out, "readYourWrites", Durations.format(routing.readYourWrites()));
    section(out, "election");
    key(out, "mode", lower(election.mode()));
    election.master().ifPresent(m -> key(out, "master", m));
    election.zookeeper().ifPresent(z -> key(out, "zookeeper", z));
    key(out, "failback", Boolean.toString(election.failback()));
    election.onFailover().ifPresent(c -> key(out, "onFailover", c));
    section(out, "health");
    key(out, "interval", Durations.format(health.interval()));
    key(out, "timeout", Durations.format(health.timeout()));
    key(out, "fall", Integer.toString(health.fall()));
    key(out, "rise", Integer.toString(health.rise()));
    key(out, "trafficFall", Integer.toString(health.trafficFall()));
    key(out, "path", health.path());
    section(out, "backdoor");
    key(out, "type", lower(backdoor.type()));
    backdoor.url().ifPresent(u -> key(out, "url", u));
    backdoor.user().ifPresent(u -> key(out, "user", u));
    backdoor.password().ifPresent(p -> key(out, "password", p.toString()));
    backdoor.repository().ifPresent(r -> key(out, "repository", r.toString()));
    key(out, "staleAfter", Durations.format(backdoor.staleAfter()));
    return out.toString();
  }

  private static void section(StringBuilder out, String name) {
    out.append('[').append(name).append("]\n");
  }

  private static void key(StringBuilder out, String name, String value) {
    out.append('\t').append(name).append(" = ").append(quote(value, false)).append('\n');
  }

  private static String lower(Enum<?> e) {
    return e.name().toLowerCase(java.util.Locale.ROOT);
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
        && routingTable.equals(c.routingTable);
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
        routingTable);
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
