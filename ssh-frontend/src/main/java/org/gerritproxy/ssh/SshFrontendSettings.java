package org.gerritproxy.ssh;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.gerritproxy.routing.Endpoint;

/**
 * What the SSH frontend needs from the configuration: where to listen, its host keys, the peer
 * key it logs in to nodes with, and the Gerrit account that may read users' SSH keys.
 *
 * @param accountsUser with {@code accountsPassword}: the account asked for users' keys; without
 *     it nobody can log in (fail closed)
 * @param loginThrottle how many failed logins block a client address, and for how long
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
    String proxyName) {

  public SshFrontendSettings {
    Objects.requireNonNull(listenAddress, "listenAddress");
    hostKeys = List.copyOf(hostKeys);
    Objects.requireNonNull(peerKey, "peerKey");
    Objects.requireNonNull(accountsUser, "accountsUser");
    Objects.requireNonNull(accountsPassword, "accountsPassword");
    Objects.requireNonNull(keyCache, "keyCache");
    Objects.requireNonNull(loginThrottle, "loginThrottle");
    Objects.requireNonNull(proxyName, "proxyName");
  }

  /** The defaults for everything the configuration does not (yet) name. */
  public static SshFrontendSettings of(Endpoint listenAddress, List<Path> hostKeys, Path peerKey,
      Optional<String> accountsUser, Optional<String> accountsPassword, String proxyName) {
    return new SshFrontendSettings(listenAddress, hostKeys, peerKey, accountsUser, accountsPassword,
        KeyCacheSettings.DEFAULTS, LoginThrottle.Settings.DEFAULTS, Duration.ofMinutes(2), Duration.ofMinutes(10),
        Duration.ofSeconds(30), Duration.ofSeconds(5), proxyName);
  }

  /** These settings with users' key lists trusted for {@code ttl}. */
  public SshFrontendSettings withKeyCacheTtl(Duration ttl) {
    return new SshFrontendSettings(listenAddress, hostKeys, peerKey, accountsUser, accountsPassword,
        new KeyCacheSettings(ttl, keyCache.missTtl(), keyCache.grace(), keyCache.maxUsers()),
        loginThrottle, loginGraceTime, idleTimeout, keepAlive, connectTimeout, proxyName);
  }

  /** These settings with another login throttle. */
  public SshFrontendSettings withLoginThrottle(LoginThrottle.Settings throttle) {
    return new SshFrontendSettings(listenAddress, hostKeys, peerKey, accountsUser, accountsPassword,
        keyCache, throttle, loginGraceTime, idleTimeout, keepAlive, connectTimeout, proxyName);
  }

  /** These settings for a proxy of another name. */
  public SshFrontendSettings withProxyName(String name) {
    return new SshFrontendSettings(listenAddress, hostKeys, peerKey, accountsUser, accountsPassword,
        keyCache, loginThrottle, loginGraceTime, idleTimeout, keepAlive, connectTimeout, name);
  }

  /** Every setting, the password masked: these settings are logged and shown on /health. */
  @Override
  public String toString() {
    return "SshFrontendSettings[listenAddress=" + listenAddress + ", hostKeys=" + hostKeys
        + ", peerKey=" + peerKey + ", accountsUser=" + accountsUser + ", accountsPassword="
        + accountsPassword.map(p -> "********") + ", keyCache=" + keyCache + ", loginThrottle="
        + loginThrottle + ", loginGraceTime=" + loginGraceTime + ", idleTimeout=" + idleTimeout
        + ", keepAlive=" + keepAlive + ", connectTimeout=" + connectTimeout + ", proxyName="
        + proxyName + "]";
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
