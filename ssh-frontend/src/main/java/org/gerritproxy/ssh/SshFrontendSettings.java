package org.gerritproxy.ssh;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.gerritproxy.routing.Cidr;
import org.gerritproxy.routing.Endpoint;

/**
 * What the SSH frontend needs from the configuration: where to listen, its host keys, the peer
 * key it logs in to nodes with, and the Gerrit account that may read users' SSH keys.
 *
 * @param accountsUser with {@code accountsPassword}: the account asked for users' keys; without
 *     it nobody can log in (fail closed)
 * @param loginThrottle how many failed logins block a client address, and for how long
 * @param loginGraceTime how long a client may take from connecting to having logged in
 * @param idleTimeout how long a connection may carry nothing (keep-alive answers count) before it
 *     is closed
 * @param keepAlive how often a quiet client is asked for a keep-alive answer (and how often the
 *     proxy keeps its sessions to the nodes alive)
 * @param algorithms what the listener offers its clients
 * @param nodeKnownHosts the nodes' pinned host keys (an OpenSSH known_hosts file); empty: any key
 *     a node shows is taken
 * @param proxyProtocolFrom the sources (load balancers) whose connections must start with a PROXY
 *     protocol header naming the real client; from any other source such a header is refused
 */
public record SshFrontendSettings(
    Endpoint listenAddress,
    List<Path> hostKeys,
    Path peerKey,
    Optional<String> accountsUser,
    Optional<String> accountsPassword,
    KeyCacheSettings keyCache,
    LoginThrottle.Settings loginThrottle,
    Duration loginGraceTime,
    Duration idleTimeout,
    Duration keepAlive,
    Duration connectTimeout,
    String proxyName,
    SshAlgorithms algorithms,
    Optional<Path> nodeKnownHosts,
    List<Cidr> proxyProtocolFrom) {

  /** Login grace time, idle timeout and keep-alive interval when the configuration names none. */
  public static final Duration DEFAULT_LOGIN_GRACE_TIME = Duration.ofMinutes(2);
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(10);
  public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(30);

  public SshFrontendSettings {
    Objects.requireNonNull(listenAddress, "listenAddress");
    hostKeys = List.copyOf(hostKeys);
    Objects.requireNonNull(peerKey, "peerKey");
    Objects.requireNonNull(accountsUser, "accountsUser");
    Objects.requireNonNull(accountsPassword, "accountsPassword");
    Objects.requireNonNull(keyCache, "keyCache");
    Objects.requireNonNull(loginThrottle, "loginThrottle");
    Objects.requireNonNull(proxyName, "proxyName");
    Objects.requireNonNull(loginGraceTime, "loginGraceTime");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(keepAlive, "keepAlive");
    Objects.requireNonNull(algorithms, "algorithms");
    Objects.requireNonNull(nodeKnownHosts, "nodeKnownHosts");
    proxyProtocolFrom = List.copyOf(proxyProtocolFrom);
  }

  /** Settings with the default algorithms, no pinned node keys and no PROXY protocol. */
  public SshFrontendSettings(Endpoint listenAddress, List<Path> hostKeys, Path peerKey,
      Optional<String> accountsUser, Optional<String> accountsPassword, KeyCacheSettings keyCache,
      LoginThrottle.Settings loginThrottle, Duration loginGraceTime, Duration idleTimeout,
      Duration keepAlive, Duration connectTimeout, String proxyName) {
    this(listenAddress, hostKeys, peerKey, accountsUser, accountsPassword, keyCache, loginThrottle,
        loginGraceTime, idleTimeout, keepAlive, connectTimeout, proxyName, SshAlgorithms.DEFAULTS,
        Optional.empty(), List.of());
  }

  /** The defaults for everything the configuration does not (yet) name. */
  public static SshFrontendSettings of(Endpoint listenAddress, List<Path> hostKeys, Path peerKey,
      Optional<String> accountsUser, Optional<String> accountsPassword, String proxyName) {
    return new SshFrontendSettings(listenAddress, hostKeys, peerKey, accountsUser, accountsPassword,
        KeyCacheSettings.DEFAULTS, LoginThrottle.Settings.DEFAULTS, DEFAULT_LOGIN_GRACE_TIME,
        DEFAULT_IDLE_TIMEOUT, DEFAULT_KEEP_ALIVE, Duration.ofSeconds(5), proxyName);
  }

  /** These settings with users' key lists trusted for {@code ttl}. */
  public SshFrontendSettings withKeyCacheTtl(Duration ttl) {
    return new SshFrontendSettings(listenAddress, hostKeys, peerKey, accountsUser, accountsPassword,
        new KeyCacheSettings(ttl, keyCache.missTtl(), keyCache.grace(), keyCache.maxUsers()),
        loginThrottle, loginGraceTime, idleTimeout, keepAlive, connectTimeout, proxyName,
        algorithms, nodeKnownHosts, proxyProtocolFrom);
  }

  /** These settings with another login throttle. */
  public SshFrontendSettings withLoginThrottle(LoginThrottle.Settings throttle) {
    return new SshFrontendSettings(listenAddress, hostKeys, peerKey, accountsUser, accountsPassword,
        keyCache, throttle, loginGraceTime, idleTimeout, keepAlive, connectTimeout, proxyName,
        algorithms, nodeKnownHosts, proxyProtocolFrom);
  }

  /** These settings for a proxy of another name. */
  public SshFrontendSettings withProxyName(String name) {
    return new SshFrontendSettings(listenAddress, hostKeys, peerKey, accountsUser, accountsPassword,
        keyCache, loginThrottle, loginGraceTime, idleTimeout, keepAlive, connectTimeout, name,
        algorithms, nodeKnownHosts, proxyProtocolFrom);
  }

  /** These settings with other login grace time, idle timeout and keep-alive interval. */
  public SshFrontendSettings withTimeouts(Duration loginGrace, Duration idle, Duration alive) {
    return new SshFrontendSettings(listenAddress, hostKeys, peerKey, accountsUser, accountsPassword,
        keyCache, loginThrottle, loginGrace, idle, alive, connectTimeout, proxyName,
        algorithms, nodeKnownHosts, proxyProtocolFrom);
  }

  /** These settings offering other algorithms. */
  public SshFrontendSettings withAlgorithms(SshAlgorithms offered) {
    return new SshFrontendSettings(listenAddress, hostKeys, peerKey, accountsUser, accountsPassword,
        keyCache, loginThrottle, loginGraceTime, idleTimeout, keepAlive, connectTimeout, proxyName,
        offered, nodeKnownHosts, proxyProtocolFrom);
  }

  /** These settings with the nodes' host keys pinned in {@code knownHosts} (or not, when empty). */
  public SshFrontendSettings withNodeKnownHosts(Optional<Path> knownHosts) {
    return new SshFrontendSettings(listenAddress, hostKeys, peerKey, accountsUser, accountsPassword,
        keyCache, loginThrottle, loginGraceTime, idleTimeout, keepAlive, connectTimeout, proxyName,
        algorithms, knownHosts, proxyProtocolFrom);
  }

  /** These settings taking PROXY protocol headers from {@code sources}. */
  public SshFrontendSettings withProxyProtocolFrom(List<Cidr> sources) {
    return new SshFrontendSettings(listenAddress, hostKeys, peerKey, accountsUser, accountsPassword,
        keyCache, loginThrottle, loginGraceTime, idleTimeout, keepAlive, connectTimeout, proxyName,
        algorithms, nodeKnownHosts, sources);
  }

  /**
   * Why {@code file} cannot serve as {@link #nodeKnownHosts}; empty when every line holds a host
   * and a key. MINA skips a line it cannot read, which would leave a node unpinned unnoticed.
   */
  public static Optional<String> knownHostsProblem(Path file) {
    List<String> lines;
    try {
      lines = java.nio.file.Files.readAllLines(file);
    } catch (java.io.IOException e) {
      return Optional.of(file + " cannot be read (" + e + ")");
    }
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String wrong;
      try {
        var entry = org.apache.sshd.client.config.hosts.KnownHostEntry.parseKnownHostEntry(line);
        wrong = entry == null || entry.getKeyEntry() == null
            || entry.getKeyEntry().resolvePublicKey(null,
                org.apache.sshd.common.config.keys.PublicKeyEntryResolver.FAILING) == null
            ? "no host and key" : null;
      } catch (java.io.IOException | java.security.GeneralSecurityException
          | RuntimeException e) {
        wrong = e.getMessage();
      }
      if (wrong != null) {
        return Optional.of(file + " line " + (i + 1) + " is not a known_hosts line (" + wrong
            + "): write the lines `ssh-keyscan -p PORT HOST` prints for each node.");
      }
    }
    return Optional.empty();
  }

  /** Every setting, the password masked: these settings are logged and shown on /health. */
  @Override
  public String toString() {
    return "SshFrontendSettings[listenAddress=" + listenAddress + ", hostKeys=" + hostKeys
        + ", peerKey=" + peerKey + ", accountsUser=" + accountsUser + ", accountsPassword="
        + accountsPassword.map(p -> "********") + ", keyCache=" + keyCache + ", loginThrottle="
        + loginThrottle + ", loginGraceTime=" + loginGraceTime + ", idleTimeout=" + idleTimeout
        + ", keepAlive=" + keepAlive + ", connectTimeout=" + connectTimeout + ", proxyName="
        + proxyName + ", algorithms=" + algorithms + ", nodeKnownHosts=" + nodeKnownHosts
        + ", proxyProtocolFrom=" + proxyProtocolFrom + "]";
  }

  /**
   * How users' keys are cached.
   *
   * @param ttl how long a user's key list is trusted without asking Gerrit again; a deleted key
   *     stops working within it
   * @param missTtl how long "no such user" and "this key is not in the list" answers are
   *     remembered, so that nobody can make the proxy hammer Gerrit
   * @param grace how long past {@code ttl} cached keys keep working while Gerrit cannot be reached
   * @param maxUsers the most users whose keys are held
   */
  public record KeyCacheSettings(Duration ttl, Duration missTtl, Duration grace, long maxUsers) {
    public static final KeyCacheSettings DEFAULTS =
        new KeyCacheSettings(Duration.ofMinutes(5), Duration.ofSeconds(10), Duration.ofHours(1), 10_000);
  }
}
