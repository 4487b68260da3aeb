package org.gerritproxy.core.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * One client reading through the proxy: with the real {@code git}, a clone then fetches into it
 * (a fresh clone again after a failure); or REST {@code GET}s, each on a connection of its own
 * ({@code Connection: close}) so that no client socket outlives the soak.
 */
final class SoakReader implements Runnable {
  private static final Duration GIT_LIMIT = Duration.ofSeconds(120);
  private static final int REST_TIMEOUT_MILLIS = 60_000;

  private final String name;
  private final String gitUrl;
  private final Map<String, String> env;
  private final String restBase;
  private final String project;
  private final Path work;
  private final SoakLedger ledger;
  private final Random random;
  private final Instant until;
  private final int maxReads;

  private SoakReader(String name, String gitUrl, Map<String, String> env, String restBase,
      String project, Path work, SoakLedger ledger, long seed, Instant until, int maxReads) {
    this.name = name;
    this.gitUrl = gitUrl;
    this.env = Map.copyOf(env);
    this.restBase = restBase;
    this.project = project;
    this.work = work;
    this.ledger = ledger;
    this.random = new Random(seed);
    this.until = until;
    this.maxReads = maxReads;
  }

  /** Clones {@code url} and fetches into the clone, over HTTP or SSH ({@code env}). */
  static SoakReader git(String name, String url, Map<String, String> env, Path work,
      SoakLedger ledger, long seed, Instant until, int maxReads) {
    return new SoakReader(name, url, env, null, null, work, ledger, seed, until, maxReads);
  }

  /** GETs a project's branches and the server version from {@code base} (the proxy's URL). */
  static SoakReader rest(String name, String base, String project, SoakLedger ledger, long seed,
      Instant until, int maxReads) {
    return new SoakReader(name, null, Map.of(), base, project, null, ledger, seed, until,
        maxReads);
  }

  @Override
  public void run() {
    try {
      if (work != null) {
        Files.createDirectories(work);
      }
      boolean cloned = false;
      for (int i = 0; i < maxReads && Instant.now().isBefore(until); i++) {
        if (restBase != null) {
          readRest(i % 2 == 0 ? "/projects/" + project + "/branches/" : "/config/server/version");
        } else {
          cloned = readGit(cloned);
        }
        Thread.sleep(100 + random.nextInt(400));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      ledger.failures.add(name, "reader", "the reader itself failed: " + e);
    }
  }

  /** Reads once; returns whether a clone is there to fetch into next time. */
  boolean readGit(boolean cloned) throws IOException, InterruptedException {
    Path repo = work.resolve("repo");
    if (cloned) {
      Git.Result fetch = Git.run(repo, env, GIT_LIMIT, "fetch", "-q", "origin");
      if (fetch.exit() == 0) {
        ledger.succeeded("fetch");
        return true;
      }
      ledger.failures.add(name, "fetch", fetch.output());
      return false;
    }
    deleteTree(repo);
    Git.Result clone = Git.run(work, env, GIT_LIMIT, "clone", "-q", gitUrl, "repo");
    if (clone.exit() == 0) {
      ledger.succeeded("clone");
      return true;
    }
    ledger.failures.add(name, "clone", clone.output());
    return false;
  }

  void readRest(String path) {
    HttpURLConnection c = null;
    try {
      c = (HttpURLConnection) URI.create(restBase + path).toURL().openConnection();
      c.setRequestProperty("Connection", "close");
      c.setConnectTimeout(5_000);
      c.setReadTimeout(REST_TIMEOUT_MILLIS);
      int status = c.getResponseCode();
      InputStream body = status < 400 ? c.getInputStream() : c.getErrorStream();
      String text = body == null ? "" : new String(body.readAllBytes(), StandardCharsets.UTF_8);
      if (status == 200 && text.startsWith(")]}'")) {
        ledger.succeeded("rest");
      } else {
        ledger.failures.add(name, "GET " + path, "HTTP " + status + ": " + text);
      }
    } catch (java.net.SocketTimeoutException e) {
      boolean hung = String.valueOf(e.getMessage()).contains("Read timed out");
      ledger.failures.add(name, "GET " + path, hung
          ? "(no answer within " + REST_TIMEOUT_MILLIS / 1000 + " s) " + e : e.toString());
    } catch (IOException e) {
      ledger.failures.add(name, "GET " + path, e.toString());
    } finally {
      if (c != null) {
        c.disconnect();
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
