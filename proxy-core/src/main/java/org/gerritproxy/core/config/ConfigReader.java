package org.gerritproxy.core.config;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.gerritproxy.core.config.ConfigSource.Value;
import org.gerritproxy.core.config.ProxyConfig.Accounts;
import org.gerritproxy.core.config.ProxyConfig.Admin;
import org.gerritproxy.core.config.ProxyConfig.Backdoor;
import org.gerritproxy.core.config.ProxyConfig.BackdoorType;
import org.gerritproxy.core.config.ProxyConfig.Election;
import org.gerritproxy.core.config.ProxyConfig.Health;
import org.gerritproxy.core.config.ProxyConfig.Httpd;
import org.gerritproxy.core.config.ProxyConfig.Sshd;
import org.gerritproxy.core.config.ProxyConfig.Tls;
import org.gerritproxy.routing.AdminState;
import org.gerritproxy.routing.ElectionMode;
import org.gerritproxy.routing.Endpoint;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.RoutingSettings;
import org.gerritproxy.routing.RoutingTable;
import org.gerritproxy.routing.WritesMode;
import org.gerritproxy.ssh.SshFrontendSettings;

/**
 * Turns the parsed proxy.config (and secure.config) into a {@link ProxyConfig}, reporting every
 * problem it meets with the line to blame. One instance reads one load.
 *
 * <p>Each field is read by a helper that returns the value, its default when the key is absent, or
 * null when the value is wrong (the problem is reported then). A section whose fields are not all
 * valid yields null; the config is built only when nothing at all was reported.
 */
final class ConfigReader {

  private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);
  // The SSH frontend's own default, so that a config without the key behaves as before.
  static final Duration DEFAULT_KEY_CACHE_TTL =
      SshFrontendSettings.KeyCacheSettings.DEFAULTS.ttl();
  static final String DEFAULT_HTTP_LISTEN = "*:8080";
  static final String DEFAULT_SSH_LISTEN = "*:29418";
  static final String DEFAULT_ADMIN_LISTEN = "127.0.0.1:8090";
  static final String DEFAULT_HOST_KEY = "etc/ssh_host_ed25519_key";
  static final String DEFAULT_PEER_KEY = "etc/peer_key";
  static final String DEFAULT_NODE_HEADER = "X-Gerrit-Proxy-Node";
  static final String DEFAULT_HEALTH_PATH = "/config/server/version";

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
    Httpd httpd = httpd();
    Sshd sshd = sshd();
    Admin admin = admin();
    Accounts accounts = accounts();
    List<Node> nodes = nodes();
    RoutingSettings routing = routing();
    Election election = election(nodes);
    Health health = health();
    Backdoor backdoor = backdoor();
    checkPortsApart(httpd, sshd, admin);
    if (!problems.isEmpty()) {
      return null;
    }
    RoutingTable.Builder table =
        RoutingTable.builder().routing(routing).election(election.settings());
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
        built);
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
      Optional<KnownKeys.Section> spec = KnownKeys.section(h.section());
      if (spec.isEmpty()) {
        if (reportedSections.add(h.section())) {
          problem(
              source,
              h.line(),
              "unknown section ["
                  + h.section()
                  + "]"
                  + KnownKeys.closest(h.section(), KnownKeys.sectionNames())
                      .map(s -> "; did you mean [" + s + "]?")
                      .orElse(
                          "; the sections are "
                              + String.join(", ", KnownKeys.sectionNames())
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
          problem(
              source,
              h.line(),
              shown
                  + " is already declared on line "
                  + first
                  + ": give each node its own name,"
                  + " and keep all of a node's keys in one section.");
        }
      }
    }
    Map<String, Integer> seen = new HashMap<>();
    for (LineIndex.Entry e : source.index().entries()) {
      Optional<KnownKeys.Section> spec = KnownKeys.section(e.section());
      if (spec.isEmpty() || spec.get().named() != (e.subsection() != null)) {
        continue; // the header was reported
      }
      String shownSection = shown(e.section(), e.subsection());
      Optional<KnownKeys.Key> key = spec.get().key(e.name());
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

  private static String unknownKey(String name, KnownKeys.Section spec, String shownSection) {
    String what = "unknown key '" + name + "' in " + shownSection;
    Optional<String> near = KnownKeys.closest(name, spec.keyNames());
    if (near.isPresent()) {
      return what + "; did you mean '" + near.get() + "'?";
    }
    List<String> elsewhere = KnownKeys.sectionsWithKey(name, spec.name());
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
    // "" stands for "not set" here: the host name is looked up only when needed.
    String name = field("proxy", null, "name", ConfigReader::nonBlank, "");
    if ("".equals(name)) {
      name = hostName();
    }
    Duration shutdown =
        field("proxy", null, "shutdownTimeout", ConfigReader::duration, DEFAULT_SHUTDOWN_TIMEOUT);
    return allValid(name, shutdown) ? new ProxyConfig.Proxy(name, shutdown) : null;
  }

  private Httpd httpd() {
    Endpoint listen =
        field(
            "httpd",
            null,
            "listenAddress",
            ConfigReader::listenAddress,
            Endpoint.parse(DEFAULT_HTTP_LISTEN));
    Optional<Value> cert = value("httpd", null, "sslCertificate");
    Optional<Value> key = value("httpd", null, "sslKey");
    Path certPath = field("httpd", null, "sslCertificate", this::existingFile, Path.of(""));
    Path keyPath = field("httpd", null, "sslKey", this::existingFile, Path.of(""));
    boolean tlsValid = true;
    if (cert.isPresent() != key.isPresent()) {
      Value set = cert.orElseGet(key::get);
      problem(
          set,
          "[httpd] "
              + (cert.isPresent()
                  ? "sslCertificate is set without sslKey"
                  : "sslKey is set without sslCertificate")
              + ": HTTPS needs both PEM files, the certificate chain and its private key; HTTP"
              + " neither.");
      tlsValid = false;
    }
    Long maxHeader = field("httpd", null, "maxHeaderSize", ConfigReader::headerSize, 32L * 1024);
    Duration headerTimeout =
        field(
            "httpd", null, "headerTimeout", ConfigReader::positiveDuration, Duration.ofSeconds(10));
    Duration idleTimeout =
        field("httpd", null, "idleTimeout", ConfigReader::positiveDuration, Duration.ofMinutes(5));
    Duration connectTimeout =
        field(
            "httpd", null, "connectTimeout", ConfigReader::positiveDuration, Duration.ofSeconds(5));
    String nodeHeader =
        field("httpd", null, "nodeHeader", ConfigReader::headerName, DEFAULT_NODE_HEADER, true);
    if (!tlsValid
        || !allValid(
            listen,
            certPath,
            keyPath,
            maxHeader,
            headerTimeout,
            idleTimeout,
            connectTimeout,
            nodeHeader)) {
      return null;
    }
    Optional<Tls> tls =
        cert.isPresent() ? Optional.of(new Tls(certPath, keyPath)) : Optional.empty();
    return new Httpd(
        listen,
        tls,
        maxHeader.intValue(),
        headerTimeout,
        idleTimeout,
        connectTimeout,
        nodeHeader.isEmpty() ? Optional.empty() : Optional.of(nodeHeader));
  }

  private Sshd sshd() {
    Endpoint listen =
        field(
            "sshd",
            null,
            "listenAddress",
            ConfigReader::listenAddress,
            Endpoint.parse(DEFAULT_SSH_LISTEN));
    List<Path> hostKeys = new ArrayList<>();
    boolean valid = true;
    List<Value> given = main.values("sshd", null, "hostKey");
    for (Value v : given) {
      if (v.text().isBlank()) {
        problem(
            v,
            "[sshd] hostKey is empty: write hostKey = PATH, or remove the line to get the"
                + " default ("
                + DEFAULT_HOST_KEY
                + ").");
        valid = false;
        continue;
      }
      Path p = parse(v, "[sshd] hostKey", this::path);
      if (p == null) {
        valid = false;
      } else {
        hostKeys.add(p);
      }
    }
    if (given.isEmpty()) {
      hostKeys.add(directory.resolve(DEFAULT_HOST_KEY).normalize());
    }
    Path peerKey =
        field("sshd", null, "peerKey", this::path, directory.resolve(DEFAULT_PEER_KEY).normalize());
    Duration keyCacheTtl =
        field("sshd", null, "keyCacheTtl", ConfigReader::positiveDuration, DEFAULT_KEY_CACHE_TTL);
    return valid && allValid(listen, peerKey, keyCacheTtl)
        ? new Sshd(listen, hostKeys, peerKey, keyCacheTtl)
        : null;
  }

  private Admin admin() {
    Endpoint listen =
        field(
            "admin",
            null,
            "listenAddress",
            ConfigReader::listenAddress,
            Endpoint.parse(DEFAULT_ADMIN_LISTEN));
    String token = field("admin", null, "token", ConfigReader::nonBlank, null);
    if (listen == null || (token == null && isSet("admin", null, "token"))) {
      return null;
    }
    if (token == null && !isLoopback(listen)) {
      problem(
          "admin",
          null,
          "listenAddress",
          "[admin] listenAddress = "
              + listen
              + " is reachable from other hosts, so the admin"
              + " server needs a token: set [admin] token (best in secure.config), or listen on"
              + " 127.0.0.1.");
      return null;
    }
    return new Admin(listen, Optional.ofNullable(token).map(Secret::of));
  }

  private Accounts accounts() {
    String user = field("accounts", null, "user", ConfigReader::nonBlank, null);
    String password = field("accounts", null, "password", ConfigReader::nonBlank, null);
    boolean userSet = isSet("accounts", null, "user");
    boolean passwordSet = isSet("accounts", null, "password");
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
    return new Accounts(Optional.ofNullable(user), Optional.ofNullable(password).map(Secret::of));
  }

  /** The valid nodes, in file order; the invalid ones are reported. */
  private List<Node> nodes() {
    Set<String> names = declaredNodes();
    if (names.isEmpty()) {
      problems.add(
          main.path(),
          0,
          "no node is configured: add a [node \"NAME\"] section with http and ssh for each Gerrit"
              + " server of the cluster.");
    }
    List<Node> nodes = new ArrayList<>();
    Map<URI, String> byHttp = new HashMap<>();
    Map<Endpoint, String> bySsh = new HashMap<>();
    for (String name : names) {
      String shown = shown("node", name);
      boolean valid = true;
      if (!NODE_NAME.matcher(name).matches()) {
        problem(
            main,
            main.headerLine("node", name),
            "the node name '"
                + name
                + "' may hold only letters, digits, '.', '_' and '-': it"
                + " appears in headers, metrics and logs.");
        valid = false;
      }
      URI http =
          required(
              "node",
              name,
              "http",
              ConfigReader::nodeUrl,
              shown
                  + " has no http: add http = http://HOST:8080, the base URL of that node's"
                  + " Gerrit.");
      Endpoint ssh =
          required(
              "node",
              name,
              "ssh",
              ConfigReader::nodeEndpoint,
              shown + " has no ssh: add ssh = HOST:29418, that node's Gerrit SSH daemon.");
      Integer priority = field("node", name, "priority", ConfigReader::integer, 0);
      Integer weight = field("node", name, "weight", ConfigReader::weight, 1);
      AdminState state = field("node", name, "state", oneOf(AdminState.class), AdminState.ACTIVE);
      if (http != null) {
        String other = byHttp.putIfAbsent(http, name);
        if (other != null) {
          problem(
              "node",
              name,
              "http",
              shown
                  + " http = "
                  + http
                  + " is also the URL of node "
                  + other
                  + ": each node is a different Gerrit server.");
          valid = false;
        }
      }
      if (ssh != null) {
        String other = bySsh.putIfAbsent(ssh, name);
        if (other != null) {
          problem(
              "node",
              name,
              "ssh",
              shown
                  + " ssh = "
                  + ssh
                  + " is also the SSH address of node "
                  + other
                  + ": each node is a different Gerrit server.");
          valid = false;
        }
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
    WritesMode writes =
        field("routing", null, "writes", oneOf(WritesMode.class), WritesMode.MASTER);
    Duration ryw =
        field("routing", null, "readYourWrites", ConfigReader::duration, Duration.ofSeconds(10));
    return allValid(writes, ryw) ? new RoutingSettings(writes, ryw) : null;
  }

  private Election election(List<Node> validNodes) {
    ElectionMode mode =
        field("election", null, "mode", oneOf(ElectionMode.class), ElectionMode.LOCAL);
    String master = field("election", null, "master", ConfigReader::nonBlank, null);
    String zookeeper = field("election", null, "zookeeper", ConfigReader::zookeeper, null);
    Boolean failback = field("election", null, "failback", BOOL, false);
    String onFailover = field("election", null, "onFailover", ConfigReader::nonBlank, null);
    boolean valid =
        allValid(mode, failback)
            && setValid(master, "election", "master")
            && setValid(zookeeper, "election", "zookeeper")
            && setValid(onFailover, "election", "onFailover");
    if (mode == null) {
      return null; // which keys belong depends on the mode
    }
    Set<String> declared = declaredNodes();
    if (mode == ElectionMode.STATIC) {
      if (!isSet("election", null, "master")) {
        problem(
            "election",
            null,
            "mode",
            "[election] mode = static needs master = NODE, the node that takes all writes ("
                + (declared.isEmpty()
                    ? "a [node \"NAME\"]"
                    : "one of " + String.join(", ", declared))
                + ").");
        valid = false;
      } else if (master != null && !declared.contains(master)) {
        problem(
            "election",
            null,
            "master",
            "[election] master = "
                + master
                + " names no node"
                + KnownKeys.closest(master, declared)
                    .map(n -> "; did you mean " + n + "?")
                    .orElse(
                        declared.isEmpty()
                            ? "."
                            : ": write one of " + String.join(", ", declared) + "."));
        valid = false;
      } else if (master != null) {
        Optional<Node> node = validNodes.stream().filter(n -> n.name().equals(master)).findFirst();
        if (node.isPresent() && node.get().adminState() == AdminState.DISABLED) {
          problem(
              "election",
              null,
              "master",
              "[election] master = "
                  + master
                  + " names a disabled node: set its state to active,"
                  + " or name another master.");
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
        Optional.ofNullable(onFailover));
  }

  private Health health() {
    Duration interval =
        field("health", null, "interval", ConfigReader::positiveDuration, Duration.ofSeconds(1));
    Duration timeout =
        field("health", null, "timeout", ConfigReader::positiveDuration, Duration.ofSeconds(2));
    Integer fall = field("health", null, "fall", ConfigReader::count, 3);
    Integer rise = field("health", null, "rise", ConfigReader::count, 2);
    Integer trafficFall = field("health", null, "trafficFall", ConfigReader::count, 3);
    String path = field("health", null, "path", ConfigReader::httpPath, DEFAULT_HEALTH_PATH);
    return allValid(interval, timeout, fall, rise, trafficFall, path)
        ? new Health(interval, timeout, fall, rise, trafficFall, path)
        : null;
  }

  private Backdoor backdoor() {
    BackdoorType type =
        field("backdoor", null, "type", oneOf(BackdoorType.class), BackdoorType.NONE);
    String url = field("backdoor", null, "url", ConfigReader::jdbcUrl, null);
    String user = field("backdoor", null, "user", ConfigReader::nonBlank, null);
    String password = field("backdoor", null, "password", ConfigReader::nonBlank, null);
    Path repository = field("backdoor", null, "repository", this::path, null);
    Duration staleAfter =
        field(
            "backdoor", null, "staleAfter", ConfigReader::positiveDuration, Duration.ofSeconds(5));
    boolean valid =
        allValid(type, staleAfter)
            && setValid(url, "backdoor", "url")
            && setValid(user, "backdoor", "user")
            && setValid(password, "backdoor", "password")
            && setValid(repository, "backdoor", "repository");
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
        Optional.ofNullable(password).map(Secret::of),
        Optional.ofNullable(repository),
        staleAfter);
  }

  /** Two listeners on one port of one address cannot both bind. */
  private void checkPortsApart(Httpd httpd, Sshd sshd, Admin admin) {
    record Listener(String section, Endpoint at) {}
    List<Listener> listeners = new ArrayList<>();
    if (httpd != null) {
      listeners.add(new Listener("httpd", httpd.listenAddress()));
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
    if (secure != null && KnownKeys.isSecret(section, key)) {
      List<Value> values = secure.values(section, subsection, key);
      if (!values.isEmpty()) {
        return Optional.of(values.get(values.size() - 1));
      }
    }
    List<Value> values = main.values(section, subsection, key);
    return values.isEmpty() ? Optional.empty() : Optional.of(values.get(values.size() - 1));
  }

  private boolean isSet(String section, String subsection, String key) {
    return value(section, subsection, key).isPresent();
  }

  private <T> T field(
      String section, String subsection, String key, Function<String, T> parser, T absent) {
    return field(section, subsection, key, parser, absent, false);
  }

  /**
   * The parsed value, {@code absent} when the key is not set, or null when it is wrong (then
   * reported). An empty value is wrong unless {@code emptyAllowed}; a key written alone, without
   * {@code =}, reads as {@code true} (git's convention for booleans).
   */
  private <T> T field(
      String section,
      String subsection,
      String key,
      Function<String, T> parser,
      T absent,
      boolean emptyAllowed) {
    Optional<Value> v = value(section, subsection, key);
    if (v.isEmpty()) {
      return absent;
    }
    String where = shown(section, subsection) + " " + canonical(section, key);
    if (v.get().bare() && parser == BOOL) {
      v = Optional.of(new Value(v.get().source(), "true", v.get().line(), true));
    } else if (v.get().bare()) {
      problem(v.get(), where + " has no value: write " + canonical(section, key) + " = VALUE.");
      return null;
    } else if (v.get().text().isBlank() && !emptyAllowed) {
      problem(
          v.get(),
          where
              + " is empty: give it a value"
              + (absent != null ? ", or remove the line to get the default." : "."));
      return null;
    }
    return parse(v.get(), where, parser);
  }

  /** Like {@link #field} for a key that must be set; {@code missing} says what to add. */
  private <T> T required(
      String section, String subsection, String key, Function<String, T> parser, String missing) {
    if (!isSet(section, subsection, key)) {
      problem(main, main.headerLine(section, subsection), missing);
      return null;
    }
    return field(section, subsection, key, parser, null);
  }

  private <T> T parse(Value v, String where, Function<String, T> parser) {
    try {
      return parser.apply(v.text());
    } catch (IllegalArgumentException e) {
      problem(v, where + ": " + e.getMessage());
      return null;
    }
  }

  /** An optional key: valid when absent, or when set and parsed. */
  private boolean setValid(Object parsed, String section, String key) {
    return parsed != null || !isSet(section, null, key);
  }

  private static boolean allValid(Object... values) {
    return Arrays.stream(values).allMatch(Objects::nonNull);
  }

  // ---------------------------------------------------------------- parsers
  // Each throws IllegalArgumentException with a sentence saying what to write instead.

  private static String nonBlank(String text) {
    return text.strip();
  }

  private static Duration duration(String text) {
    return Durations.parse(text);
  }

  private static Duration positiveDuration(String text) {
    Duration d = Durations.parse(text);
    if (d.isZero()) {
      throw new IllegalArgumentException("must be longer than 0: write it like 500ms, 2s or 5m");
    }
    return d;
  }

  private static Long headerSize(String text) {
    long size = Sizes.parse(text);
    if (size < 1024 || size > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "'" + text + "' is outside 1k..2047m: write a size like 32k");
    }
    return size;
  }

  private static Integer integer(String text) {
    try {
      return Integer.parseInt(text.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is not a whole number: write it like 100");
    }
  }

  private static Integer weight(String text) {
    int w = integer(text);
    if (w < 1) {
      throw new IllegalArgumentException(
          "must be at least 1, not "
              + w
              + ": to take a node out of reads, set state = drain or"
              + " disabled");
    }
    return w;
  }

  private static Integer count(String text) {
    int n = integer(text);
    if (n < 1) {
      throw new IllegalArgumentException("must be at least 1, not " + n);
    }
    return n;
  }

  private static final Function<String, Boolean> BOOL = ConfigReader::bool;

  private static Boolean bool(String text) {
    switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "true":
      case "yes":
      case "on":
      case "1":
        return true;
      case "false":
      case "no":
      case "off":
      case "0":
        return false;
      default:
        throw new IllegalArgumentException("'" + text + "' is not a boolean: write true or false");
    }
  }

  private static <E extends Enum<E>> Function<String, E> oneOf(Class<E> type) {
    return text -> {
      List<String> allowed =
          Arrays.stream(type.getEnumConstants()).map(ConfigReader::lower).toList();
      for (E e : type.getEnumConstants()) {
        if (e.name().equalsIgnoreCase(text.strip())) {
          return e;
        }
      }
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is not allowed: write "
              + orList(allowed)
              + KnownKeys.closest(text.strip(), allowed)
                  .map(s -> " (did you mean " + s + "?)")
                  .orElse(""));
    };
  }

  private static Endpoint listenAddress(String text) {
    return Endpoint.parse(text);
  }

  private static Endpoint nodeEndpoint(String text) {
    Endpoint e = Endpoint.parse(text);
    if (e.isWildcard()) {
      throw new IllegalArgumentException(
          "'" + text + "': * is for listen addresses; write the node's host, like 10.0.0.1:29418");
    }
    if (e.port() == 0) {
      throw new IllegalArgumentException("'" + text + "': port 0 is not a port a node listens on");
    }
    return e;
  }

  private static URI nodeUrl(String text) {
    URI uri;
    try {
      uri = new URI(text.strip());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is not a URL ("
              + e.getReason()
              + "): write it like http://10.0.0.1:8080");
    }
    String scheme = uri.getScheme();
    if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
      throw new IllegalArgumentException(
          "'" + text + "' must start with http:// or https://, like http://10.0.0.1:8080");
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException(
          "'" + text + "' has no host: write it like http://10.0.0.1:8080");
    }
    if (uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException(
          "the URL must not carry a user or password (they would show in logs): the proxy logs"
              + " in with [accounts] user and password");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException(
          "'" + text + "' must not have a query or fragment: write the base URL of that Gerrit");
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    try {
      return new URI(scheme.toLowerCase(Locale.ROOT) + "://" + uri.getRawAuthority() + path);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("'" + text + "' is not a URL: " + e.getReason());
    }
  }

  private static String zookeeper(String text) {
    String s = text.strip();
    int slash = s.indexOf('/');
    String hosts = slash < 0 ? s : s.substring(0, slash);
    for (String host : hosts.split(",", -1)) {
      try {
        Endpoint e = Endpoint.parse(host);
        if (e.isWildcard() || e.port() == 0) {
          throw new IllegalArgumentException("not a server");
        }
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "'"
                + host.strip()
                + "' is not a ZooKeeper server: write HOST:PORT[,HOST:PORT...]"
                + " with an optional /chroot, like zk1:2181,zk2:2181,zk3:2181");
      }
    }
    if (slash >= 0 && (s.endsWith("/") || s.contains("//"))) {
      throw new IllegalArgumentException(
          "'" + s.substring(slash) + "' is not a ZooKeeper chroot: write it like /gerrit-proxy");
    }
    return s;
  }

  private static String jdbcUrl(String text) {
    String s = text.strip();
    if (!s.regionMatches(true, 0, "jdbc:", 0, 5) || s.length() <= 5) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a JDBC URL: write it like jdbc:postgresql://db/gerrit");
    }
    return s;
  }

  private static String httpPath(String text) {
    String s = text.strip();
    if (!s.startsWith("/")) {
      throw new IllegalArgumentException(
          "'" + text + "' must be an absolute path on each node, like /config/server/version");
    }
    return s;
  }

  private static String headerName(String text) {
    String s = text.strip();
    if (!s.isEmpty() && !HEADER_NAME.matcher(s).matches()) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is not an HTTP header name: write one like X-Gerrit-Proxy-Node, or"
              + " leave it empty to send none");
    }
    return s;
  }

  /** A path, relative ones read from the directory of proxy.config. */
  private Path path(String text) {
    try {
      return directory.resolve(text.strip()).normalize();
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException("'" + text + "' is not a path: " + e.getReason());
    }
  }

  private Path existingFile(String text) {
    Path p = path(text);
    if (!Files.isRegularFile(p)) {
      throw new IllegalArgumentException(
          p + " does not exist or is not a file (relative paths are read from " + directory + ")");
    }
    if (!Files.isReadable(p)) {
      throw new IllegalArgumentException(p + " cannot be read: let the proxy's user read it");
    }
    return p;
  }

  // ---------------------------------------------------------------- helpers

  private static boolean isLoopback(Endpoint e) {
    String h = e.host().toLowerCase(Locale.ROOT);
    return h.equals("localhost")
        || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")
        || h.equals("::1")
        || h.equals("0:0:0:0:0:0:0:1");
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "gerrit-proxy";
    }
  }

  private static String canonical(String section, String key) {
    return KnownKeys.section(section).flatMap(s -> s.key(key)).map(KnownKeys.Key::name).orElse(key);
  }

  static String shown(String section, String subsection) {
    return subsection == null
        ? "[" + section + "]"
        : "[" + section + " \"" + subsection.replace("\\", "\\\\").replace("\"", "\\\"") + "\"]";
  }

  private static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  private static String orList(List<String> words) {
    if (words.size() == 1) {
      return words.get(0);
    }
    return words.subList(0, words.size() - 1).stream().collect(Collectors.joining(", "))
        + " or "
        + words.get(words.size() - 1);
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
