package org.gerritproxy.core.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.gerritproxy.core.config.ProxyConfig.BackdoorType;
import org.gerritproxy.http.HttpFrontendSettings;
import org.gerritproxy.routing.AdminState;
import org.gerritproxy.routing.ElectionMode;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.StorageMode;
import org.gerritproxy.routing.Typos;
import org.gerritproxy.routing.WritesMode;
import org.gerritproxy.ssh.LoginThrottle;
import org.gerritproxy.ssh.SshAlgorithms;
import org.gerritproxy.ssh.SshFrontendSettings;

/**
 * Every key of the configuration file, declared once: its section, name, type, default, whether it
 * is a secret or repeatable, a one-line doc, and where a {@link ProxyConfig} holds its value.
 * Reading ({@link ConfigReader}), the check for unknown keys, {@link ProxyConfig#toConfigText} and
 * the configuration table of docs/configuration.md ({@link #referenceTable}) all come from this list, so they
 * cannot drift apart. Defaults that a frontend owns are taken from its settings record.
 */
final class ConfigSchema {

  /**
   * One key.
   *
   * @param name as documented (camelCase); matched case-insensitively, like git
   * @param defaultText the default as it would be written in the file; null when there is none
   * @param shownDefault what the reference table says for the default when it is not {@code
   *     defaultText} (a computed default, "required")
   * @param secret may also stand in secure.config, which wins; shown masked
   * @param repeatable may be given several times (each value counts)
   * @param emptyAllowed {@code key =} (empty) is a value, not a mistake
   * @param current the values a configuration holds for this key (in the named subsection, for a
   *     named section); empty when it is not set and has no default
   */
  record Key<T>(
      String section,
      String name,
      ValueType<T> type,
      String defaultText,
      String shownDefault,
      boolean secret,
      boolean repeatable,
      boolean emptyAllowed,
      String doc,
      BiFunction<ProxyConfig, String, List<T>> current) {

    Key<T> byDefault(String text) {
      return new Key<>(section, name, type, text, shownDefault, secret, repeatable, emptyAllowed,
          doc, current);
    }

    Key<T> byDefault(T value, Function<T, String> written) {
      return byDefault(written.apply(value));
    }

    Key<T> shownDefault(String shown) {
      return new Key<>(section, name, type, defaultText, shown, secret, repeatable, emptyAllowed,
          doc, current);
    }

    Key<T> repeating() {
      return new Key<>(section, name, type, defaultText, shownDefault, secret, true, emptyAllowed,
          doc, current);
    }

    Key<T> allowingEmpty() {
      return new Key<>(section, name, type, defaultText, shownDefault, secret, repeatable, true,
          doc, current);
    }

    Key<T> doc(String text) {
      return new Key<>(section, name, type, defaultText, shownDefault, secret, repeatable,
          emptyAllowed, text, current);
    }

    /** Where a configuration holds the single value of this key. */
    Key<T> in(Function<ProxyConfig, T> value) {
      return inAll((c, sub) -> List.of(value.apply(c)));
    }

    /** Where a configuration holds the value of this optional key. */
    Key<T> inOptional(Function<ProxyConfig, Optional<T>> value) {
      return inAll((c, sub) -> value.apply(c).stream().toList());
    }

    /** Where a configuration holds the values of this repeatable key. */
    Key<T> inList(Function<ProxyConfig, List<T>> values) {
      return inAll((c, sub) -> values.apply(c));
    }

    /** Where a node holds the value of this {@code [node "NAME"]} key. */
    Key<T> inNode(Function<Node, T> value) {
      return inAll((c, sub) -> c.node(sub).map(value).stream().toList());
    }

    private Key<T> inAll(BiFunction<ProxyConfig, String, List<T>> values) {
      return new Key<>(section, name, type, defaultText, shownDefault, secret, repeatable,
          emptyAllowed, doc, values);
    }

    boolean hasDefault() {
      return defaultText != null;
    }

    /** Leaving the key out gives a value, written here or computed (the host name). */
    boolean defaultsWhenUnset() {
      return hasDefault() || (shownDefault != null && !shownDefault.equals(REQUIRED));
    }

    /** {@code section.name}, or {@code node.NAME.name}, as the reference table writes it. */
    String dotted() {
      return isNamed(section) ? section + ".NAME." + name : section + "." + name;
    }

    /** The values {@code config} holds, written as in the file (secrets masked unless shown). */
    List<String> written(ProxyConfig config, String subsection, boolean revealSecrets) {
      List<String> out = new ArrayList<>();
      for (T v : current.apply(config, subsection)) {
        out.add(revealSecrets && v instanceof Secret s ? s.reveal() : type.write(v));
      }
      return out;
    }
  }

  /** What the reference table says of a key that has no default. */
  private static final String REQUIRED = "required";

  private static <T> Key<T> key(String section, String name, ValueType<T> type) {
    return new Key<>(section, name, type, null, null, type == ValueType.SECRET, false, false, "",
        (c, s) -> List.of());
  }

  private static String d(Duration d) {
    return Durations.format(d);
  }

  // ------------------------------------------------------------------------------------- [proxy]

  static final Key<String> PROXY_NAME =
      key("proxy", "name", ValueType.TEXT)
          .shownDefault("host name")
          .doc("this proxy's name in logs, events and `/health`")
          .in(c -> c.proxy().name());
  static final Key<Duration> PROXY_SHUTDOWN_TIMEOUT =
      key("proxy", "shutdownTimeout", ValueType.DURATION)
          .byDefault("30s")
          .doc("how long requests in flight may take to finish on shutdown")
          .in(c -> c.proxy().shutdownTimeout());

  // ------------------------------------------------------------------------------------- [httpd]

  static final Key<org.gerritproxy.routing.Endpoint> HTTPD_LISTEN =
      key("httpd", "listenAddress", ValueType.LISTEN_ADDRESS)
          .byDefault("*:8080")
          .doc("where HTTP is served (`*` = every address)")
          .in(c -> c.httpd().listen());
  static final Key<java.nio.file.Path> HTTPD_SSL_CERTIFICATE =
      key("httpd", "sslCertificate", ValueType.EXISTING_FILE)
          .doc("PEM certificate chain; with `httpd.sslKey` it makes the listener HTTPS")
          .inOptional(c -> c.httpd().sslCertificate());
  static final Key<java.nio.file.Path> HTTPD_SSL_KEY =
      key("httpd", "sslKey", ValueType.EXISTING_FILE)
          .doc("PEM private key (PKCS#8) of `httpd.sslCertificate`")
          .inOptional(c -> c.httpd().sslKey());
  static final Key<Boolean> HTTPD_HTTP2 =
      key("httpd", "http2", ValueType.BOOLEAN)
          .byDefault(String.valueOf(HttpFrontendSettings.DEFAULT_HTTP2))
          .doc("with TLS, offer HTTP/2 to clients that ask for it by ALPN; nodes stay on HTTP/1.1")
          .in(c -> c.httpd().http2());
  static final Key<Integer> HTTPD_MAX_HEADER_SIZE =
      key("httpd", "maxHeaderSize", ValueType.HEADER_SIZE)
          .byDefault(HttpFrontendSettings.DEFAULT_MAX_HEADER_SIZE, i -> Sizes.format(i))
          .doc("the largest request line and header block accepted")
          .in(c -> c.httpd().maxHeaderSize());
  static final Key<Duration> HTTPD_HEADER_TIMEOUT =
      key("httpd", "headerTimeout", ValueType.POSITIVE_DURATION)
          .byDefault(d(HttpFrontendSettings.DEFAULT_HEADER_TIMEOUT))
          .doc("how long a client may take to send its headers (slowloris guard)")
          .in(c -> c.httpd().headerTimeout());
  static final Key<Duration> HTTPD_IDLE_TIMEOUT =
      key("httpd", "idleTimeout", ValueType.POSITIVE_DURATION)
          .byDefault(d(HttpFrontendSettings.DEFAULT_IDLE_TIMEOUT))
          .doc("how long an idle keep-alive connection stays open")
          .in(c -> c.httpd().idleTimeout());
  static final Key<Duration> HTTPD_CONNECT_TIMEOUT =
      key("httpd", "connectTimeout", ValueType.POSITIVE_DURATION)
          .byDefault(d(HttpFrontendSettings.DEFAULT_CONNECT_TIMEOUT))
          .doc("how long to wait for a node to accept a connection")
          .in(c -> c.httpd().connectTimeout());
  static final Key<String> HTTPD_NODE_HEADER =
      key("httpd", "nodeHeader", ValueType.HEADER_NAME)
          .byDefault(HttpFrontendSettings.DEFAULT_NODE_HEADER)
          .allowingEmpty()
          .doc("response header naming the node that served it; empty = none")
          .in(c -> c.httpd().nodeHeader().orElse(""));

  static final Key<org.gerritproxy.routing.Cidr> HTTPD_PROXY_PROTOCOL_FROM =
      key("httpd", "proxyProtocolFrom", ValueType.CIDR)
          .repeating()
          .doc("repeatable; sources (an L4 load balancer) whose connections must start with a"
              + " PROXY protocol v1 or v2 header naming the real client (before TLS); a header from"
              + " any other source is refused (see [security.md](security.md))")
          .inList(c -> c.httpd().proxyProtocolFrom());

  // -------------------------------------------------------------------------------------- [sshd]

  static final Key<org.gerritproxy.routing.Endpoint> SSHD_LISTEN =
      key("sshd", "listenAddress", ValueType.LISTEN_ADDRESS)
          .byDefault("*:29418")
          .doc("where SSH is served")
          .in(c -> c.sshd().listenAddress());
  static final Key<java.nio.file.Path> SSHD_HOST_KEY =
      key("sshd", "hostKey", ValueType.PATH)
          .byDefault("etc/ssh_host_ed25519_key")
          .repeating()
          .doc("repeatable; the server's host keys (OpenSSH or PEM private keys), generated when"
              + " missing; Gerrit's own `etc/ssh_host_*_key` files work as they are")
          .inList(c -> c.sshd().hostKeys());
  static final Key<java.nio.file.Path> SSHD_PEER_KEY =
      key("sshd", "peerKey", ValueType.PATH)
          .byDefault("etc/peer_key")
          .doc("the private key the proxy logs in to nodes with, as `Gerrit Code Review`;"
              + " generated when missing (its public half is then logged); its base64 part goes in"
              + " each node's `etc/peer_keys`")
          .in(c -> c.sshd().peerKey());
  static final Key<Duration> SSHD_KEY_CACHE_TTL =
      key("sshd", "keyCacheTtl", ValueType.POSITIVE_DURATION)
          .byDefault(d(SshFrontendSettings.KeyCacheSettings.DEFAULTS.ttl()))
          .doc("how long a user's SSH keys read from Gerrit are trusted before asking again; a key"
              + " deleted in Gerrit stops working within it")
          .in(c -> c.sshd().keyCache().ttl());
  static final Key<Integer> SSHD_MAX_LOGIN_FAILURES =
      key("sshd", "maxLoginFailures", ValueType.COUNT_OR_OFF)
          .byDefault(Integer.toString(LoginThrottle.Settings.DEFAULTS.maxFailures()))
          .doc("failed SSH logins from one client address within `sshd.loginFailureWindow` that"
              + " get the address refused for `sshd.loginBlock`; `0` turns the throttle off")
          .in(c -> c.sshd().loginThrottle().maxFailures());
  static final Key<Duration> SSHD_LOGIN_FAILURE_WINDOW =
      key("sshd", "loginFailureWindow", ValueType.POSITIVE_DURATION)
          .byDefault(d(LoginThrottle.Settings.DEFAULTS.window()))
          .doc("the window in which `sshd.maxLoginFailures` failed logins are counted")
          .in(c -> c.sshd().loginThrottle().window());
  static final Key<Duration> SSHD_LOGIN_BLOCK =
      key("sshd", "loginBlock", ValueType.POSITIVE_DURATION)
          .byDefault(d(LoginThrottle.Settings.DEFAULTS.block()))
          .doc("how long an address that reached `sshd.maxLoginFailures` is refused")
          .in(c -> c.sshd().loginThrottle().block());

  static final Key<Duration> SSHD_LOGIN_GRACE_TIME =
      key("sshd", "loginGraceTime", ValueType.POSITIVE_DURATION)
          .byDefault(d(SshFrontendSettings.DEFAULT_LOGIN_GRACE_TIME))
          .doc("how long a client may take from connecting to having logged in (OpenSSH's"
              + " `LoginGraceTime`); also how long the proxy's own login to a node may take once"
              + " the node accepted its connection")
          .in(c -> c.sshd().loginGraceTime());
  static final Key<Duration> SSHD_IDLE_TIMEOUT =
      key("sshd", "idleTimeout", ValueType.DURATION)
          .byDefault(d(SshFrontendSettings.DEFAULT_IDLE_TIMEOUT))
          .doc("how long a connection may carry nothing before it is closed; answers to the"
              + " keep-alives count, so a quiet live `stream-events` stays; `0` = never")
          .in(c -> c.sshd().idleTimeout());
  static final Key<Duration> SSHD_KEEP_ALIVE_INTERVAL =
      key("sshd", "keepAliveInterval", ValueType.DURATION)
          .byDefault(d(SshFrontendSettings.DEFAULT_KEEP_ALIVE))
          .doc("how often a quiet client (and each node session) is sent a keep-alive that needs"
              + " an answer; shorter than `sshd.idleTimeout`; `0` = none")
          .in(c -> c.sshd().keepAlive());
  static final Key<String> SSHD_KEX =
      key("sshd", "kex", ValueType.sshAlgorithm(SshAlgorithms.Kind.KEX))
          .shownDefault("no NIST, no SHA-1")
          .repeating()
          .doc("repeatable; the key exchanges offered, in order (as Gerrit's `sshd.kex`): names"
              + " replace the default list, `+NAME` adds to it, `-NAME` removes from it (see"
              + " [ssh.md](ssh.md))")
          .inList(c -> c.sshd().algorithms().kex());
  static final Key<String> SSHD_CIPHER =
      key("sshd", "cipher", ValueType.sshAlgorithm(SshAlgorithms.Kind.CIPHER))
          .shownDefault("AES-GCM, AES-CTR")
          .repeating()
          .doc("repeatable; the ciphers offered, the same way")
          .inList(c -> c.sshd().algorithms().ciphers());
  static final Key<String> SSHD_MAC =
      key("sshd", "mac", ValueType.sshAlgorithm(SshAlgorithms.Kind.MAC))
          .shownDefault("SHA-2 `-etm` only")
          .repeating()
          .doc("repeatable; the MACs offered, the same way")
          .inList(c -> c.sshd().algorithms().macs());
  static final Key<String> SSHD_HOST_KEY_ALGORITHM =
      key("sshd", "hostKeyAlgorithm", ValueType.sshAlgorithm(SshAlgorithms.Kind.HOST_KEY_ALGORITHM))
          .shownDefault("no SHA-1")
          .repeating()
          .doc("repeatable; the host key (signature) algorithms offered, the same way; only those"
              + " of the `sshd.hostKey` types are shown to clients")
          .inList(c -> c.sshd().algorithms().hostKeyAlgorithms());
  static final Key<java.nio.file.Path> SSHD_NODE_KNOWN_HOSTS =
      key("sshd", "nodeKnownHosts", ValueType.EXISTING_FILE)
          .doc("the nodes' pinned SSH host keys, an OpenSSH known_hosts file (`ssh-keyscan -p 29418"
              + " HOST` writes its lines); a node whose key is not there is refused; unset: any key"
              + " is taken (a warning is logged)")
          .inOptional(c -> c.sshd().nodeKnownHosts());
  static final Key<org.gerritproxy.routing.Cidr> SSHD_PROXY_PROTOCOL_FROM =
      key("sshd", "proxyProtocolFrom", ValueType.CIDR)
          .repeating()
          .doc("repeatable; sources (an L4 load balancer) whose connections must start with a"
              + " PROXY protocol v1 or v2 header naming the real client; a header from any other"
              + " source is refused (see [security.md](security.md))")
          .inList(c -> c.sshd().proxyProtocolFrom());

  // ------------------------------------------------------------------------- [admin] [accounts]

  static final Key<org.gerritproxy.routing.Endpoint> ADMIN_LISTEN =
      key("admin", "listenAddress", ValueType.LISTEN_ADDRESS)
          .byDefault("127.0.0.1:8090")
          .doc("the dashboard and `/health`")
          .in(c -> c.admin().listenAddress());
  static final Key<Secret> ADMIN_TOKEN =
      key("admin", "token", ValueType.SECRET)
          .doc("required when the admin address is not loopback; sent as `Authorization: Bearer"
              + " TOKEN`")
          .inOptional(c -> c.admin().token());
  static final Key<java.nio.file.Path> ADMIN_SSL_CERTIFICATE =
      key("admin", "sslCertificate", ValueType.EXISTING_FILE)
          .doc("PEM certificate chain; with `admin.sslKey` the admin listener is HTTPS. Required"
              + " when the admin address is not loopback, so the token never travels in clear")
          .inOptional(c -> c.admin().sslCertificate());
  static final Key<java.nio.file.Path> ADMIN_SSL_KEY =
      key("admin", "sslKey", ValueType.EXISTING_FILE)
          .doc("PEM private key (PKCS#8) of `admin.sslCertificate`")
          .inOptional(c -> c.admin().sslKey());
  static final Key<Duration> ADMIN_HISTORY_INTERVAL =
      key("admin", "historyInterval", ValueType.SAMPLE_INTERVAL)
          .byDefault(d(ProxyConfig.Admin.DEFAULT_HISTORY_INTERVAL))
          .doc("how often the dashboard's pictures take a sample of each node; 90 are kept, so"
              + " 10s shows the last 15 minutes")
          .in(c -> c.admin().historyInterval());
  static final Key<String> ACCOUNTS_USER =
      key("accounts", "user", ValueType.TEXT)
          .doc("a Gerrit administrator whose `GET /a/accounts/USER/sshkeys` tells the SSH frontend"
              + " users' keys; without it and its password every SSH login is refused")
          .inOptional(c -> c.accounts().user());
  static final Key<Secret> ACCOUNTS_PASSWORD =
      key("accounts", "password", ValueType.SECRET)
          .doc("the HTTP password of `accounts.user`")
          .inOptional(c -> c.accounts().password());

  // ------------------------------------------------------------------------------- [node "NAME"]

  static final Key<java.net.URI> NODE_HTTP =
      key("node", "http", ValueType.NODE_URL)
          .shownDefault(REQUIRED)
          .doc("base URL of that node's Gerrit")
          .inNode(Node::http);
  static final Key<org.gerritproxy.routing.Endpoint> NODE_SSH =
      key("node", "ssh", ValueType.NODE_ADDRESS)
          .shownDefault(REQUIRED)
          .doc("that node's SSH `host:port`")
          .inNode(Node::ssh);
  static final Key<Integer> NODE_PRIORITY =
      key("node", "priority", ValueType.INTEGER)
          .byDefault("0")
          .doc("higher is preferred as write master")
          .inNode(Node::priority);
  static final Key<Integer> NODE_WEIGHT =
      key("node", "weight", ValueType.WEIGHT)
          .byDefault("1")
          .doc("share of reads")
          .inNode(Node::weight);
  static final Key<AdminState> NODE_STATE =
      key("node", "state", ValueType.oneOf(AdminState.class))
          .byDefault("active")
          .doc("`active`, `drain` (no new sessions, not chosen as master) or `disabled`")
          .inNode(Node::adminState);

  // ----------------------------------------------------------------------------------- [routing]

  static final Key<WritesMode> ROUTING_WRITES =
      key("routing", "writes", ValueType.oneOf(WritesMode.class))
          .byDefault("master")
          .doc("`master`: every write goes to the master; `any`: only submits are pinned (direct"
              + " pushes may then race on two primaries)")
          .in(c -> c.routing().writes());
  static final Key<Duration> ROUTING_READ_YOUR_WRITES =
      key("routing", "readYourWrites", ValueType.DURATION)
          .byDefault("10s")
          .doc("after a successful write, the writer's reads go to the master for this long, over"
              + " HTTP and SSH alike (see [routing.md](routing.md)); each write starts it again; `0` turns"
              + " it off")
          .in(c -> c.routing().readYourWrites());

  // ------------------------------------------------------------------------------------- [fetch]

  static final Key<Integer> FETCH_MAX_PER_NODE =
      key("fetch", "maxPerNode", ValueType.COUNT_OR_OFF)
          .byDefault("0")
          .doc("`git-upload-pack`s (HTTP and SSH) running at once on one Gerrit node; more wait in"
              + " a queue fair across accounts (see [fair-shares.md](fair-shares.md)); `0`: no limit")
          .in(c -> c.fetch().maxPerNode());
  static final Key<Integer> FETCH_MAX_BATCH_PER_NODE =
      key("fetch", "maxBatchPerNode", ValueType.COUNT_OR_OFF)
          .byDefault("0")
          .doc("a batch `git-upload-pack` starts on a Gerrit node only while the node runs fewer"
              + " than this many fetches, people's included; below `maxPerNode`, the rest of the"
              + " node's slots, and its CPU, stay free for interactive fetches, which then never"
              + " wait for a robot's fetch to end and take the place of the robots' next one;"
              + " `0`: only `maxPerNode` limits batch")
          .in(c -> c.fetch().maxBatchPerNode());
  static final Key<Integer> FETCH_MAX_PER_ACCOUNT =
      key("fetch", "maxPerAccount", ValueType.COUNT_OR_OFF)
          .byDefault("0")
          .doc("`git-upload-pack`s of one account running at once, over all nodes; an anonymous"
              + " fetch counts for its client address; `0`: no limit")
          .in(c -> c.fetch().maxPerAccount());
  static final Key<Integer> FETCH_MAX_QUEUED =
      key("fetch", "maxQueued", ValueType.COUNT)
          .byDefault("1000")
          .doc("fetches waiting at once, over all accounts; a fetch beyond it is refused at once")
          .in(c -> c.fetch().maxQueued());
  static final Key<Duration> FETCH_QUEUE_TIMEOUT =
      key("fetch", "queueTimeout", ValueType.POSITIVE_DURATION)
          .byDefault("5m")
          .doc("the longest a fetch waits for a slot; then git shows an error saying so")
          .in(c -> c.fetch().queueTimeout());
  static final Key<String> FETCH_BATCH_ACCOUNT =
      key("fetch", "batchAccount", ValueType.TEXT)
          .repeating()
          .doc("repeatable; a Gerrit user name (compared without case) whose fetches are batch"
              + " work, like Gerrit's Non-Interactive Users: they wait behind every interactive one")
          .inList(c -> c.fetch().batchAccounts().stream().sorted().toList());
  static final Key<String> FETCH_BATCH_GROUP =
      key("fetch", "batchGroup", ValueType.TEXT)
          .repeating()
          .doc("repeatable; a Gerrit group (its name or UUID), e.g. `Non-Interactive Users`, whose"
              + " members' fetches are batch work; the proxy reads the members from the master as"
              + " `[accounts] user` every minute and at each reload")
          .inList(c -> c.fetch().batchGroups().stream().sorted().toList());
  static final Key<java.util.regex.Pattern> FETCH_BATCH_USER_AGENT =
      key("fetch", "batchUserAgent", ValueType.REGEX)
          .doc("a regular expression; a fetch whose HTTP `User-Agent` or SSH client version"
              + " contains a match is batch work, e.g. `^JGit/` (Java CI clients)")
          .inOptional(c -> c.fetch().batchUserAgent());

  // ------------------------------------------------------------------------------- [packCache]

  static final Key<java.nio.file.Path> PACK_CACHE_DIRECTORY =
      key("packCache", "directory", ValueType.PATH)
          .doc("where the pack cache keeps git fetch answers (see [pack-cache.md](pack-cache.md));"
              + " created when missing; unset: no cache. Disposable: deleting it loses nothing")
          .inOptional(c -> c.packCache().directory());
  static final Key<Long> PACK_CACHE_MAX_SIZE =
      key("packCache", "maxSize", ValueType.STORAGE_SIZE)
          .byDefault(org.gerritproxy.routing.packcache.PackCacheSettings.DEFAULT_MAX_SIZE,
              Sizes::format)
          .doc("the most bytes of answers kept; beyond it the least used go first")
          .in(c -> c.packCache().maxSize());
  static final Key<String> PACK_CACHE_PROJECT =
      key("packCache", "project", ValueType.PROJECT_PATTERN)
          .repeating()
          .doc("repeatable; a project whose protocol v2 fetches (HTTP and SSH) may be answered from the cache:"
              + " a name, a prefix like `ci/*`, or a `^regex`; none: no cache")
          .inList(c -> c.packCache().projects().patterns());

  // ---------------------------------------------------------------------------------- [election]

  static final Key<ElectionMode> ELECTION_MODE =
      key("election", "mode", ValueType.oneOf(ElectionMode.class))
          .byDefault("local")
          .doc("`local` (this proxy decides), `static` (the operator names the master),"
              + " `zookeeper` (several proxies decide together; see below)")
          .in(c -> c.election().mode());
  static final Key<String> ELECTION_MASTER =
      key("election", "master", ValueType.TEXT)
          .doc("the master, static mode only")
          .inOptional(c -> c.election().master());
  static final Key<Boolean> ELECTION_FAILBACK =
      key("election", "failback", ValueType.BOOLEAN)
          .byDefault("false")
          .doc("give the master role back to a higher-priority node when it is UP again")
          .in(c -> c.election().failback());
  static final Key<String> ELECTION_ZOOKEEPER =
      key("election", "zookeeper", ValueType.ZOOKEEPER)
          .doc("zookeeper mode: the ensemble, `HOST:PORT,HOST:PORT,…`, with an optional chroot"
              + " (`…/gerrit-proxies`)")
          .inOptional(c -> c.election().zookeeper());
  static final Key<Duration> ELECTION_ZOOKEEPER_SESSION_TIMEOUT =
      key("election", "zookeeperSessionTimeout", ValueType.POSITIVE_DURATION)
          .byDefault("10s")
          .doc("zookeeper mode: the ZooKeeper session timeout; a proxy cut off from ZooKeeper"
              + " stops sending writes within it")
          .in(c -> c.election().zookeeperSessionTimeout());
  static final Key<String> ELECTION_ON_FAILOVER =
      key("election", "onFailover", ValueType.TEXT)
          .doc("an SSH command run on the new master after a failover, e.g. `replication start"
              + " --all` (see below)")
          .inOptional(c -> c.election().onFailover());

  // ------------------------------------------------------------------------------------ [health]

  static final Key<Duration> HEALTH_INTERVAL =
      key("health", "interval", ValueType.POSITIVE_DURATION)
          .byDefault("1s")
          .doc("network probe period (also the heartbeat agent's period)")
          .in(c -> c.health().interval());
  static final Key<Duration> HEALTH_TIMEOUT =
      key("health", "timeout", ValueType.POSITIVE_DURATION)
          .byDefault("2s")
          .doc("network probe timeout (also the heartbeat agent's timeout)")
          .in(c -> c.health().timeout());
  static final Key<Integer> HEALTH_FALL =
      key("health", "fall", ValueType.COUNT)
          .byDefault("3")
          .doc("failed probes in a row before a node is out")
          .in(c -> c.health().fall());
  static final Key<Integer> HEALTH_RISE =
      key("health", "rise", ValueType.COUNT)
          .byDefault("2")
          .doc("good probes in a row before a node that was out is back")
          .in(c -> c.health().rise());
  static final Key<Integer> HEALTH_TRAFFIC_FALL =
      key("health", "trafficFall", ValueType.COUNT)
          .byDefault("3")
          .doc("failures on live traffic in a row (no success between) before a node takes no new"
              + " reads; it never makes a node `DOWN` nor moves the master (see"
              + " [health-and-election.md](health-and-election.md))")
          .in(c -> c.health().trafficFall());
  static final Key<String> HEALTH_PATH =
      key("health", "path", ValueType.HTTP_PATH)
          .byDefault("/config/server/version")
          .doc("the path probed (Gerrit's healthcheck plugin: `/config/server/healthcheck~status`)")
          .in(c -> c.health().path());

  // ----------------------------------------------------------------------------------- [cluster]

  static final Key<StorageMode> CLUSTER_STORAGE =
      key("cluster", "storage", ValueType.oneOf(StorageMode.class))
          .byDefault("shared")
          .doc("`shared`: the nodes share one set of repositories; `replicated`: each node has its"
              + " own and replication copies the master's updates, so a read goes only to a node"
              + " that has the project's latest update (see [replication.md](replication.md))")
          .in(c -> c.routingTable().cluster().storage());
  static final Key<Duration> CLUSTER_MAX_REPLICATION_LAG =
      key("cluster", "maxReplicationLag", ValueType.POSITIVE_DURATION)
          .byDefault("30s")
          .doc("`replicated`: a node that has lacked an update of the master's for longer than this"
              + " takes no reads until it has caught up")
          .in(c -> c.routingTable().cluster().maxReplicationLag());

  // ---------------------------------------------------------------------------------- [backdoor]

  static final Key<BackdoorType> BACKDOOR_TYPE =
      key("backdoor", "type", ValueType.oneOf(BackdoorType.class))
          .byDefault("none")
          .doc("`none`, `jdbc` or `git`: the second health channel (see [health-and-election.md](health-and-election.md))")
          .in(c -> c.backdoor().type());
  static final Key<String> BACKDOOR_URL =
      key("backdoor", "url", ValueType.JDBC_URL)
          .doc("type `jdbc`: the JDBC URL of the shared database (`jdbc:postgresql://…`, or"
              + " `jdbc:h2:…`)")
          .inOptional(c -> c.backdoor().url());
  static final Key<String> BACKDOOR_USER =
      key("backdoor", "user", ValueType.TEXT)
          .doc("type `jdbc`: the database user")
          .inOptional(c -> c.backdoor().user());
  static final Key<Secret> BACKDOOR_PASSWORD =
      key("backdoor", "password", ValueType.SECRET)
          .doc("type `jdbc`: the database password")
          .inOptional(c -> c.backdoor().password());
  static final Key<java.nio.file.Path> BACKDOOR_REPOSITORY =
      key("backdoor", "repository", ValueType.PATH)
          .doc("type `git`: the shared repository that holds the heartbeat refs, e.g."
              + " `/srv/gerrit/git/All-Projects.git`")
          .inOptional(c -> c.backdoor().repository());
  static final Key<Duration> BACKDOOR_STALE_AFTER =
      key("backdoor", "staleAfter", ValueType.POSITIVE_DURATION)
          .byDefault("5s")
          .doc("a heartbeat whose sequence has not moved for this long (on the proxy's clock) is"
              + " stale")
          .in(c -> c.backdoor().staleAfter());

  /** Every key, in the order of the file and of the reference table. */
  static final List<Key<?>> KEYS =
      List.of(
          PROXY_NAME,
          PROXY_SHUTDOWN_TIMEOUT,
          HTTPD_LISTEN,
          HTTPD_SSL_CERTIFICATE,
          HTTPD_SSL_KEY,
          HTTPD_HTTP2,
          HTTPD_MAX_HEADER_SIZE,
          HTTPD_HEADER_TIMEOUT,
          HTTPD_IDLE_TIMEOUT,
          HTTPD_CONNECT_TIMEOUT,
          HTTPD_NODE_HEADER,
          HTTPD_PROXY_PROTOCOL_FROM,
          SSHD_LISTEN,
          SSHD_HOST_KEY,
          SSHD_PEER_KEY,
          SSHD_KEY_CACHE_TTL,
          SSHD_MAX_LOGIN_FAILURES,
          SSHD_LOGIN_FAILURE_WINDOW,
          SSHD_LOGIN_BLOCK,
          SSHD_LOGIN_GRACE_TIME,
          SSHD_IDLE_TIMEOUT,
          SSHD_KEEP_ALIVE_INTERVAL,
          SSHD_KEX,
          SSHD_CIPHER,
          SSHD_MAC,
          SSHD_HOST_KEY_ALGORITHM,
          SSHD_NODE_KNOWN_HOSTS,
          SSHD_PROXY_PROTOCOL_FROM,
          ADMIN_LISTEN,
          ADMIN_TOKEN,
          ADMIN_SSL_CERTIFICATE,
          ADMIN_SSL_KEY,
          ADMIN_HISTORY_INTERVAL,
          ACCOUNTS_USER,
          ACCOUNTS_PASSWORD,
          NODE_HTTP,
          NODE_SSH,
          NODE_PRIORITY,
          NODE_WEIGHT,
          NODE_STATE,
          ROUTING_WRITES,
          ROUTING_READ_YOUR_WRITES,
          FETCH_MAX_PER_NODE,
          FETCH_MAX_BATCH_PER_NODE,
          FETCH_MAX_PER_ACCOUNT,
          FETCH_MAX_QUEUED,
          FETCH_QUEUE_TIMEOUT,
          FETCH_BATCH_ACCOUNT,
          FETCH_BATCH_USER_AGENT,
          FETCH_BATCH_GROUP,
          PACK_CACHE_DIRECTORY,
          PACK_CACHE_MAX_SIZE,
          PACK_CACHE_PROJECT,
          ELECTION_MODE,
          ELECTION_MASTER,
          ELECTION_FAILBACK,
          ELECTION_ZOOKEEPER,
          ELECTION_ZOOKEEPER_SESSION_TIMEOUT,
          ELECTION_ON_FAILOVER,
          HEALTH_INTERVAL,
          HEALTH_TIMEOUT,
          HEALTH_FALL,
          HEALTH_RISE,
          HEALTH_TRAFFIC_FALL,
          HEALTH_PATH,
          CLUSTER_STORAGE,
          CLUSTER_MAX_REPLICATION_LAG,
          BACKDOOR_TYPE,
          BACKDOOR_URL,
          BACKDOOR_USER,
          BACKDOOR_PASSWORD,
          BACKDOOR_REPOSITORY,
          BACKDOOR_STALE_AFTER);

  /** The one section that takes a name, {@code [node "NAME"]}, one per Gerrit server. */
  static final String NODE = "node";

  private ConfigSchema() {}

  static boolean isNamed(String section) {
    return section.equalsIgnoreCase(NODE);
  }

  /** The sections, in file order. */
  static List<String> sectionNames() {
    return KEYS.stream().map(Key::section).distinct().toList();
  }

  /**
   * A section and its keys.
   *
   * @param named takes a subsection name ({@code [node "NAME"]}), and needs one
   */
  record Section(String name, boolean named, List<Key<?>> keys) {
    Optional<Key<?>> key(String name) {
      return keys.stream().filter(k -> k.name().equalsIgnoreCase(name)).findFirst();
    }

    List<String> keyNames() {
      return keys.stream().map(Key::name).toList();
    }
  }

  static Optional<Section> section(String name) {
    return sectionNames().stream()
        .filter(s -> s.equalsIgnoreCase(name))
        .findFirst()
        .map(s -> new Section(s, isNamed(s), keysOf(s)));
  }

  static List<Key<?>> keysOf(String section) {
    return KEYS.stream().filter(k -> k.section().equalsIgnoreCase(section)).toList();
  }

  static List<String> keyNames(String section) {
    return keysOf(section).stream().map(Key::name).toList();
  }

  static Optional<Key<?>> key(String section, String name) {
    return keysOf(section).stream().filter(k -> k.name().equalsIgnoreCase(name)).findFirst();
  }

  static boolean isSecret(String section, String key) {
    return key(section, key).map(Key::secret).orElse(false);
  }

  /** The sections, other than {@code except}, that have a key of that name. */
  static List<String> sectionsWithKey(String key, String except) {
    return sectionNames().stream()
        .filter(s -> !s.equals(except) && key(s, key).isPresent())
        .toList();
  }

  /**
   * The configuration reference as a Markdown table, one row per key: docs/configuration.md holds exactly this
   * (a test checks it).
   */
  static String referenceTable() {
    StringBuilder out = new StringBuilder("| key | default | meaning |\n|---|---|---|\n");
    for (Key<?> k : KEYS) {
      String def =
          k.shownDefault() != null
              ? k.shownDefault()
              : k.hasDefault() ? "`" + k.defaultText() + "`" : "—";
      out.append("| `")
          .append(k.dotted())
          .append("` | ")
          .append(def)
          .append(" | ")
          .append(k.doc())
          .append(" |\n");
    }
    return out.toString();
  }

  /** The keys grouped by section, in file order. */
  static Map<String, List<Key<?>>> bySection() {
    Map<String, List<Key<?>>> out = new LinkedHashMap<>();
    for (Key<?> k : KEYS) {
      out.computeIfAbsent(k.section(), s -> new ArrayList<>()).add(k);
    }
    return out;
  }

  /** The candidate closest to {@code input}, if it is close enough to be a typo. */
  static Optional<String> closest(String input, Collection<String> candidates) {
    return Typos.closest(input, candidates);
  }
}
