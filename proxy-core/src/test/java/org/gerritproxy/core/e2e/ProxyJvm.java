package org.gerritproxy.core.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.gerritproxy.core.cli.Main;
import org.gerritproxy.core.cluster.FreePorts;
import org.gerritproxy.routing.WriteMaster;

/**
 * A proxy run as its own {@code java} process ({@code gerrit-proxy run -c FILE}), so that the
 * test can freeze it with SIGSTOP as a long GC or a frozen VM would, and wake it with SIGCONT.
 * Its ports are chosen before it starts ({@link #freePort}); its output goes to a file. Closing
 * it wakes it first, so that a frozen proxy is never left behind.
 */
final class ProxyJvm implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final String name;
  private final Process process;
  private final int adminPort;
  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(2)).build();
  private volatile boolean stopped;
  // Should the test JVM end without closing this (a crash, a timeout of surefire's fork), the
  // proxy must not outlive it, frozen or not.
  private final Thread onExit;

  private ProxyJvm(String name, Process process, int adminPort) {
    this.name = name;
    this.process = process;
    this.adminPort = adminPort;
    this.onExit = new Thread(this::end, "proxy-jvm-exit-" + name);
    Runtime.getRuntime().addShutdownHook(onExit);
  }

  /**
   * Starts {@code gerrit-proxy run -c config} on the test's classpath, with the system
   * properties given ({@code -Dkey=value}); {@code adminPort} must be the config's admin port.
   */
  static ProxyJvm start(String name, Path config, int adminPort, Path output,
      List<String> properties) throws IOException {
    List<String> command = new java.util.ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-cp", System.getProperty("java.class.path")));
    command.addAll(properties);
    command.addAll(List.of(Main.class.getName(), "run", "-c", config.toString()));
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(output.toFile()).start();
    return new ProxyJvm(name, p, adminPort);
  }

  static int freePort() throws IOException {
    return FreePorts.pick(); // the proxy binds it a second later: not from the ephemeral range
  }

  String name() {
    return name;
  }

  long pid() {
    return process.pid();
  }

  /** For a failure's message: whether the process still runs. */
  String state() {
    return process.isAlive() ? (stopped ? "stopped (SIGSTOP)" : "running")
        : "exited with " + process.exitValue();
  }

  boolean isStopped() {
    return stopped;
  }

  /** SIGSTOP: the whole process freezes, its sockets stay open. */
  void stop() throws IOException, InterruptedException {
    signal("STOP");
    stopped = true;
  }

  /** SIGCONT. */
  void resume() throws IOException, InterruptedException {
    signal("CONT");
    stopped = false;
  }

  private void signal(String signal) throws IOException, InterruptedException {
    int exit = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start()
        .waitFor();
    if (exit != 0) {
      throw new IOException("kill -" + signal + " " + process.pid() + " exited with " + exit);
    }
  }

  /** The master as the proxy's {@code /health} reports it; empty while it does not answer. */
  Optional<WriteMaster> master() {
    try {
      String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort
              + "/health")).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      JsonNode m = JSON.readTree(body).path("master");
      String node = m.path("node").isTextual() ? m.path("node").asText() : null;
      return Optional.of(new WriteMaster(Optional.ofNullable(node), m.path("epoch").asLong(),
          m.path("reason").asText("")));
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** Wakes the process if frozen, then ends it (SIGTERM, then SIGKILL after 30 s). */
  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(onExit);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
    end();
  }

  private void end() {
    try {
      signal("CONT");
    } catch (IOException | InterruptedException e) {
      // gone already, or interrupted: destroy it anyway
    }
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
