package org.gerritproxy.core.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.gerritproxy.core.cluster.GerritAdmin;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.ssh.KeyFiles;

/**
 * The chaos soaks' clients and what they need: a project anyone registered may push to, a user
 * and SSH key per client, the proxies' peer key trusted by every node, and the proxies the
 * clients go through. With several proxies, client {@code i} of each kind uses proxy
 * {@code i mod n}, so every proxy carries pushes and reads.
 */
final class SoakClients {
  private static final int PUSHERS_PER_TRANSPORT = 2;
  private static final int HTTP_READERS = 3;
  private static final int SSH_READERS = 2;
  private static final int REST_READERS = 3;

  /** One proxy's client ports (loopback). */
  record Proxy(int httpPort, int sshPort) {}

  private final Path dir;
  private final String project;
  private final String suffix;
  private final Map<String, Path> keys;
  private final Path peerKey;
  private final List<Proxy> proxies;

  private SoakClients(Path dir, String project, String suffix, Map<String, Path> keys,
      Path peerKey, List<Proxy> proxies) {
    this.dir = dir;
    this.project = project;
    this.suffix = suffix;
    this.keys = Map.copyOf(keys);
    this.peerKey = peerKey;
    this.proxies = List.copyOf(proxies);
  }

  /** Creates the project, the users and their keys, and the peer key in {@code dir}. */
  static SoakClients prepare(GerritCluster cluster, Path dir) throws Exception {
    String suffix = Long.toString(System.nanoTime(), 36);
    String project = "chaos-" + suffix;
    GerritAdmin admin = cluster.node(1).admin();
    admin.createProject(project);
    Map<String, Object> allow = Map.of("rules",
        Map.of("global:Registered-Users", Map.of("action", "ALLOW")));
    admin.post("projects/" + GerritAdmin.encode(project) + "/access", Map.of("add", Map.of(
        "refs/heads/*", Map.of("permissions", Map.of("push", allow, "create", allow)))));
    Map<String, Path> keys = new LinkedHashMap<>();
    for (String role : List.of("ssh-push-1", "ssh-push-2", "http-push-1", "http-push-2",
        "ssh-read-1", "ssh-read-2")) {
      String user = role + "-" + suffix;
      Path key = SshCli.newKey(dir, "id_" + role);
      admin.createUser(user, "pw-" + suffix, Files.readString(dir.resolve("id_" + role + ".pub")));
      keys.put(role, key);
    }
    cluster.flushCaches("projects", "project_list", "accounts", "sshkeys");
    Path peerKey = dir.resolve("peer_key");
    KeyPair peer = KeyFiles.loadOrCreate(peerKey);
    for (GerritNode node : cluster.nodes()) {
      node.trustPeerKey(KeyFiles.publicBase64(peer));
    }
    return new SoakClients(dir, project, suffix, keys, peerKey, List.of());
  }

  /** The same clients, going through {@code through}. */
  SoakClients via(List<Proxy> through) {
    return new SoakClients(dir, project, suffix, keys, peerKey, through);
  }

  String project() {
    return project;
  }

  /** The proxy configuration's {@code [sshd]} and {@code [accounts]} sections for the soak. */
  String proxySections(Path hostKey) {
    return "[sshd]\n\tpeerKey = " + peerKey + "\n\thostKey = " + hostKey
        + "\n[accounts]\n\tuser = admin\n\tpassword = secret\n";
  }

  private Proxy proxy(int i) {
    return proxies.get(i % proxies.size());
  }

  private String httpUrl(String role, int i) {
    return "http://" + role + "-" + suffix + ":pw-" + suffix + "@127.0.0.1:"
        + proxy(i).httpPort() + "/a/" + project;
  }

  private String sshUrl(String role, int i) {
    return "ssh://" + role + "-" + suffix + "@127.0.0.1:" + proxy(i).sshPort() + "/" + project;
  }

  private Map<String, String> sshEnv(String role) {
    return Map.of("GIT_SSH_COMMAND", SshCli.gitSshCommand(keys.get(role)));
  }

  private String email(String role) {
    return role + "-" + suffix + "@example.com";
  }

  List<SoakPusher> pushers(String prefix, SoakLedger ledger, long seed, Instant until, int max) {
    List<SoakPusher> list = new ArrayList<>();
    for (int i = 1; i <= PUSHERS_PER_TRANSPORT; i++) {
      String http = "http-push-" + i;
      String ssh = "ssh-push-" + i;
      list.add(new SoakPusher(prefix + http, httpUrl(http, list.size()), Map.of(), email(http),
          dir.resolve(prefix + http), ledger, seed + list.size(), until, max));
      list.add(new SoakPusher(prefix + ssh, sshUrl(ssh, list.size()), sshEnv(ssh), email(ssh),
          dir.resolve(prefix + ssh), ledger, seed + list.size(), until, max));
    }
    return list;
  }

  List<SoakReader> readers(String prefix, SoakLedger ledger, long seed, Instant until, int max) {
    List<SoakReader> list = new ArrayList<>();
    for (int i = 1; i <= HTTP_READERS; i++) {
      list.add(SoakReader.git(prefix + "http-read-" + i, "http://127.0.0.1:"
              + proxy(list.size()).httpPort() + "/" + project, Map.of(),
          dir.resolve(prefix + "http-read-" + i), ledger, seed + 100 + list.size(), until, max));
    }
    for (int i = 1; i <= SSH_READERS; i++) {
      String role = "ssh-read-" + i;
      list.add(SoakReader.git(prefix + role, sshUrl(role, list.size()), sshEnv(role),
          dir.resolve(prefix + role), ledger, seed + 100 + list.size(), until, max));
    }
    for (int i = 1; i <= REST_READERS; i++) {
      list.add(SoakReader.rest(prefix + "rest-read-" + i, "http://127.0.0.1:"
              + proxy(list.size()).httpPort(), project, ledger, seed + 100 + list.size(), until,
          max));
    }
    return list;
  }

  /**
   * One soak's clients and records: the nodes' log marks taken now (the audit reads past them),
   * the ledger, the deadline ({@code soak} from now) and at most 4 operations a second each.
   */
  record Round(Map<String, org.gerritproxy.core.cluster.LogMark[]> marks, SoakLedger ledger,
      Instant start, Instant until, int maxOps, List<SoakPusher> pushers, List<Runnable> clients) {}

  Round round(List<GerritNode> nodes, long seed, Duration soak) {
    Map<String, org.gerritproxy.core.cluster.LogMark[]> marks = WriteAudit.marks(nodes);
    SoakLedger ledger = new SoakLedger();
    Instant start = Instant.now();
    Instant until = start.plus(soak);
    int maxOps = (int) Math.max(10, soak.toSeconds() * 4);
    List<SoakPusher> pushers = pushers("", ledger, seed, until, maxOps);
    List<Runnable> clients = new ArrayList<>(pushers);
    clients.addAll(readers("", ledger, seed, until, maxOps));
    return new Round(marks, ledger, start, until, maxOps, pushers, clients);
  }

  /** Every pusher and reader, with {@code prefix} on their names and work directories. */
  List<Runnable> all(String prefix, SoakLedger ledger, long seed, Instant until, int max) {
    List<Runnable> all = new ArrayList<>(pushers(prefix, ledger, seed, until, max));
    all.addAll(readers(prefix, ledger, seed, until, max));
    return all;
  }

  /** Runs every client to its end (bounded by its own deadline and git's time limit). */
  static void runAll(List<? extends Runnable> clients, Duration within)
      throws InterruptedException {
    AtomicInteger n = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(clients.size(), r -> {
      Thread t = new Thread(r, "chaos-client-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    clients.forEach(pool::execute);
    pool.shutdown();
    if (!pool.awaitTermination(within.toMillis(), TimeUnit.MILLISECONDS)) {
      pool.shutdownNow();
      throw new AssertionError("the clients did not finish within " + within.toSeconds() + " s");
    }
  }

  /**
   * The soak: runs {@code clients} (each bounded by its own deadline, {@code soak} from now)
   * while {@code faults} run until the same deadline, then undoes every fault.
   */
  static void runUnder(ScheduledFaults faults, List<Runnable> clients, Instant until,
      Duration soak) throws InterruptedException {
    Thread clientRun = new Thread(() -> {
      try {
        runAll(clients, soak.plus(Duration.ofMinutes(4)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "chaos-clients");
    clientRun.start();
    faults.run(until, (int) soak.toSeconds());
    clientRun.join(soak.plus(Duration.ofMinutes(5)).toMillis());
    org.assertj.core.api.Assertions.assertThat(clientRun.isAlive()).as("the clients finished")
        .isFalse();
    faults.restoreAll(Duration.ofMinutes(3));
  }

  /**
   * The warm-up, no faults: every kind of client twice, so that every event loop and pool the
   * proxies start lazily runs before the soak. A cold node on a loaded machine may be slow to
   * answer a first login, which is refused clearly; anything unclear, or no push at all, means
   * the set-up is broken.
   */
  void warmUp(long seed) throws InterruptedException {
    SoakLedger warm = new SoakLedger();
    runAll(all("warm-", warm, seed, Instant.now().plusSeconds(120), 2), Duration.ofMinutes(4));
    org.assertj.core.api.Assertions.assertThat(warm.failures.ofKind(ClientFailures.UNCLEAR))
        .as("warm-up failures").isEmpty();
    org.assertj.core.api.Assertions.assertThat(warm.acknowledged())
        .as("pushes acknowledged in the warm-up").isNotEmpty();
  }
}
