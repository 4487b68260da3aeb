package org.gerritproxy.core.reload;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.gerritproxy.core.config.ProxyConfig;
import org.gerritproxy.http.HttpFrontendSettings;
import org.gerritproxy.routing.ElectionMode;

/**
 * What a reload from the configuration in force ({@code running}) to a new one ({@code next})
 * takes: refused outright, applied at once (hot), a listener bound anew, or a restart. A pure
 * function of the two configurations; the process carries it out.
 *
 * <p>Hot, always: nodes, routing, election (outside zookeeper mode), probes, {@code
 * backdoor.staleAfter}, {@code election.onFailover}, {@code admin.token}, and the HTTP frontend's
 * limits, timeouts and node header (for connections accepted from then on). A listener whose
 * address changed is bound anew with all its new settings; on the same address, a new HTTPS
 * certificate is read at once, and anything else about a listener waits for a restart.
 *
 * @param running the configuration in force, as the listeners run it
 * @param next the configuration just loaded
 */
public record Reconfiguration(ProxyConfig running, ProxyConfig next) {

  public Reconfiguration {
    Objects.requireNonNull(running, "running");
    Objects.requireNonNull(next, "next");
  }

  /** Why the new configuration cannot be applied at all; empty when it can. */
  public Optional<String> refusal() {
    boolean zookeeper =
        next.election().mode() == ElectionMode.ZOOKEEPER
            || running.election().mode() == ElectionMode.ZOOKEEPER;
    if (zookeeper && !next.election().equals(running.election())) {
      return Optional.of(
          "[election] changed to, from or within mode = zookeeper; that needs a restart of"
              + " the proxy. The previous configuration stays in force.");
    }
    return Optional.empty();
  }

  /** The backdoor in use stays until a restart (its {@code staleAfter} applies at once). */
  public boolean backdoorWaitsForRestart() {
    ProxyConfig.Backdoor was = running.backdoor();
    ProxyConfig.Backdoor now = next.backdoor();
    return was.type() != now.type()
        || !was.url().equals(now.url())
        || !was.repository().equals(now.repository());
  }

  /** {@code [httpd] listenAddress} changed: a new HTTP listener, with every new setting. */
  public boolean rebindsHttp() {
    return !running.httpd().listen().equals(next.httpd().listen());
  }

  /** On the same address, HTTPS stays HTTPS with other certificate or key files: read them now. */
  public boolean reloadsCertificate() {
    return !rebindsHttp()
        && running.httpd().isHttps()
        && next.httpd().isHttps()
        && !sameTls(running.httpd(), next.httpd());
  }

  /** On the same address, HTTP became HTTPS or the reverse. */
  public boolean switchesHttpScheme() {
    return !rebindsHttp() && running.httpd().isHttps() != next.httpd().isHttps();
  }

  /**
   * On the same address, limits, timeouts or the node header changed: hot, for connections
   * accepted from now on.
   */
  public boolean changesHttpLimits() {
    // The proxy's name is not a listener setting: a renamed proxy needs no restart for it.
    return !rebindsHttp()
        && !withTlsOf(running.httpd(), next.httpd())
            .withProxyName(next.httpd().proxyName())
            .equals(next.httpd());
  }

  /** {@code [sshd] listenAddress} changed: a new SSH frontend, with every new setting. */
  public boolean rebindsSsh() {
    return !running.sshd().listenAddress().equals(next.sshd().listenAddress());
  }

  /** On the same address, host keys, peer key, key cache, login throttle or [accounts] changed. */
  public boolean changesSshSettings() {
    return !rebindsSsh()
        && !running.sshd().withProxyName(next.sshd().proxyName()).equals(next.sshd());
  }

  /** {@code [admin] listenAddress} changed. */
  public boolean rebindsAdmin() {
    return !running.admin().listenAddress().equals(next.admin().listenAddress());
  }

  /** On the same address, the admin listener stays HTTPS with other certificate or key files. */
  public boolean reloadsAdminCertificate() {
    ProxyConfig.Admin was = running.admin();
    ProxyConfig.Admin now = next.admin();
    return !rebindsAdmin() && was.isHttps() && now.isHttps()
        && !(was.sslCertificate().equals(now.sslCertificate())
            && was.sslKey().equals(now.sslKey()));
  }

  /** What of {@code [admin]} waits for a restart, one sentence each. */
  public List<String> adminWaitsForRestart() {
    if (!rebindsAdmin() && running.admin().isHttps() != next.admin().isHttps()) {
      return List.of("[admin] switched between HTTP and HTTPS on the same address; that takes"
          + " effect after a restart of the proxy, or move it to another address");
    }
    return List.of();
  }

  /** {@code [admin] token} changed: it applies at once, even where the listener cannot move. */
  public boolean changesAdminToken() {
    return !running.admin().token().equals(next.admin().token());
  }

  /** What waits for a restart when every rebind succeeds, one sentence each. */
  public List<String> restartNeeded() {
    List<String> out = new ArrayList<>(httpWaitsForRestart());
    out.addAll(sshWaitsForRestart());
    out.addAll(adminWaitsForRestart());
    return out;
  }

  /** What of {@code [httpd]} waits for a restart, one sentence each. */
  public List<String> httpWaitsForRestart() {
    List<String> out = new ArrayList<>();
    if (switchesHttpScheme()) {
      out.add(
          "[httpd] switched between HTTP and HTTPS on the same address; that takes"
              + " effect after a restart of the proxy");
    }
    return out;
  }

  /** What of {@code [sshd]} and {@code [accounts]} waits for a restart, one sentence each. */
  public List<String> sshWaitsForRestart() {
    List<String> out = new ArrayList<>();
    if (changesSshSettings()) {
      out.add(
          "[sshd] settings other than listenAddress (keys, algorithms, timeouts, throttle),"
              + " or [accounts], changed; they take effect after a restart of the proxy");
    }
    return out;
  }

  /** {@code h} with the certificate and key of {@code from}. */
  public static HttpFrontendSettings withTlsOf(HttpFrontendSettings h, HttpFrontendSettings from) {
    return new HttpFrontendSettings(
        h.listen(),
        from.sslCertificate(),
        from.sslKey(),
        h.maxHeaderSize(),
        h.headerTimeout(),
        h.idleTimeout(),
        h.nodeHeader(),
        h.connectTimeout(),
        h.proxyName(),
        h.proxyProtocolFrom(),
        h.http2());
  }

  private static boolean sameTls(HttpFrontendSettings a, HttpFrontendSettings b) {
    return a.sslCertificate().equals(b.sslCertificate()) && a.sslKey().equals(b.sslKey());
  }
}
