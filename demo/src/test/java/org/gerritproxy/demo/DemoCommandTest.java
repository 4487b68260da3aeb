package org.gerritproxy.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gerritproxy.core.cluster.FreePorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gerrit-proxy demo} as a user meets it: started as its own process, its printed lines run
 * as printed with the real {@code git}, {@code curl} and {@code ssh}, and its failover hint
 * followed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DemoCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration START_LIMIT = Duration.ofMinutes(5);

  private Path work;
  private Path dataDir;
  private Path output;
  private Process demo;
  private int adminPort;
  private int httpPort;
  private Path logDir;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @BeforeAll
  void startDemo(@TempDir Path work) throws Exception {
    this.work = work;
    int[] ports = freePorts(7);
    adminPort = ports[2];
    httpPort = ports[0];
    logDir = work.resolve("logs");
    dataDir = work.resolve("demo-data");
    output = work.resolve("demo.out");
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m",
        "-cp", System.getProperty("java.class.path"),
        "-Dgerrit.lib=" + System.getProperty("gerrit.lib"),
        "-Dfence.plugin=" + System.getProperty("fence.plugin"),
        "-Dgerrit-proxy.home=" + work,
        // The logging an operator gets: access logs buffered in files under LOG_DIR.
        "-Dlogback.configurationFile="
            + Path.of("..", "conf", "logback.xml").toAbsolutePath().normalize(),
        "-DLOG_DIR=" + logDir,
        DemoMain.class.getName(), "demo",
        "--dir", dataDir.toString(),
        "--http-port", String.valueOf(ports[0]),
        "--ssh-port", String.valueOf(ports[1]),
        "--admin-port", String.valueOf(ports[2]),
        "--node-http-ports", ports[3] + "," + ports[4],
        "--node-ssh-ports", ports[5] + "," + ports[6]));
    demo = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(output.toFile()).start();
    long deadline = System.nanoTime() + START_LIMIT.toNanos();
    while (!printed().contains("Press Ctrl-C")) {
      if (!demo.isAlive()) {
        throw new AssertionError("the demo exited with " + demo.exitValue() + ":\n" + printed());
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the demo was not ready within " + START_LIMIT + ":\n" + printed());
      }
      Thread.sleep(200);
    }
  }

  @AfterAll
  void stopDemo() throws Exception {
    if (demo == null) {
      return;
    }
    // The last request before the stop: its access-log line is still in the buffer (flushed
    // each second), and a normal stop must write it out.
    String lastPath = "/projects/last-request-before-stop-" + System.nanoTime();
    http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + lastPath)).build(),
        HttpResponse.BodyHandlers.discarding());
    demo.destroy(); // SIGTERM, as Ctrl-C would: the demo stops its nodes
    if (!demo.waitFor(60, TimeUnit.SECONDS)) {
      demo.destroyForcibly();
      throw new AssertionError("the demo did not stop within 60 s of SIGTERM");
    }
    assertThat(Files.readString(logDir.resolve("httpd_log")))
        .as("the proxy's access log after SIGTERM").contains("\"GET " + lastPath + "\"");
    for (String node : List.of("gerrit-1", "gerrit-2")) {
      assertThat(dataDir.resolve("gerrit").resolve(node).resolve("logs/gerrit.pid"))
          .as("the demo stopped " + node).doesNotExist();
    }
  }

  @Test
  @Order(1)
  void thePrintedCloneAndPushWorkAsPrintedAndThePushReachesOnlyTheMaster() throws Exception {
    List<String> tryLines = tryLines();
    assertThat(tryLines.get(0)).startsWith("git clone http://localhost:");
    // The first five lines are a shell session: clone, identity, hook, commit, push for review.
    String session = String.join("\n", tryLines.subList(0, 5));
    String out = shell(session);
    assertThat(out).as("git push prints the new change's URL").contains("[NEW]");

    // Gerrit writes its httpd_log line after the response, from its own logging thread: wait.
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
    while (receivePacks("gerrit-1") == 0 && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(receivePacks("gerrit-1")).as("the push reached the master").isPositive();
    assertThat(receivePacks("gerrit-2")).as("no push reached the other node").isZero();
  }

  @Test
  @Order(2)
  void thePrintedSshLinesWork() throws Exception {
    List<String> ssh = tryLines().stream().filter(l -> l.contains("ssh")).toList();
    String version = ssh.stream().filter(l -> l.startsWith("ssh ")).findFirst().orElseThrow();
    assertThat(shell(version)).contains("gerrit version");
    String clone = ssh.stream().filter(l -> l.startsWith("GIT_SSH_COMMAND")).findFirst().orElseThrow();
    shell(clone);
    assertThat(work.resolve("shell/demo-ssh/.git")).isDirectory();
  }

  @Test
  @Order(3)
  void bothChannelsAreWatchedAndKillingTheMasterAsPrintedMovesWritesToTheOtherNode()
      throws Exception {
    JsonNode before = awaitHealth(h -> h.path("nodes").size() == 2
        && allMatch(h, n -> n.path("backdoor").path("state").asText().equals("FRESH_HEALTHY"))
        // The demo installs the fence: the master enforces its epoch, the other refuses writes.
        && h.path("nodes").get(0).path("fence").path("state").asText().equals("enforced")
        && h.path("nodes").get(1).path("fence").path("state").asText().equals("fenced"));
    assertThat(before.path("master").path("node").asText()).isEqualTo("gerrit-1");
    // And the fence below the doors, for the writes Gerrit makes by itself (docs/fence.md).
    for (String node : List.of("gerrit-1", "gerrit-2")) {
      assertThat(Files.readString(dataDir.resolve("gerrit").resolve(node).resolve("logs/console.log")))
          .contains("Installed module org.gerritproxy.fence.FenceGitModule");
    }
    long epoch = before.path("master").path("epoch").asLong();

    Matcher kill = Pattern.compile("(kill -9 \\$\\(cat [^)]+\\))").matcher(printed());
    assertThat(kill.find()).as("the demo prints how to kill the master").isTrue();
    shell(kill.group(1));

    JsonNode after = awaitHealth(h -> h.path("master").path("node").asText().equals("gerrit-2")
        && h.path("nodes").get(1).path("fence").path("state").asText().equals("enforced"));
    assertThat(after.path("master").path("epoch").asLong()).isGreaterThan(epoch);
    JsonNode dead = after.path("nodes").get(0);
    assertThat(dead.path("name").asText()).isEqualTo("gerrit-1");
    assertThat(dead.path("state").asText()).isEqualTo("DOWN");
  }

  // --- helpers

  private String printed() throws IOException {
    return Files.readString(output, StandardCharsets.UTF_8);
  }

  /** The lines the demo prints under "Try:", without their trailing comments. */
  private List<String> tryLines() throws IOException {
    List<String> lines = printed().lines().toList();
    int start = lines.indexOf("Try:") + 1;
    List<String> commands = new ArrayList<>();
    for (String line : lines.subList(start, lines.size())) {
      String command = line.strip();
      if (command.isEmpty() || command.startsWith("the ")) {
        break;
      }
      commands.add(command);
    }
    return commands;
  }

  /** Runs {@code script} with bash in {@code work/shell}, as a user would paste it. */
  private String shell(String script) throws Exception {
    Path dir = Files.createDirectories(work.resolve("shell"));
    ProcessBuilder pb = new ProcessBuilder("bash", "-euc", script).directory(dir.toFile())
        .redirectErrorStream(true);
    pb.environment().put("GIT_TERMINAL_PROMPT", "0");
    pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
    pb.environment().put("GIT_CONFIG_GLOBAL", "/dev/null");
    pb.environment().put("HOME", dir.toString());
    Process p = pb.start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("finished: " + script).isTrue();
    assertThat(p.exitValue()).as(script + "\n" + out).isZero();
    return out;
  }

  private long receivePacks(String node) throws IOException {
    Path log = dataDir.resolve("gerrit").resolve(node).resolve("logs/httpd_log");
    if (!Files.exists(log)) {
      return 0;
    }
    return Files.readAllLines(log).stream()
        .filter(l -> l.contains("POST /a/demo/git-receive-pack")).count();
  }

  private interface HealthCondition {
    boolean holds(JsonNode health);
  }

  private JsonNode awaitHealth(HealthCondition condition) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      try {
        last = JSON.readTree(http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/health"))
                .timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString()).body());
        if (condition.holds(last)) {
          return last;
        }
      } catch (IOException e) {
        // not answering yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("/health did not reach the expected state within 60 s: " + last);
  }

  private interface NodeCondition {
    boolean holds(JsonNode node);
  }

  private static boolean allMatch(JsonNode health, NodeCondition condition) {
    for (JsonNode n : health.path("nodes")) {
      if (!condition.holds(n)) {
        return false;
      }
    }
    return true;
  }

  private static int[] freePorts(int n) throws IOException {
    int[] ports = new int[n];
    for (int i = 0; i < n; i++) {
      ports[i] = FreePorts.pick();
    }
    return ports;
  }
}
