package org.gerritproxy.core.probe;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.gerritproxy.routing.Node;

/**
 * Probes a node over the network: an HTTP {@code GET} of a cheap, unauthenticated path (Gerrit's
 * {@code /config/server/version} by default) that must answer 200 within the timeout, and the
 * Gerrit SSH banner on its SSH port; the node answers only when both do.
 */
public final class NetworkProbe {
  private final HttpClient client;
  private final Clock clock;

  public NetworkProbe(HttpClient client, Clock clock) {
    this.client = client;
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
    HttpRequest request;
    try {
      request = HttpRequest.newBuilder(target(node.http(), path))
          .timeout(timeout)
          .header("User-Agent", "gerrit-proxy-probe")
          .GET()
          .build();
    } catch (IllegalArgumentException e) {
      return CompletableFuture.completedFuture(
          ProbeResult.failure(start, Duration.ZERO, "bad probe URL: " + e.getMessage()));
    }
    return client.sendAsync(request, HttpResponse.BodyHandlers.discarding())
        .orTimeout(timeout.toMillis() + 500, java.util.concurrent.TimeUnit.MILLISECONDS)
        .handle((response, error) -> {
          Duration latency = Duration.ofNanos(System.nanoTime() - t0);
          if (error != null) {
            return ProbeResult.failure(start, latency, describe(error));
          }
          if (response.statusCode() != 200) {
            return ProbeResult.unhealthy(start, latency,
                "HTTP " + response.statusCode() + " from " + path);
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
    // The JDK client wraps a refused connection as ConnectException(null) around a
    // ClosedChannelException: look through the whole chain before picking a message.
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof java.net.ConnectException) {
        return "connection refused";
      }
      if (t instanceof HttpTimeoutException) {
        return "no answer within the probe timeout";
      }
    }
    Throwable cause = error;
    while (cause.getCause() != null
        && (cause instanceof java.util.concurrent.CompletionException || cause.getMessage() == null)) {
      cause = cause.getCause();
    }
    if (cause instanceof HttpTimeoutException || cause instanceof java.util.concurrent.TimeoutException) {
      return "no answer within the probe timeout";
    }
    if (cause instanceof java.net.ConnectException) {
      return "connection refused";
    }
    String message = cause.getMessage();
    return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}
