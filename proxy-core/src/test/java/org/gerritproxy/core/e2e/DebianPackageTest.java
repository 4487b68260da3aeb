package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.core.cluster.LogMark;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Debian package that {@code mvn package} writes, as an operator meets it: {@code lintian}
 * finds nothing to say; {@code apt-get install ./….deb} installs it, makes the system user and
 * its directories, and marks the {@code /etc} files as conffiles; the installed
 * {@code gerrit-proxy} checks a configuration; the proxy, started from the installed unit's own
 * command line and environment as its system user (systemd does not run here, so {@code setpriv}
 * does what the unit's {@code User=} would), serves a clone to a real Gerrit node, whose own
 * {@code httpd_log} says so; a reinstall keeps the edited conffile; a purge then leaves nothing
 * behind.
 *
 * <p>Run as root on Debian (as CI is), in the {@code verify} phase after {@code package}. It
 * refuses to touch a machine where gerrit-proxy is installed, or was installed by hand: it never
 * replaces nor purges someone else's installation.
 */
class DebianPackageTest {
  private static final String VERSION = System.getProperty("gerrit-proxy.version");
  /** 0.1.0-SNAPSHOT is 0.1.0~SNAPSHOT for dpkg, which sorts it before the release 0.1.0. */
  private static final String DEB_VERSION = VERSION.replaceFirst("-SNAPSHOT$", "~SNAPSHOT");
  private static final Path DEB =
      Path.of("target", "gerrit-proxy_" + DEB_VERSION + "_all.deb").toAbsolutePath();
  private static final String PACKAGE = "gerrit-proxy";
  private static final String USER = "gerrit-proxy";
  private static final Path UNIT = Path.of("/lib/systemd/system/gerrit-proxy.service");
  private static final Path CONFIG = Path.of("/etc/gerrit-proxy/proxy.config");
  /** Everything the package or its scripts make; none may exist before, nor after the purge. */
  private static final List<Path> INSTALLED = List.of(Path.of("/etc/gerrit-proxy"),
      Path.of("/usr/share/gerrit-proxy"), Path.of("/var/lib/gerrit-proxy"),
      Path.of("/var/log/gerrit-proxy"), Path.of("/usr/bin/gerrit-proxy"),
      Path.of("/usr/share/doc/gerrit-proxy"), Path.of("/usr/share/man/man1/gerrit-proxy.1.gz"),
      UNIT, Path.of("/lib/systemd/system/gerrit-proxy-heartbeat@.service"));
  private static final Duration APT = Duration.ofMinutes(5);

  private static final Path LINTIAN = Path.of("/usr/bin/lintian");
  /** lintian, started with the class: it takes half a minute, as long as the install test. */
  private static CompletableFuture<Run> lintian;

  @TempDir Path dir;

  @BeforeAll
  static void startLintian() {
    if (Files.isExecutable(LINTIAN) && Files.isRegularFile(DEB)) {
      lintian = CompletableFuture.supplyAsync(() -> {
        try {
          return run(Path.of("/"), Map.of(), Duration.ofMinutes(5), LINTIAN.toString(),
              DEB.toString());
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      });
    }
  }

  @Test
  void lintianFindsNoErrorNorWarning() throws Exception {
    assumeTrue(Files.isExecutable(LINTIAN),
        "lintian is not installed; the package is not checked here (Debian: apt-get install"
            + " lintian; CI installs it)");
    assertThat(DEB).as("the Debian package; it is written by `mvn package`").isRegularFile();
    long started = System.nanoTime();
    Run lintian = DebianPackageTest.lintian.get(6, TimeUnit.MINUTES);
    System.out.printf("DebianPackageTest: lintian's result waited for %d ms%n",
        (System.nanoTime() - started) / 1_000_000);
    assertThat(lintian.out.lines().filter(l -> l.startsWith("E: ") || l.startsWith("W: ")))
        .as("lintian's errors and warnings; it said:\n" + lintian.out).isEmpty();
    assertThat(lintian.exit).as("lintian's exit status; it said:\n" + lintian.out).isZero();
  }

  @Test
  void installsRunsAsItsUserServesACloneAndPurgesCleanly() throws Exception {
    assumeRootOnDebianWithNoGerritProxy();
    assertThat(DEB).as("the Debian package; it is written by `mvn package`").isRegularFile();
    boolean userExisted = run(dir, Map.of(), APT, "getent", "passwd", USER).exit == 0;
    boolean groupExisted = run(dir, Map.of(), APT, "getent", "group", USER).exit == 0;
    // The node starts while apt-get installs: both take tens of seconds.
    CompletableFuture<GerritCluster> starting = CompletableFuture.supplyAsync(() ->
        GerritCluster.builder().nodes(1).baseDir(clusterDir()).start());
    GerritCluster cluster = null;
    Process proxy = null;
    Run purge;
    try {
      long t0 = System.nanoTime();
      apt("install", "-y", DEB.toString());
      System.out.printf("DebianPackageTest: apt-get install took %d ms%n",
          (System.nanoTime() - t0) / 1_000_000);
      assertThat(run(dir, Map.of(), APT, "dpkg-query", "-W", "-f=${Status} ${Version}", PACKAGE)
          .out).isEqualTo("install ok installed " + DEB_VERSION);
      assertThat(run(dir, Map.of(), APT, "dpkg-query", "-W", "-f=${Conffiles}", PACKAGE).out
          .lines().map(l -> l.strip().split(" ")[0]).filter(l -> !l.isEmpty()).toList())
          .as("the /etc files an upgrade must keep as edited")
          .containsExactlyInAnyOrder("/etc/gerrit-proxy/proxy.config",
              "/etc/gerrit-proxy/java.env", "/etc/gerrit-proxy/logback.xml");

      // The system user and the directories postinst made for it.
      String[] passwd = run(dir, Map.of(), APT, "getent", "passwd", USER).out.strip().split(":");
      assertThat(passwd).as("the system user").hasSize(7);
      int uid = Integer.parseInt(passwd[2]);
      assertThat(uid).as("a system uid").isLessThan(1000);
      assertThat(passwd[5]).isEqualTo("/var/lib/gerrit-proxy");
      for (String d : List.of("/var/lib/gerrit-proxy", "/var/log/gerrit-proxy",
          "/etc/gerrit-proxy/etc")) {
        assertThat(Files.getOwner(Path.of(d)).getName()).as("owner of " + d).isEqualTo(USER);
      }

      Run version = run(dir, Map.of(), APT, "/usr/bin/gerrit-proxy", "--version");
      assertThat(version.out.strip()).as(version.out).isEqualTo("gerrit-proxy " + VERSION);
      // The unit as installed, its ExecStart program now present, as systemd reads it.
      if (Files.isExecutable(Path.of("/usr/bin/systemd-analyze"))) {
        Run verify = run(dir, Map.of(), APT, "systemd-analyze", "verify", UNIT.toString());
        assertThat(verify.exit).as(verify.out).isZero();
        assertThat(verify.out).as("systemd-analyze verify " + UNIT)
            .doesNotContain("gerrit-proxy.service");
      }
      // The heartbeat agent is the same jar's other command, with its own unit.
      Run heartbeat = run(dir, Map.of(), APT, "gerrit-proxy", "heartbeat", "--help");
      assertThat(heartbeat.exit).as(heartbeat.out).isZero();
      assertThat(heartbeat.out).contains("--node");
      assertThat(Path.of("/lib/systemd/system/gerrit-proxy-heartbeat@.service")).isRegularFile();
      Run sample = run(dir, Map.of(), APT, "gerrit-proxy", "check-config", "-c",
          CONFIG.toString());
      assertThat(sample.exit).as("the sample configuration as installed: " + sample.out).isZero();

      t0 = System.nanoTime();
      cluster = starting.get(5, TimeUnit.MINUTES);
      System.out.printf("DebianPackageTest: waited %d ms more for the Gerrit node%n",
          (System.nanoTime() - t0) / 1_000_000);
      GerritNode node = cluster.node(1);
      int httpPort = ProxyJvm.freePort();
      int adminPort = ProxyJvm.freePort();
      // The operator's edit of the conffile: this cluster's node, free ports on loopback.
      Files.writeString(CONFIG, config(node, httpPort, adminPort));
      Run check = run(dir, Map.of(), APT, "gerrit-proxy", "check-config", "-c",
          CONFIG.toString());
      assertThat(check.exit).as(check.out).isZero();
      assertThat(check.out).contains("OK");
      // Run as root, the check must not leave root's access logs where the service writes them.
      assertThat(Path.of("/var/log/gerrit-proxy/httpd_log"))
          .as("an access log made by check-config as root").doesNotExist();

      String project = "deb-" + Long.toString(System.nanoTime(), 36);
      node.admin().createProject(project);
      Path out = dir.resolve("proxy.out");
      proxy = startAsTheUnitWould(out);
      awaitHealthy(proxy, adminPort, out);
      assertThat(uidOf(proxy.pid())).as("the proxy's real uid").isEqualTo(uid);
      assertThat(Files.readString(Path.of("/proc", Long.toString(proxy.pid()), "cmdline")))
          .as("the JVM runs the installed jar")
          .contains("/usr/share/gerrit-proxy/lib/gerrit-proxy.jar");
      assertThat(Path.of("/usr/share/gerrit-proxy/gerrit-plugins/fence.jar"))
          .as("the fence plugin, for each node's plugins/").isRegularFile();

      LogMark mark = node.httpdLog().mark();
      Git.ok(dir, "clone", "-q", "http://127.0.0.1:" + httpPort + "/" + project, "clone");
      assertThat(dir.resolve("clone/.git")).isDirectory();
      node.httpdLog().await(mark, e -> e.path().contains(project)
          && e.path().endsWith("git-upload-pack"), Duration.ofSeconds(30));
      // The proxy's own access log went where the installed launcher sends it.
      Path accessLog = Path.of("/var/log/gerrit-proxy/httpd_log");
      awaitTrue(() -> Files.isRegularFile(accessLog)
              && Files.readString(accessLog).contains("/" + project + "/git-upload-pack"),
          Duration.ofSeconds(30), "the clone in " + accessLog);
      assertThat(Files.getOwner(accessLog).getName()).isEqualTo(USER);

      proxy.destroy(); // SIGTERM: the proxy's graceful stop, as systemctl stop sends it
      assertThat(proxy.waitFor(60, TimeUnit.SECONDS)).as("the proxy stopped on SIGTERM").isTrue();
      proxy = null;

      // Installed again over itself (dpkg's path for an upgrade whose conffiles did not
      // change): the operator's edit stays, and postinst keeps the existing user.
      String edited = Files.readString(CONFIG);
      t0 = System.nanoTime();
      apt("install", "--reinstall", "-y", DEB.toString());
      System.out.printf("DebianPackageTest: apt-get install --reinstall took %d ms%n",
          (System.nanoTime() - t0) / 1_000_000);
      assertThat(Files.readString(CONFIG)).as("the edited conffile after a reinstall")
          .isEqualTo(edited);
      assertThat(run(dir, Map.of(), APT, "getent", "passwd", USER).out.split(":")[2])
          .isEqualTo(Integer.toString(uid));
    } finally {
      if (proxy != null) {
        proxy.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
      // Whatever happened, the machine is left as it was: the package purged, the user and
      // group gone if this test made them.
      long t1 = System.nanoTime();
      purge = knownToDpkg() ? apt("purge", "-y", PACKAGE) : new Run(0, "");
      System.out.printf("DebianPackageTest: apt-get purge took %d ms%n",
          (System.nanoTime() - t1) / 1_000_000);
      if (!userExisted) {
        run(dir, Map.of(), APT, "userdel", USER);
      }
      if (!groupExisted && run(dir, Map.of(), APT, "getent", "group", USER).exit == 0) {
        run(dir, Map.of(), APT, "groupdel", USER);
      }
      if (cluster != null) {
        cluster.close();
      } else {
        starting.thenAccept(GerritCluster::close); // once it has started, if it does
      }
    }
    assertThat(purge.exit).as(purge.out).isZero();
    assertThat(knownToDpkg()).as("dpkg still knows gerrit-proxy after the purge").isFalse();
    assertThat(INSTALLED.stream().filter(p -> Files.exists(p, LinkOption.NOFOLLOW_LINKS)))
        .as("left behind by the purge").isEmpty();
    if (!userExisted) {
      assertThat(run(dir, Map.of(), APT, "getent", "passwd", USER).exit).isNotZero();
    }
  }

  /** The unit's User, WorkingDirectory, Environment and ExecStart, run without systemd. */
  private Process startAsTheUnitWould(Path out) throws IOException {
    Map<String, String> unit = new LinkedHashMap<>();
    List<String> environment = new ArrayList<>();
    for (String line : Files.readAllLines(UNIT)) {
      int eq = line.indexOf('=');
      if (eq > 0 && !line.startsWith("#")) {
        String key = line.substring(0, eq);
        if (key.equals("Environment")) {
          environment.addAll(List.of(line.substring(eq + 1).split(" ")));
        } else {
          unit.putIfAbsent(key, line.substring(eq + 1));
        }
      }
    }
    assertThat(environment).as("the unit's Environment (no quoted values expected)")
        .allMatch(v -> v.contains("=") && !v.contains("\""));
    List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=" + unit.get("User"),
        "--regid=" + unit.get("Group"), "--init-groups", "--reset-env", "--", "env"));
    command.addAll(environment);
    command.addAll(List.of(unit.get("ExecStart").split(" ")));
    return new ProcessBuilder(command).directory(new java.io.File(unit.get("WorkingDirectory")))
        .redirectErrorStream(true).redirectOutput(out.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
  }

  private static String config(GerritNode node, int httpPort, int adminPort) {
    return "[proxy]\n\tname = deb-test\n\tshutdownTimeout = 5s\n"
        + "[httpd]\n\tlistenAddress = 127.0.0.1:" + httpPort + "\n"
        // Relative to this file's directory: /etc/gerrit-proxy/etc, which postinst made.
        + "[sshd]\n\tlistenAddress = 127.0.0.1:0\n\thostKey = etc/ssh_host_ed25519_key\n"
        + "\tpeerKey = etc/peer_key\n"
        + "[admin]\n\tlistenAddress = 127.0.0.1:" + adminPort + "\n"
        + "[health]\n\tinterval = 300ms\n\ttimeout = 2s\n\tfall = 2\n\trise = 1\n"
        + "[election]\n\tmode = static\n\tmaster = " + node.name() + "\n"
        + "[node \"" + node.name() + "\"]\n\thttp = " + node.httpUrl() + "\n"
        + "\tssh = 127.0.0.1:" + node.sshPort() + "\n";
  }

  private static void awaitHealthy(Process proxy, int adminPort, Path out) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort
        + "/health")).timeout(Duration.ofSeconds(5)).build();
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (true) {
      if (!proxy.isAlive()) {
        throw new AssertionError("the installed proxy exited with " + proxy.exitValue() + ":\n"
            + Files.readString(out));
      }
      try {
        if (http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the installed proxy was not healthy within 90 s:\n"
            + Files.readString(out));
      }
      Thread.sleep(200);
    }
  }

  private static int uidOf(long pid) throws IOException {
    return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
        .filter(l -> l.startsWith("Uid:")).map(l -> Integer.parseInt(l.split("\\s+")[1]))
        .findFirst().orElseThrow();
  }

  private interface Check {
    boolean holds() throws Exception;
  }

  private static void awaitTrue(Check check, Duration limit, String what) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!check.holds()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not seen within " + limit.toSeconds() + " s: " + what);
      }
      Thread.sleep(100);
    }
  }

  private static void assumeRootOnDebianWithNoGerritProxy() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "the Debian package is installed"
        + " only when the tests run as root (CI does); this run is "
        + System.getProperty("user.name"));
    for (String tool : List.of("/usr/bin/apt-get", "/usr/bin/dpkg", "/usr/bin/dpkg-query",
        "/usr/bin/setpriv")) {
      assumeTrue(Files.isExecutable(Path.of(tool)), tool + " is missing: not a Debian machine;"
          + " the Debian package is not installed here");
    }
    assumeTrue(!knownToDpkg(), "gerrit-proxy is known to dpkg on this machine (installed, or"
        + " removed with its configuration kept): the test will not replace nor purge that"
        + " installation; purge it first to run this test");
    for (Path p : INSTALLED) {
      assumeTrue(!Files.exists(p, LinkOption.NOFOLLOW_LINKS), p + " exists: gerrit-proxy was"
          + " installed here by hand, and the package's purge would remove it; not tested here");
    }
  }

  /** Installed, or removed with its conffiles kept: dpkg has a record of it. */
  private static boolean knownToDpkg() throws IOException, InterruptedException {
    Run known = run(Path.of("/"), Map.of(), APT, "dpkg-query", "-W", "-f=${Status}", PACKAGE);
    return known.exit == 0 && !known.out.strip().equals("unknown ok not-installed")
        && !known.out.isBlank();
  }

  private Run apt(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("apt-get", "-q",
        // Another apt on the machine (a developer's, another build's) is waited for.
        "-o", "DPkg::Lock::Timeout=240"));
    command.addAll(List.of(args));
    Run r = run(dir, Map.of("DEBIAN_FRONTEND", "noninteractive"), APT,
        command.toArray(String[]::new));
    if (r.exit != 0 && !args[0].equals("purge")) {
      throw new AssertionError(String.join(" ", command) + " exited with " + r.exit + ":\n"
          + r.out);
    }
    return r;
  }

  private static Path clusterDir() {
    // Beside the shared cluster of the other tests, so that the initialised site template that
    // they left is reused; this class runs in the verify phase, after they have all ended.
    String configured = System.getProperty("gerrit.cluster.dir");
    Path base = configured != null && !configured.isBlank() ? Path.of(configured)
        : Path.of(System.getProperty("gerrit.lib", "target/gerrit-lib")).toAbsolutePath()
            .getParent().resolve("gerrit-cluster");
    return base.toAbsolutePath();
  }

  private record Run(int exit, String out) {}

  private static Run run(Path cwd, Map<String, String> env, Duration limit, String... command)
      throws IOException, InterruptedException {
    Path output = Files.createTempFile("deb-test-", ".out");
    try {
      ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile())
          .redirectErrorStream(true).redirectOutput(output.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      pb.environment().putAll(env);
      Process p = pb.start();
      if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError(String.join(" ", command) + " did not finish within "
            + limit.toSeconds() + " s:\n" + Files.readString(output));
      }
      return new Run(p.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(output);
    }
  }
}
