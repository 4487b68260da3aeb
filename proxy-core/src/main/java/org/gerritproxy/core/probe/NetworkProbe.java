package org.gerritproxy.core.probe;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.gerritproxy.routing.Node;

/**
 * Probes a node over the network: an HTTP {@code GET} of a cheap, unauthenticated path (Gerrit's
 * {@code /config/server/version} by default) that must answer 200 within the timeout, and the
 * Gerrit SSH banner on its SSH port; the node answers only when both do.
 *
 * <p>Owns the HTTP probe's thread ({@link HttpCheck}): {@link #close} ends it.
 */
public final class NetworkProbe implements AutoCloseable {
  private final HttpCheck check = new HttpCheck();
  private final Clock clock;

  public NetworkProbe(Clock clock) {
    this.clock = clock;
  }

  public CompletableFuture<ProbeResult> probe(Node node, String path, Duration timeout) {
    CompletableFuture<Optional<String>> ssh = SshBanner.check(node.ssh(), timeout);
    return probeHttp(node, path, timeout).thenCombine(ssh, (http, banner) -> {
      if (!http.ok() || banner.isEmpty()) {
        return http;
      }
      return ProbeResult.unhealthy(http.at(), http.latency(), banner.get());
    });
  }

  /** The HTTP half of {@link #probe}. */
  public CompletableFuture<ProbeResult> probeHttp(Node node, String path, Duration timeout) {
    Instant start = clock.instant();
    long t0 = System.nanoTime();
    URI target;
    try {
      target = target(node.http(), path);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.completedFuture(
          ProbeResult.failure(start, Duration.ZERO, "bad probe URL: " + e.getMessage()));
    }
    return check.status(target, timeout).handle((status, error) -> {
      Duration latency = Duration.ofNanos(System.nanoTime() - t0);
      if (error != null) {
        return ProbeResult.failure(start, latency, describe(error));
      }
      if (status != 200) {
        return ProbeResult.unhealthy(start, latency, "HTTP " + status + " from " + path);
      }
      return ProbeResult.success(start, latency);
    });
  }

  static URI target(URI base, String path) {
    String b = base.toString();
    if (b.endsWith("/")) {
      b = b.substring(0, b.length() - 1);
    }
    return URI.create(b + (path.startsWith("/") ? path : "/" + path));
  }

  private static String describe(Throwable error) {
    Throwable cause = error;
    while ((cause instanceof CompletionException
        || cause instanceof io.netty.handler.codec.DecoderException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    // Netty's connect timeout is a ConnectException too: ask for the timeout first.
    if (cause instanceof TimeoutException
        || cause instanceof io.netty.channel.ConnectTimeoutException) {
      return "no answer within the probe timeout";
    }
    if (cause instanceof java.net.ConnectException) {
      return "connection refused";
    }
    if (cause instanceof javax.net.ssl.SSLException) {
      return "TLS with the node failed: " + cause.getMessage();
    }
    String message = cause.getMessage();
    return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  @Override
  public void close() {
    check.close();
  }
}
