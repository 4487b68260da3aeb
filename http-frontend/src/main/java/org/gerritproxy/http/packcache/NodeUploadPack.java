package org.gerritproxy.http.packcache;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.gerritproxy.packstore.PackCacheScope;
import org.gerritproxy.packstore.PackFill;
import org.gerritproxy.routing.packcache.VisibleRefs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pack cache's own requests to a node's {@code git-upload-pack}, made with the requesting
 * user's credentials (their {@code Authorization} and {@code Cookie} headers, as the client sent
 * them), so that Gerrit's read permissions decide what the user sees: the user's {@code ls-refs},
 * and the fetch that fills an entry.
 */
public final class NodeUploadPack {

  private static final Logger LOG = LoggerFactory.getLogger(NodeUploadPack.class);
  static final String USER_AGENT = PackCacheScope.AGENT;

  private final HttpClient http;
  /** Reads node answers into fills: blocking reads, one thread per fill in progress. */
  private final ExecutorService fills = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "pack-cache-fill");
    t.setDaemon(true);
    return t;
  });
  private final Duration timeout;
  private final java.util.concurrent.ScheduledExecutorService watch =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pack-cache-watch");
        t.setDaemon(true);
        return t;
      });
  /**
   * ls-refs checks under way, by everything that shapes their answer (URL, credentials, object
   * format): a storm of identical fetches by one account asks Gerrit once, not once per client.
   * Only while one is under way; a finished answer is never reused, so a permission change holds
   * from the next check on.
   */
  private final java.util.concurrent.ConcurrentHashMap<String, CompletableFuture<VisibleRefs>>
      checking = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Identical ref requests of clients (capability advertisements, ls-refs) under way: here because
   * this object lives as long as the process, across reloads, like the connections to the nodes.
   */
  private final RequestCoalescer coalescer = new RequestCoalescer();

  public NodeUploadPack(Duration connectTimeout, Duration timeout) {
    // HTTP/1.1 as the relay speaks to the nodes: no h2c upgrade dance on a request with a body.
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(connectTimeout)
        .followRedirects(HttpClient.Redirect.NEVER).executor(fills).build();
    this.timeout = timeout;
  }

  /**
   * The refs the user of {@code headers} sees in the project at {@code url}, of those named by
   * {@code refPrefixes} (none: every ref). Fails (exceptionally)
   * on any answer but a whole ls-refs: the caller then passes the fetch through.
   *
   * @param objectFormat the client's {@code object-format=} capability line, if it sent one
   */
  public CompletableFuture<VisibleRefs> lsRefs(URI url, Map<String, String> headers,
      Optional<String> objectFormat, SortedSet<String> refPrefixes) {
    String key = checkKey(url, headers, objectFormat, refPrefixes);
    CompletableFuture<VisibleRefs> mine = new CompletableFuture<>();
    CompletableFuture<VisibleRefs> running = checking.putIfAbsent(key, mine);
    if (running != null) {
      return running;
    }
    askLsRefs(url, headers, objectFormat, refPrefixes).whenComplete((refs, err) -> {
      checking.remove(key, mine);
      if (err != null) {
        mine.completeExceptionally(err);
      } else {
        mine.complete(refs);
      }
    });
    return mine;
  }

  /** Who asks what: equal keys get equal answers from Gerrit. */
  private static String checkKey(URI url, Map<String, String> headers,
      Optional<String> objectFormat, SortedSet<String> refPrefixes) {
    java.security.MessageDigest d;
    try {
      d = java.security.MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    StringBuilder sb = new StringBuilder(url.toString()).append('\n')
        .append(objectFormat.orElse("")).append('\n')
        .append(String.join("\n", refPrefixes)).append("\n\n");
    // The client address does not change what Gerrit shows; the credentials do.
    headers.forEach((k, v) -> {
      if (!k.equalsIgnoreCase("X-Forwarded-For")) {
        sb.append(k.length()).append(':').append(k).append(v.length()).append(':').append(v);
      }
    });
    return java.util.HexFormat.of().formatHex(
        d.digest(sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  private CompletableFuture<VisibleRefs> askLsRefs(URI url, Map<String, String> headers,
      Optional<String> objectFormat, SortedSet<String> refPrefixes) {
    HttpRequest request = request(url, headers,
        VisibleRefs.lsRefsRequest(USER_AGENT, objectFormat, refPrefixes), Map.of());
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream())
        .thenApply(r -> {
          try (InputStream in = r.body()) {
            if (r.statusCode() != 200) {
              throw new IllegalStateException("ls-refs answered HTTP " + r.statusCode());
            }
            byte[] bytes = in.readNBytes(VisibleRefs.MAX_ANSWER + 1);
            if (bytes.length > VisibleRefs.MAX_ANSWER) {
              throw new IllegalStateException("the ls-refs answer is larger than "
                  + VisibleRefs.MAX_ANSWER + " bytes");
            }
            return VisibleRefs.parseLsRefs(bytes);
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
  }

  /**
   * Sends {@code body} (the client's request, as it sent it) and writes the node's answer into
   * {@code fill}, in the background. The fill keeps it only when the answer is whole.
   *
   * @param extra headers that frame {@code body} as the client framed it (Content-Encoding)
   */
  public void fetchInto(URI url, Map<String, String> headers, Map<String, String> extra,
      byte[] body, PackFill fill) {
    HttpRequest request = request(url, headers, body, extra);
    http.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream()).whenComplete((r, err) -> {
      if (err != null) {
        LOG.info("pack cache: fetch from {} failed: {}", url, err.toString());
        fill.fail();
        return;
      }
      fills.execute(() -> copy(url, r, fill, watch));
    });
  }

  private static void copy(URI url, HttpResponse<InputStream> r, PackFill fill,
      java.util.concurrent.ScheduledExecutorService watch) {
    InputStream body = r.body();
    // A node that stops sending mid-answer: closing the stream ends the blocked read.
    long[] seen = {-1};
    long every = PackFill.IDLE_LIMIT.toMillis();
    java.util.concurrent.ScheduledFuture<?> idle = watch.scheduleAtFixedRate(() -> {
      long now = fill.written();
      if (now == seen[0]) {
        LOG.warn("pack cache: {} sent nothing for {}; giving the fetch up", url, PackFill.IDLE_LIMIT);
        try {
          body.close();
        } catch (IOException ignored) {
          // the read fails either way
        }
      }
      seen[0] = now;
    }, every, every, java.util.concurrent.TimeUnit.MILLISECONDS);
    try (InputStream in = body) {
      if (r.statusCode() != 200) {
        LOG.info("pack cache: fetch from {} answered HTTP {}", url, r.statusCode());
        fill.fail();
        return;
      }
      byte[] buf = new byte[64 * 1024];
      int n;
      while ((n = in.read(buf)) >= 0) {
        if (n > 0) {
          fill.append(buf, n);
        }
      }
      fill.finish();
    } catch (IOException | RuntimeException e) {
      LOG.info("pack cache: fetch from {} ended early: {}", url, e.toString());
      fill.fail();
    } finally {
      idle.cancel(false);
    }
  }

  private HttpRequest request(URI url, Map<String, String> headers, byte[] body,
      Map<String, String> extra) {
    HttpRequest.Builder b = HttpRequest.newBuilder(url)
        .timeout(timeout)
        .header("Content-Type", "application/x-git-upload-pack-request")
        .header("Accept", "application/x-git-upload-pack-result")
        .header("Git-Protocol", "version=2")
        .header("User-Agent", USER_AGENT)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(b::header);
    extra.forEach(b::header);
    return b.build();
  }

  /** Where identical ref requests of clients wait for one answer from Gerrit. */
  public RequestCoalescer coalescer() {
    return coalescer;
  }

  /** Stops the background readers; fills in progress fail. */
  public void close() {
    watch.shutdownNow();
    fills.shutdownNow();
  }
}
