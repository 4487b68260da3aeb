package org.gerritproxy.core.config;

import static org.gerritproxy.core.config.ConfigSchema.*;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.gerritproxy.core.config.ConfigSource.Value;
import org.gerritproxy.core.config.ProxyConfig.Accounts;
import org.gerritproxy.core.config.ProxyConfig.Admin;
import org.gerritproxy.core.config.ProxyConfig.Backdoor;
import org.gerritproxy.core.config.ProxyConfig.BackdoorType;
import org.gerritproxy.core.config.ProxyConfig.Election;
import org.gerritproxy.core.config.ProxyConfig.Health;
import org.gerritproxy.http.HttpFrontendSettings;
import org.gerritproxy.routing.AdminState;
import org.gerritproxy.routing.DistinctServers;
import org.gerritproxy.routing.ElectionMode;
import org.gerritproxy.routing.Endpoint;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.ClusterSettings;
import org.gerritproxy.routing.RoutingSettings;
import org.gerritproxy.routing.StorageMode;
import org.gerritproxy.routing.admission.FetchLimits;
import org.gerritproxy.routing.packcache.PackCacheSettings;
import org.gerritproxy.routing.packcache.ProjectPatterns;
import org.gerritproxy.routing.RoutingTable;
import org.gerritproxy.routing.WritesMode;
import org.gerritproxy.ssh.LoginThrottle;
import org.gerritproxy.ssh.SshAlgorithms;
import org.gerritproxy.ssh.SshFrontendSettings;

/**
 * Turns the parsed proxy.config (and secure.config) into a {@link ProxyConfig}, reporting every
 * problem it meets with the line to blame. One instance reads one load.
 *
 * <p>Each key is declared in {@link ConfigSchema}; {@link #field} returns its value, its default
 * when the key is absent, or null when the value is wrong (the problem is reported then). What is
 * written here beside the schema is the rules between keys. A section whose fields are not all
 * valid yields null; the config is built only when nothing at all was reported.
 */
final class ConfigReader {

  private final ConfigSource main;
  private final ConfigSource secure; // null when there is no secure.config
  private final Problems problems;
  private final Path directory;

  /** Node names declared more than once: their keys are not also reported as duplicates. */
  private final Set<String> redeclaredNodes = new HashSet<>();

  ConfigReader(ConfigSource main, ConfigSource secure, Problems problems) {
    this.main = main;
    this.secure = secure;
    this.problems = problems;
    Path parent = main.path().toAbsolutePath().getParent();
    this.directory = parent != null ? parent : main.path().toAbsolutePath();
  }

  /** The configuration, or null when anything was reported. */
  ProxyConfig read() {
    checkStructure(main, false);
    if (secure != null) {
      checkStructure(secure, true);
    }
    ProxyConfig.Proxy proxy = proxy();
    Accounts accounts = accounts();
    HttpFrontendSettings httpd = httpd(proxy);
    SshFrontendSettings sshd = sshd(proxy, accounts);
    Admin admin = admin();
    List<Node> nodes = nodes();
    RoutingSettings routing = routing();
    FetchLimits fetch = fetch(accounts);
    PackCacheSettings packCache = packCache();
    Election election = election(nodes);
    Health health = health();
    Backdoor backdoor = backdoor();
    ClusterSettings cluster = cluster(accounts);
    checkPortsApart(httpd, sshd, admin);
    if (!problems.isEmpty()) {
      return null;
    }
    RoutingTable.Builder table =
        RoutingTable.builder().routing(routing).election(election.settings()).cluster(cluster);
    nodes.forEach(table::addNode);
    RoutingTable built;
    try {
      built = table.build();
    } catch (IllegalArgumentException e) {
      // Our own checks should have caught each of these with a line; say them all the same.
      for (String p : e.getMessage().split("\n")) {
        problems.add(main.path(), 0, p);
      }
      return null;
    }
    List<Path> sources =
        secure == null ? List.of(main.path()) : List.of(main.path(), secure.path());
    return new ProxyConfig(
        main.path(),
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
        built,
        fetch,
        packCache);
  }

  // ---------------------------------------------------------------- structure

  /** Unknown sections and keys, misplaced names, repeated keys, keys lost after a header. */
  private void checkStructure(ConfigSource source, boolean isSecure) {
    Set<String> reportedSections = new HashSet<>();
    Map<String, Integer> nodeHeaders = new HashMap<>();
    for (LineIndex.Header h : source.index().headers()) {
      String shown = shown(h.section(), h.subsection());
      if (!h.trailing().isEmpty()) {
        problem(
            source,
            h.line(),
            "'"
                + h.trailing()
                + "' after "
                + shown
                + " on the same line is ignored by git-config"
                + " parsers: put it on a line of its own below the header.");
      }
      Optional<ConfigSchema.Section> spec = ConfigSchema.section(h.section());
      if (spec.isEmpty()) {
        if (reportedSections.add(h.section())) {
          problem(
              source,
              h.line(),
              "unknown section ["
                  + h.section()
                  + "]"
                  + ConfigSchema.closest(h.section(), ConfigSchema.sectionNames())
                      .map(s -> "; did you mean [" + s + "]?")
                      .orElse(
                          "; the sections are "
                              + String.join(", ", ConfigSchema.sectionNames())
                              + "."));
        }
      } else if (spec.get().named() && h.subsection() == null) {
        problem(
            source,
            h.line(),
            "["
                + h.section()
                + "] needs a name: write ["
                + h.section()
                + " \"NAME\"], one section"
                + " per Gerrit server.");
      } else if (!spec.get().named() && h.subsection() != null) {
        problem(source, h.line(), shown + " takes no name: write [" + h.section() + "].");
      } else if (spec.get().named()) {
        Integer first = nodeHeaders.putIfAbsent(h.subsection(), h.line());
        if (first != null && redeclaredNodes.add(h.subsection())) {
          problem(source, h.line(), Node.redeclared(h.subsection(), "on line " + first));
        }
      }
    }
    Map<String, Integer> seen = new HashMap<>();
    for (LineIndex.Entry e : source.index().entries()) {
      Optional<ConfigSchema.Section> spec = ConfigSchema.section(e.section());
      if (spec.isEmpty() || spec.get().named() != (e.subsection() != null)) {
        continue; // the header was reported
      }
      String shownSection = shown(e.section(), e.subsection());
      Optional<ConfigSchema.Key<?>> key = spec.get().key(e.name());
      if (key.isEmpty()) {
        problem(source, e.line(), unknownKey(e.name(), spec.get(), shownSection));
        continue;
      }
      if (isSecure && !key.get().secret()) {
        problem(
            source,
            e.line(),
            "secure.config holds only secrets (passwords and tokens): move "
                + shownSection
                + " "
                + key.get().name()
                + " to "
                + main.path().getFileName()
                + ".");
        continue;
      }
      String id = e.section() + "\u0000" + e.subsection() + "\u0000" + e.key();
      Integer first = seen.putIfAbsent(id, e.line());
      if (first != null
          && !key.get().repeatable()
          && !(spec.get().named() && redeclaredNodes.contains(e.subsection()))) {
        problem(
            source,
            e.line(),
            shownSection
                + " "
                + key.get().name()
                + " is already set on line "
                + first
                + ": keep one of them.");
      }
    }
  }

  private static String unknownKey(String name, ConfigSchema.Section spec, String shownSection) {
    String what = "unknown key '" + name + "' in " + shownSection;
    Optional<String> near = ConfigSchema.closest(name, spec.keyNames());
    if (near.isPresent()) {
      return what + "; did you mean '" + near.get() + "'?";
    }
    List<String> elsewhere = ConfigSchema.sectionsWithKey(name, spec.name());
    if (!elsewhere.isEmpty()) {
      return what + "; " + name + " belongs in [" + String.join("] or [", elsewhere) + "].";
    }
    return what
        + "; the keys of ["
        + spec.name()
        + "] are "
        + String.join(", ", spec.keyNames())
        + ".";
  }

  // ---------------------------------------------------------------- sections

  private ProxyConfig.Proxy proxy() {
    // The host name is looked up only when the name is not set.
    String name = isSet(PROXY_NAME) ? field(PROXY_NAME) : hostName();
    Duration shutdown = field(PROXY_SHUTDOWN_TIMEOUT);
    return allValid(name, shutdown) ? new ProxyConfig.Proxy(name, shutdown) : null;
  }

  /** {@code [httpd]}; {@code proxy} is null when that section is wrong. */
  private HttpFrontendSettings httpd(ProxyConfig.Proxy proxy) {
    Endpoint listen = field(HTTPD_LISTEN);
    Optional<Value> cert = value(HTTPD_SSL_CERTIFICATE, null);
    Path certPath = field(HTTPD_SSL_CERTIFICATE);
    Path keyPath = field(HTTPD_SSL_KEY);
    boolean tlsValid = bothOrNeither(HTTPD_SSL_CERTIFICATE, HTTPD_SSL_KEY);
    Integer maxHeader = field(HTTPD_MAX_HEADER_SIZE);
    Duration headerTimeout = field(HTTPD_HEADER_TIMEOUT);
    Duration idleTimeout = field(HTTPD_IDLE_TIMEOUT);
    Duration connectTimeout = field(HTTPD_CONNECT_TIMEOUT);
    String nodeHeader = field(HTTPD_NODE_HEADER);
    List<org.gerritproxy.routing.Cidr> proxyFrom = all(HTTPD_PROXY_PROTOCOL_FROM);
    Boolean http2 = field(HTTPD_HTTP2);
    if (!tlsValid
        || !allValid(listen, maxHeader, headerTimeout, idleTimeout, connectTimeout, nodeHeader,
            proxyFrom, http2)
        || (cert.isPresent() && (certPath == null || keyPath == null))
        || proxy == null) {
      return null;
    }
    return new HttpFrontendSettings(
        listen,
        Optional.ofNullable(certPath),
        Optional.ofNullable(keyPath),
        maxHeader,
        headerTimeout,
        idleTimeout,
        nodeHeader.isEmpty() ? Optional.empty() : Optional.of(nodeHeader),
        connectTimeout,
        proxy.name(),
        proxyFrom,
        http2);
  }

  /** {@code [sshd]}, with the account it reads users' keys as; null when any of them is wrong. */
  private SshFrontendSettings sshd(ProxyConfig.Proxy proxy, Accounts accounts) {
    Endpoint listen = field(SSHD_LISTEN);
    List<Path> hostKeys = new ArrayList<>();
    boolean valid = true;
    List<Value> given = main.values("sshd", null, SSHD_HOST_KEY.name());
    for (Value v : given) {
      if (v.text().isBlank()) {
        problem(
            v,
            "[sshd] hostKey is empty: write hostKey = PATH, or remove the line to get the"
                + " default ("
                + SSHD_HOST_KEY.defaultText()
                + ").");
        valid = false;
        continue;
      }
      Path p = parse(v, "[sshd] hostKey", SSHD_HOST_KEY.type());
      if (p == null) {
        valid = false;
      } else {
        hostKeys.add(p);
      }
    }
    if (given.isEmpty()) {
      hostKeys.add(defaultOf(SSHD_HOST_KEY));
    }
    Path peerKey = field(SSHD_PEER_KEY);
    Duration keyCacheTtl = field(SSHD_KEY_CACHE_TTL);
    Integer maxLoginFailures = field(SSHD_MAX_LOGIN_FAILURES);
    Duration loginFailureWindow = field(SSHD_LOGIN_FAILURE_WINDOW);
    Duration loginBlock = field(SSHD_LOGIN_BLOCK);
    Duration loginGrace = field(SSHD_LOGIN_GRACE_TIME);
    Duration idle = field(SSHD_IDLE_TIMEOUT);
    Duration keepAlive = field(SSHD_KEEP_ALIVE_INTERVAL);
    if (idle != null && keepAlive != null && !idle.isZero() && !keepAlive.isZero()
        && keepAlive.compareTo(idle) >= 0) {
      problem("sshd", null, isSet(SSHD_KEEP_ALIVE_INTERVAL) ? "keepAliveInterval" : "idleTimeout",
          "[sshd] keepAliveInterval = " + Durations.format(keepAlive) + " is not shorter than"
              + " idleTimeout = " + Durations.format(idle) + ", so a quiet but live connection"
              + " (gerrit stream-events) would be cut: make keepAliveInterval shorter, or"
              + " idleTimeout longer.");
      valid = false;
    }
    SshAlgorithms algorithms = SshAlgorithms.DEFAULTS;
    for (ConfigSchema.Key<String> k :
        List.of(SSHD_KEX, SSHD_CIPHER, SSHD_MAC, SSHD_HOST_KEY_ALGORITHM)) {
      List<String> names = all(k);
      if (names == null) {
        valid = false;
        continue;
      }
      if (names.isEmpty()) {
        continue;
      }
      SshAlgorithms.Kind kind = kindOf(k);
      try {
        algorithms = algorithms.with(kind, SshAlgorithms.resolve(kind, names));
      } catch (IllegalArgumentException e) {
        problem(main.values("sshd", null, k.name()).get(0), "[sshd] " + k.name() + ": "
            + e.getMessage());
        valid = false;
      }
    }
    Path knownHosts = field(SSHD_NODE_KNOWN_HOSTS);
    if (knownHosts != null) {
      Optional<String> unreadable = SshFrontendSettings.knownHostsProblem(knownHosts);
      if (unreadable.isPresent()) {
        problem("sshd", null, "nodeKnownHosts", "[sshd] nodeKnownHosts: " + unreadable.get());
        valid = false;
      }
    }
    List<org.gerritproxy.routing.Cidr> proxyFrom = all(SSHD_PROXY_PROTOCOL_FROM);
    if (!valid
        || !allValid(
            listen, peerKey, keyCacheTtl, maxLoginFailures, loginFailureWindow, loginBlock,
            loginGrace, idle, keepAlive, proxyFrom)
        || !setValid(knownHosts, SSHD_NODE_KNOWN_HOSTS)
        || proxy == null
        || accounts == null) {
      return null;
    }
    return SshFrontendSettings.of(
            listen,
            hostKeys,
            peerKey,
            accounts.user(),
            accounts.password().map(Secret::reveal),
            proxy.name())
        .withKeyCacheTtl(keyCacheTtl)
        .withLoginThrottle(
            new LoginThrottle.Settings(maxLoginFailures, loginFailureWindow, loginBlock))
        .withTimeouts(loginGrace, idle, keepAlive)
        .withAlgorithms(algorithms)
        .withNodeKnownHosts(Optional.ofNullable(knownHosts))
        .withProxyProtocolFrom(proxyFrom);
  }

  private static SshAlgorithms.Kind kindOf(ConfigSchema.Key<String> key) {
    return key == SSHD_KEX ? SshAlgorithms.Kind.KEX
        : key == SSHD_CIPHER ? SshAlgorithms.Kind.CIPHER
        : key == SSHD_MAC ? SshAlgorithms.Kind.MAC
        : SshAlgorithms.Kind.HOST_KEY_ALGORITHM;
  }

  /**
   * Every value of a repeatable {@code [section]} key, parsed, in file order; null when any is
   * wrong (each is reported).
   */
  private <T> List<T> all(ConfigSchema.Key<T> key) {
    List<T> out = new ArrayList<>();
    boolean valid = true;
    for (Value v : main.values(key.section(), null, key.name())) {
      if (v.bare() || v.text().isBlank()) {
        problem(v, "[" + key.section() + "] " + key.name() + " is empty: give it a value, or"
            + " remove the line.");
        valid = false;
        continue;
      }
      T parsed = parse(v, "[" + key.section() + "] " + key.name(), key.type());
      if (parsed == null) {
        valid = false;
      } else {
        out.add(parsed);
      }
    }
    return valid ? out : null;
  }

  private Admin admin() {
    Endpoint listen = field(ADMIN_LISTEN);
    Secret token = field(ADMIN_TOKEN);
    boolean tlsValid = bothOrNeither(ADMIN_SSL_CERTIFICATE, ADMIN_SSL_KEY);
    Path certPath = field(ADMIN_SSL_CERTIFICATE);
    Path keyPath = field(ADMIN_SSL_KEY);
    if (listen == null || (token == null && isSet(ADMIN_TOKEN))) {
      return null;
    }
    boolean valid = tlsValid;
    if (token == null && !listen.isLoopback()) {
      problem(
          "admin",
          null,
          "listenAddress",
          "[admin] listenAddress = "
              + listen
              + " is reachable from other hosts, so the admin"
              + " server needs a token: set [admin] token (best in secure.config), or listen on"
              + " 127.0.0.1.");
      valid = false;
    }
    // Refused rather than warned about: off loopback the token would cross the network in clear
    // at every request, and anyone on the path could then reload or read the proxy's state.
    if (!listen.isLoopback() && !isSet(ADMIN_SSL_CERTIFICATE) && !isSet(ADMIN_SSL_KEY)) {
      problem(
          "admin",
          null,
          "listenAddress",
          "[admin] listenAddress = "
              + listen
              + " is reachable from other hosts, so the admin token would travel in clear: set"
              + " [admin] sslCertificate and sslKey (PEM files) to serve the admin pages over"
              + " HTTPS, or listen on 127.0.0.1.");
      valid = false;
    }
    Duration historyInterval = field(ADMIN_HISTORY_INTERVAL);
    if (!valid || historyInterval == null
        || (isSet(ADMIN_SSL_CERTIFICATE) && (certPath == null || keyPath == null))) {
      return null;
    }
    return new Admin(listen, Optional.ofNullable(token), historyInterval,
        Optional.ofNullable(certPath), Optional.ofNullable(keyPath));
  }

  /**
   * A listener's {@code sslCertificate} and {@code sslKey}: both set (HTTPS) or neither (HTTP);
   * one alone is a problem on its line.
   */
  private boolean bothOrNeither(Key<Path> certificate, Key<Path> key) {
    Optional<Value> cert = value(certificate, null);
    Optional<Value> k = value(key, null);
    if (cert.isPresent() == k.isPresent()) {
      return true;
    }
    problem(
        cert.orElseGet(k::get),
        "[" + certificate.section() + "] "
            + (cert.isPresent()
                ? "sslCertificate is set without sslKey"
                : "sslKey is set without sslCertificate")
            + ": HTTPS needs both PEM files, the certificate chain and its private key; HTTP"
            + " neither.");
    return false;
  }

  private Accounts accounts() {
    String user = field(ACCOUNTS_USER);
    Secret password = field(ACCOUNTS_PASSWORD);
    boolean userSet = isSet(ACCOUNTS_USER);
    boolean passwordSet = isSet(ACCOUNTS_PASSWORD);
    if (userSet && !passwordSet) {
      problem(
          "accounts",
          null,
          "user",
          "[accounts] user is set without its password: add [accounts] password (the account's"
              + " HTTP password) to secure.config.");
      return null;
    }
    if (passwordSet && !userSet) {
      problem(
          "accounts",
          null,
          "password",
          "[accounts] password is set without a user: add [accounts] user, the Gerrit account"
              + " it belongs to.");
      return null;
    }
    if ((userSet && user == null) || (passwordSet && password == null)) {
      return null;
    }
    return new Accounts(Optional.ofNullable(user), Optional.ofNullable(password));
  }

  /** The valid nodes, in file order; the invalid ones are reported. */
  private List<Node> nodes() {
    Set<String> names = declaredNodes();
    if (names.isEmpty()) {
      problems.add(main.path(), 0, RoutingTable.NO_NODE);
    }
    List<Node> nodes = new ArrayList<>();
    DistinctServers servers = new DistinctServers();
    for (String name : names) {
      String shown = shown("node", name);
      boolean valid = true;
      Optional<String> wrongName = Node.nameProblem(name);
      if (wrongName.isPresent()) {
        problem(main, main.headerLine("node", name), wrongName.get());
        valid = false;
      }
      URI http =
          required(
              NODE_HTTP,
              name,
              shown
                  + " has no http: add http = http://HOST:8080, the base URL of that node's"
                  + " Gerrit.");
      Endpoint ssh =
          required(
              NODE_SSH,
              name,
              shown + " has no ssh: add ssh = HOST:29418, that node's Gerrit SSH daemon.");
      Integer priority = field(NODE_PRIORITY, name);
      Integer weight = field(NODE_WEIGHT, name);
      AdminState state = field(NODE_STATE, name);
      Optional<String> sameHttp = http == null ? Optional.empty() : servers.http(name, http);
      if (sameHttp.isPresent()) {
        problem("node", name, "http", sameHttp.get());
        valid = false;
      }
      Optional<String> sameSsh = ssh == null ? Optional.empty() : servers.ssh(name, ssh);
      if (sameSsh.isPresent()) {
        problem("node", name, "ssh", sameSsh.get());
        valid = false;
      }
      if (valid && allValid(http, ssh, priority, weight, state)) {
        nodes.add(new Node(name, http, ssh, priority, weight, state));
      }
    }
    return nodes;
  }

  private Set<String> declaredNodes() {
    Set<String> names = new LinkedHashSet<>();
    for (LineIndex.Header h : main.index().headers()) {
      if (h.section().equals("node") && h.subsection() != null) {
        names.add(h.subsection());
      }
    }
    return names;
  }

  private RoutingSettings routing() {
    WritesMode writes = field(ROUTING_WRITES);
    Duration ryw = field(ROUTING_READ_YOUR_WRITES);
    return allValid(writes, ryw) ? new RoutingSettings(writes, ryw) : null;
  }

  private ClusterSettings cluster(Accounts accounts) {
    StorageMode storage = field(CLUSTER_STORAGE);
    Duration maxLag = field(CLUSTER_MAX_REPLICATION_LAG);
    if (!allValid(storage, maxLag)) {
      return null;
    }
    if (storage == StorageMode.REPLICATED && accounts != null && accounts.user().isEmpty()) {
      // Without it the proxy learns no update made elsewhere than through itself (submits, REST).
      problem("cluster", null, "storage",
          "[cluster] storage = replicated needs [accounts] user and password: the Gerrit account"
              + " that streams the master's ref-updated events and reads the nodes' refs.");
      return null;
    }
    return new ClusterSettings(storage, maxLag);
  }

  private FetchLimits fetch(Accounts accounts) {
    Integer perNode = field(FETCH_MAX_PER_NODE);
    Integer perNodeBatch = field(FETCH_MAX_BATCH_PER_NODE);
    Integer perAccount = field(FETCH_MAX_PER_ACCOUNT);
    Integer maxQueued = field(FETCH_MAX_QUEUED);
    Duration timeout = field(FETCH_QUEUE_TIMEOUT);
    java.util.regex.Pattern userAgent = field(FETCH_BATCH_USER_AGENT);
    Set<String> batch = new LinkedHashSet<>();
    boolean valid = allValid(perNode, perNodeBatch, perAccount, maxQueued, timeout)
        && setValid(userAgent, FETCH_BATCH_USER_AGENT);
    // A batch limit at or above the node limit leaves people nothing: say so rather than accept
    // a setting that does not do what it is for.
    if (valid && perNode > 0 && perNodeBatch >= perNode) {
      problem("fetch", null, FETCH_MAX_BATCH_PER_NODE.name(), "[fetch] maxBatchPerNode ("
          + perNodeBatch + ") must be below maxPerNode (" + perNode + "), so that some of a"
          + " node's slots stay free for people: lower it, or set it to 0 to let batch work take"
          + " every slot.");
      valid = false;
    }
    for (Value v : main.values("fetch", null, FETCH_BATCH_ACCOUNT.name())) {
      if (v.bare() || v.text().isBlank()) {
        problem(v, "[fetch] batchAccount is empty: write batchAccount = USER (a Gerrit user name),"
            + " or remove the line.");
        valid = false;
      } else {
        batch.add(v.text().strip());
      }
    }
    Set<String> groups = new LinkedHashSet<>();
    for (Value v : main.values("fetch", null, FETCH_BATCH_GROUP.name())) {
      if (v.bare() || v.text().isBlank()) {
        problem(v, "[fetch] batchGroup is empty: write batchGroup = GROUP (a Gerrit group's name"
            + " or UUID), or remove the line.");
        valid = false;
      } else {
        groups.add(v.text().strip());
      }
    }
    if (!groups.isEmpty() && accounts != null
        && (accounts.user().isEmpty() || accounts.password().isEmpty())) {
      problem("fetch", null, FETCH_BATCH_GROUP.name(),
          "[fetch] batchGroup needs [accounts] user and password: the Gerrit account that reads"
              + " the group's members. Set them, or name the accounts with batchAccount.");
      valid = false;
    }
    return valid
        ? new FetchLimits(perNode, perAccount, maxQueued, timeout, batch,
            java.util.Optional.ofNullable(userAgent), groups, perNodeBatch)
        : null;
  }

  private PackCacheSettings packCache() {
    java.nio.file.Path directory = field(PACK_CACHE_DIRECTORY);
    Long maxSize = field(PACK_CACHE_MAX_SIZE);
    List<String> patterns = new ArrayList<>();
    boolean valid = allValid(maxSize) && setValid(directory, PACK_CACHE_DIRECTORY);
    for (Value v : main.values("packCache", null, PACK_CACHE_PROJECT.name())) {
      if (v.bare() || v.text().isBlank()) {
        problem(v, "[packCache] project is empty: write project = NAME (or ci/*, or ^regex),"
            + " or remove the line.");
        valid = false;
        continue;
      }
      try {
        patterns.add(PACK_CACHE_PROJECT.type().read(v.text(), this.directory));
      } catch (IllegalArgumentException e) {
        problem(v, "[packCache] project: " + e.getMessage() + ".");
        valid = false;
      }
    }
    if (!valid) {
      return null;
    }
    // Half a section is a mistake, not a wish: say which half is missing.
    if (directory != null && patterns.isEmpty()) {
      problem("packCache", null, "directory", "[packCache] directory is set but no project is:"
          + " add project = NAME (or a prefix like ci/*, or ^regex) for each project to cache,"
          + " or remove the directory to turn the cache off.");
      return null;
    }
    if (directory == null && !patterns.isEmpty()) {
      problem("packCache", null, "project", "[packCache] project is set but no directory is:"
          + " add directory = PATH (where the cache may write), or remove the projects.");
      return null;
    }
    return new PackCacheSettings(java.util.Optional.ofNullable(directory), maxSize,
        new ProjectPatterns(patterns));
  }

  private Election election(List<Node> validNodes) {
    ElectionMode mode = field(ELECTION_MODE);
    String master = field(ELECTION_MASTER);
    String zookeeper = field(ELECTION_ZOOKEEPER);
    Boolean failback = field(ELECTION_FAILBACK);
    String onFailover = field(ELECTION_ON_FAILOVER);
    Duration sessionTimeout = field(ELECTION_ZOOKEEPER_SESSION_TIMEOUT);
    boolean valid =
        allValid(mode, failback, sessionTimeout)
            && setValid(master, ELECTION_MASTER)
            && setValid(zookeeper, ELECTION_ZOOKEEPER)
            && setValid(onFailover, ELECTION_ON_FAILOVER);
    if (mode == null) {
      return null; // which keys belong depends on the mode
    }
    Set<String> declared = declaredNodes();
    if (mode == ElectionMode.STATIC) {
      if (!isSet("election", null, "master")) {
        problem("election", null, "mode", RoutingTable.missingStaticMaster(declared));
        valid = false;
      } else if (master != null) {
        Optional<String> wrongMaster =
            RoutingTable.staticMasterProblem(master, declared, validNodes);
        if (wrongMaster.isPresent()) {
          problem("election", null, "master", wrongMaster.get());
          valid = false;
        }
      }
    } else if (isSet("election", null, "master")) {
      problem(
          "election",
          null,
          "master",
          "[election] master applies only with mode = static, but mode is "
              + lower(mode)
              + ": set mode = static to pin the master, or remove master.");
      valid = false;
    }
    if (mode == ElectionMode.ZOOKEEPER) {
      if (!isSet("election", null, "zookeeper")) {
        problem(
            "election",
            null,
            "mode",
            "[election] mode = zookeeper needs zookeeper = HOST:PORT,HOST:PORT, the ZooKeeper"
                + " ensemble the proxies agree through.");
        valid = false;
      }
    } else if (isSet("election", null, "zookeeper")) {
      problem(
          "election",
          null,
          "zookeeper",
          "[election] zookeeper applies only with mode = zookeeper, but mode is "
              + lower(mode)
              + ": set mode = zookeeper when several proxies run side by side, or remove"
              + " zookeeper.");
      valid = false;
    }
    if (!valid) {
      return null;
    }
    return new Election(
        mode,
        Optional.ofNullable(master),
        Optional.ofNullable(zookeeper),
        failback,
        Optional.ofNullable(onFailover),
        sessionTimeout);
  }

  private Health health() {
    Duration interval = field(HEALTH_INTERVAL);
    Duration timeout = field(HEALTH_TIMEOUT);
    Integer fall = field(HEALTH_FALL);
    Integer rise = field(HEALTH_RISE);
    Integer trafficFall = field(HEALTH_TRAFFIC_FALL);
    String path = field(HEALTH_PATH);
    return allValid(interval, timeout, fall, rise, trafficFall, path)
        ? new Health(interval, timeout, fall, rise, trafficFall, path)
        : null;
  }

  private Backdoor backdoor() {
    BackdoorType type = field(BACKDOOR_TYPE);
    String url = field(BACKDOOR_URL);
    String user = field(BACKDOOR_USER);
    Secret password = field(BACKDOOR_PASSWORD);
    Path repository = field(BACKDOOR_REPOSITORY);
    Duration staleAfter = field(BACKDOOR_STALE_AFTER);
    boolean valid =
        allValid(type, staleAfter)
            && setValid(url, BACKDOOR_URL)
            && setValid(user, BACKDOOR_USER)
            && setValid(password, BACKDOOR_PASSWORD)
            && setValid(repository, BACKDOOR_REPOSITORY);
    if (type == null) {
      return null;
    }
    Map<String, BackdoorType> owner =
        Map.of(
            "url",
            BackdoorType.JDBC,
            "user",
            BackdoorType.JDBC,
            "password",
            BackdoorType.JDBC,
            "repository",
            BackdoorType.GIT);
    for (String key : List.of("url", "user", "password", "repository")) {
      if (isSet("backdoor", null, key) && owner.get(key) != type) {
        problem(
            "backdoor",
            null,
            key,
            "[backdoor] "
                + key
                + " applies only to type = "
                + lower(owner.get(key))
                + ", but type is "
                + lower(type)
                + ": set type = "
                + lower(owner.get(key))
                + ", or remove "
                + key
                + ".");
        valid = false;
      }
    }
    if (type == BackdoorType.JDBC && !isSet("backdoor", null, "url")) {
      problem(
          "backdoor",
          null,
          "type",
          "[backdoor] type = jdbc needs url = jdbc:..., the JDBC URL of the cluster's shared"
              + " database (for example jdbc:postgresql://db/gerrit).");
      valid = false;
    }
    if (type == BackdoorType.GIT && !isSet("backdoor", null, "repository")) {
      problem(
          "backdoor",
          null,
          "type",
          "[backdoor] type = git needs repository = PATH, a git repository that every node"
              + " shares (for example /srv/git/All-Projects.git).");
      valid = false;
    }
    if (!valid) {
      return null;
    }
    return new Backdoor(
        type,
        Optional.ofNullable(url),
        Optional.ofNullable(user),
        Optional.ofNullable(password),
        Optional.ofNullable(repository),
        staleAfter);
  }

  /** Two listeners on one port of one address cannot both bind. */
  private void checkPortsApart(HttpFrontendSettings httpd, SshFrontendSettings sshd, Admin admin) {
    record Listener(String section, Endpoint at) {}
    List<Listener> listeners = new ArrayList<>();
    if (httpd != null) {
      listeners.add(new Listener("httpd", httpd.listen()));
    }
    if (sshd != null) {
      listeners.add(new Listener("sshd", sshd.listenAddress()));
    }
    if (admin != null) {
      listeners.add(new Listener("admin", admin.listenAddress()));
    }
    for (int i = 0; i < listeners.size(); i++) {
      for (int j = i + 1; j < listeners.size(); j++) {
        Listener a = listeners.get(i);
        Listener b = listeners.get(j);
        boolean clash =
            a.at().port() != 0
                && a.at().port() == b.at().port()
                && (a.at().isWildcard()
                    || b.at().isWildcard()
                    || a.at().host().equals(b.at().host()));
        if (clash) {
          Listener blamed = isSet(b.section(), null, "listenAddress") ? b : a;
          Listener other = blamed == b ? a : b;
          problem(
              blamed.section(),
              null,
              "listenAddress",
              "["
                  + blamed.section()
                  + "] listenAddress = "
                  + blamed.at()
                  + " takes the port of ["
                  + other.section()
                  + "] listenAddress = "
                  + other.at()
                  + ": give each listener its own port.");
        }
      }
    }
  }

  // ---------------------------------------------------------------- reading fields

  /** The value in force: secure.config's for a secret it holds, else the last one written. */
  private Optional<Value> value(String section, String subsection, String key) {
    if (secure != null && ConfigSchema.isSecret(section, key)) {
      List<Value> values = secure.values(section, subsection, key);
      if (!values.isEmpty()) {
        return Optional.of(values.get(values.size() - 1));
      }
    }
    List<Value> values = main.values(section, subsection, key);
    return values.isEmpty() ? Optional.empty() : Optional.of(values.get(values.size() - 1));
  }

  private Optional<Value> value(ConfigSchema.Key<?> key, String subsection) {
    return value(key.section(), subsection, key.name());
  }

  private boolean isSet(String section, String subsection, String key) {
    return value(section, subsection, key).isPresent();
  }

  private boolean isSet(ConfigSchema.Key<?> key) {
    return value(key, null).isPresent();
  }

  private <T> T field(ConfigSchema.Key<T> key) {
    return field(key, null);
  }

  /**
   * The parsed value, the key's default when it is not set (null when it has none), or null when
   * it is wrong (then reported). An empty value is wrong unless the key allows it; a key written
   * alone, without {@code =}, reads as {@code true} (git's convention for booleans).
   */
  private <T> T field(ConfigSchema.Key<T> key, String subsection) {
    Optional<Value> v = value(key, subsection);
    if (v.isEmpty()) {
      return defaultOf(key);
    }
    String where = shown(key.section(), subsection) + " " + key.name();
    if (v.get().bare() && key.type() == ValueType.BOOLEAN) {
      v = Optional.of(new Value(v.get().source(), "true", v.get().line(), true));
    } else if (v.get().bare()) {
      problem(v.get(), where + " has no value: write " + key.name() + " = VALUE.");
      return null;
    } else if (v.get().text().isBlank() && !key.emptyAllowed()) {
      problem(
          v.get(),
          where
              + " is empty: give it a value"
              + (key.defaultsWhenUnset() ? ", or remove the line to get the default." : "."));
      return null;
    }
    return parse(v.get(), where, key.type());
  }

  /** The key's default, read as if written in the file; null when it has none. */
  private <T> T defaultOf(ConfigSchema.Key<T> key) {
    return key.hasDefault() ? key.type().read(key.defaultText(), directory) : null;
  }

  /** Like {@link #field} for a key that must be set; {@code missing} says what to add. */
  private <T> T required(ConfigSchema.Key<T> key, String subsection, String missing) {
    if (!isSet(key.section(), subsection, key.name())) {
      problem(main, main.headerLine(key.section(), subsection), missing);
      return null;
    }
    return field(key, subsection);
  }

  private <T> T parse(Value v, String where, ValueType<T> type) {
    try {
      return type.read(v.text(), directory);
    } catch (IllegalArgumentException e) {
      problem(v, where + ": " + e.getMessage());
      return null;
    }
  }

  /** An optional key: valid when absent, or when set and parsed. */
  private boolean setValid(Object parsed, ConfigSchema.Key<?> key) {
    return parsed != null || !isSet(key);
  }

  private static boolean allValid(Object... values) {
    return Arrays.stream(values).allMatch(Objects::nonNull);
  }

  // ---------------------------------------------------------------- helpers

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "gerrit-proxy";
    }
  }

  static String shown(String section, String subsection) {
    return subsection == null
        ? "[" + section + "]"
        : "[" + section + " \"" + subsection.replace("\\", "\\\\").replace("\"", "\\\"") + "\"]";
  }

  private static String lower(Enum<?> e) {
    return ValueType.lower(e);
  }

  private void problem(Value v, String message) {
    problems.add(v.file(), v.line(), message);
  }

  private void problem(ConfigSource source, int line, String message) {
    problems.add(source.path(), line, message);
  }

  /** Blames the key's line, else its section header's, else the file. */
  private void problem(String section, String subsection, String key, String message) {
    Optional<Value> v = value(section, subsection, key);
    if (v.isPresent()) {
      problem(v.get(), message);
    } else {
      problem(main, main.headerLine(section, subsection), message);
    }
  }
}
