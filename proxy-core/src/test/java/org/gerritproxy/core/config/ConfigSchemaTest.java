package org.gerritproxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The schema is the one place keys are declared: the table of docs/configuration.md is the schema's, every key
 * survives {@link ProxyConfig#toConfigText} and back, and check-config accepts exactly the keys the
 * table lists.
 */
class ConfigSchemaTest {

  @TempDir Path dir;

  /** Static mode and a JDBC backdoor: every key that these allow, set to a non-default value. */
  private static final String STATIC_JDBC =
      """
      [proxy]
        name = proxy-a
        shutdownTimeout = 45s
      [httpd]
        listenAddress = 127.0.0.1:8443
        sslCertificate = proxy.crt
        sslKey = proxy.key
        http2 = false
        maxHeaderSize = 48k
        headerTimeout = 3s
        idleTimeout = 1h
        connectTimeout = 750ms
        nodeHeader = X-Served-By
        proxyProtocolFrom = 192.0.2.0/24
      [sshd]
        listenAddress = 127.0.0.1:2222
        hostKey = etc/ssh_host_ed25519_key
        hostKey = /srv/keys/ssh_host_rsa_key
        peerKey = keys/peer
        keyCacheTtl = 90s
        maxLoginFailures = 7
        loginFailureWindow = 2m
        loginBlock = 10m
        loginGraceTime = 45s
        idleTimeout = 20m
        keepAliveInterval = 15s
        kex = curve25519-sha256
        kex = +ecdh-sha2-nistp256
        cipher = aes256-gcm@openssh.com
        mac = -hmac-sha2-512-etm@openssh.com
        hostKeyAlgorithm = ssh-ed25519
        hostKeyAlgorithm = rsa-sha2-512
        nodeKnownHosts = node_known_hosts
        proxyProtocolFrom = 10.0.0.0/8
        proxyProtocolFrom = fd00::/8
      [admin]
        listenAddress = 0.0.0.0:9090
        token = s3cret-token
        sslCertificate = admin.crt
        sslKey = admin.key
        historyInterval = 5s
      [accounts]
        user = proxy-admin
        password = "hunter2 # not a comment"
      [node "gerrit-1"]
        http = https://gerrit1.example.com/r
        ssh = gerrit1.example.com:29418
        priority = 100
        weight = 3
        state = active
      [node "gerrit-2"]
        http = http://10.0.0.2:8080
        ssh = 10.0.0.2:29418
        priority = -5
        weight = 1
        state = drain
      [routing]
        writes = any
        readYourWrites = 0
      [fetch]
        maxPerNode = 8
        maxBatchPerNode = 5
        maxPerAccount = 2
        maxQueued = 300
        queueTimeout = 90s
        batchAccount = ci-bot
        batchAccount = Nightly
        batchUserAgent = ^JGit/|jenkins
        batchGroup = Non-Interactive Users
      [packCache]
        directory = /var/cache/gerrit-proxy/packs
        maxSize = 20g
        project = ci/*
        project = ^platform/.*$
      [election]
        mode = static
        master = gerrit-1
        failback = true
        zookeeperSessionTimeout = 4s
        onFailover = "replication start --all # now"
      [health]
        interval = 500ms
        timeout = 250ms
        fall = 5
        rise = 4
        trafficFall = 6
        path = /config/server/healthcheck~status
      [cluster]
        storage = replicated
        maxReplicationLag = 45s
      [backdoor]
        type = jdbc
        url = jdbc:postgresql://db/gerrit
        user = gerrit
        password = dbpass
        staleAfter = 15s
      """;

  /** ZooKeeper mode and a git backdoor: the keys the other file cannot hold. */
  private static final String ZOOKEEPER_GIT =
      """
      [node "gerrit-1"]
        http = http://10.0.0.1:8080
        ssh = 10.0.0.1:29418
      [election]
        mode = zookeeper
        zookeeper = zk1:2181,zk2:2181/gerrit-proxies
        zookeeperSessionTimeout = 20s
      [backdoor]
        type = git
        repository = /srv/gerrit/git/All-Projects.git
        staleAfter = 7s
      """;

  private Path write(Path directory, String text) throws IOException {
    Files.createDirectories(directory);
    Files.writeString(directory.resolve("proxy.crt"), "certificate");
    Files.writeString(directory.resolve("proxy.key"), "key");
    Files.writeString(directory.resolve("admin.crt"), "certificate");
    Files.writeString(directory.resolve("admin.key"), "key");
    Files.writeString(directory.resolve("node_known_hosts"),
        "[gerrit1.example.com]:29418 ssh-ed25519"
            + " AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n");
    Path p = directory.resolve("proxy.config");
    Files.writeString(p, text);
    return p;
  }

  @Test
  void everyKeyRoundTripsThroughTheConfigText() throws Exception {
    for (String text : List.of(STATIC_JDBC, ZOOKEEPER_GIT)) {
      ProxyConfig c = ConfigLoader.load(write(dir.resolve("a"), text));

      Path again = dir.resolve("again").resolve("proxy.config");
      Files.createDirectories(again.getParent());
      Files.writeString(again, c.configText(true));
      ProxyConfig reloaded = ConfigLoader.load(again);

      assertThat(reloaded.proxy()).isEqualTo(c.proxy());
      assertThat(reloaded.httpd()).isEqualTo(c.httpd());
      assertThat(reloaded.sshd()).isEqualTo(c.sshd());
      assertThat(reloaded.admin()).isEqualTo(c.admin());
      assertThat(reloaded.accounts()).isEqualTo(c.accounts());
      assertThat(reloaded.routing()).isEqualTo(c.routing());
      assertThat(reloaded.fetch()).isEqualTo(c.fetch());
      assertThat(reloaded.election()).isEqualTo(c.election());
      assertThat(reloaded.health()).isEqualTo(c.health());
      assertThat(reloaded.backdoor()).isEqualTo(c.backdoor());
      assertThat(reloaded.routingTable()).isEqualTo(c.routingTable());
      assertThat(reloaded.toConfigText()).isEqualTo(c.toConfigText());
    }
  }

  @Test
  void theRoundTripFilesSetEveryKeyOfTheSchema() {
    Set<String> set = new TreeSet<>();
    for (String text : List.of(STATIC_JDBC, ZOOKEEPER_GIT)) {
      for (LineIndex.Entry e : LineIndex.of(text).entries()) {
        set.add(dotted(e.section(), e.subsection(), e.name()));
      }
    }
    assertThat(set).isEqualTo(new TreeSet<>(schemaKeys()));
  }

  @Test
  void theConfigTextNamesEveryKeyThatHasAValue() throws Exception {
    ProxyConfig c = ConfigLoader.load(write(dir.resolve("a"), STATIC_JDBC));
    String text = c.toConfigText();
    for (ConfigSchema.Key<?> k : ConfigSchema.KEYS) {
      if (!k.name().equals("zookeeper") && !k.name().equals("repository")) {
        assertThat(text).as(k.dotted()).containsPattern("\\t" + k.name() + " = ");
      }
    }
  }

  @Test
  void theReadmeTableIsTheSchemas() throws IOException {
    assertThat(readmeTable()).isEqualTo(ConfigSchema.referenceTable());
  }

  @Test
  void checkConfigAcceptsEveryKeyOfTheReadmeTableAndNoOther() throws Exception {
    List<String> documented = new ArrayList<>();
    for (String row : readmeTable().split("\n")) {
      if (row.startsWith("| `")) {
        documented.add(row.substring(3, row.indexOf('`', 3)));
      }
    }
    assertThat(documented).containsExactlyElementsOf(schemaKeys());
    assertThat(ConfigLoader.check(write(dir.resolve("a"), STATIC_JDBC))).isEmpty();
    assertThat(ConfigLoader.check(write(dir.resolve("b"), ZOOKEEPER_GIT))).isEmpty();
    assertThat(ConfigLoader.check(write(dir.resolve("c"), ZOOKEEPER_GIT + "[httpd]\n  bogus = 1\n")))
        .extracting(ConfigProblem::message)
        .anyMatch(m -> m.startsWith("unknown key 'bogus' in [httpd]"));
  }

  private static List<String> schemaKeys() {
    return ConfigSchema.KEYS.stream().map(ConfigSchema.Key::dotted).toList();
  }

  private static String dotted(String section, String subsection, String name) {
    String canonical =
        ConfigSchema.key(section, name).map(ConfigSchema.Key::name).orElse(name);
    // Sections are read without case, as git does: name them as the schema spells them.
    section = ConfigSchema.key(section, name).map(ConfigSchema.Key::section).orElse(section);
    return subsection != null
        ? section + ".NAME." + canonical
        : section + "." + canonical;
  }

  /** The table of docs/configuration.md, header row included. */
  private static String readmeTable() throws IOException {
    List<String> lines = Files.readAllLines(Path.of("..", "docs", "configuration.md"));
    int start = lines.indexOf("# Configuration reference");
    StringBuilder table = new StringBuilder();
    boolean in = false;
    for (String line : lines.subList(start, lines.size())) {
      if (line.startsWith("|")) {
        in = true;
        table.append(line).append('\n');
      } else if (in) {
        break;
      }
    }
    return table.toString();
  }
}
