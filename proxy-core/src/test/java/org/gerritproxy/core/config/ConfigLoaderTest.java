package org.gerritproxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.gerritproxy.core.config.ProxyConfig.BackdoorType;
import org.gerritproxy.http.HttpFrontendSettings;
import org.gerritproxy.routing.AdminState;
import org.gerritproxy.ssh.LoginThrottle;
import org.gerritproxy.routing.ElectionMode;
import org.gerritproxy.routing.ElectionSettings;
import org.gerritproxy.routing.Endpoint;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.RoutingSettings;
import org.gerritproxy.routing.WritesMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Valid configurations: what they load into, defaults, secrets. */
class ConfigLoaderTest {

  @TempDir Path dir;

  private static final String TWO_NODES =
      """
      [node "gerrit-1"]
        http = http://10.0.0.1:8080
        ssh = 10.0.0.1:29418
      [node "gerrit-2"]
        http = http://10.0.0.2:8080
        ssh = 10.0.0.2:29418
      """;

  private Path write(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  @Test
  void everyKeyLoadsIntoItsTypedValue() throws Exception {
    write("proxy.crt", "cert");
    write("proxy.key", "key");
    Path file =
        write(
            "proxy.config",
            """
            [proxy]
              name = proxy-a
              shutdownTimeout = 1m
            [httpd]
              listenAddress = 0.0.0.0:8443
              sslCertificate = proxy.crt
              sslKey = proxy.key
              maxHeaderSize = 64k
              headerTimeout = 3s
              idleTimeout = 1h
              connectTimeout = 750ms
              nodeHeader = X-Served-By
            [sshd]
              listenAddress = [::]:2222
              hostKey = etc/ssh_host_ed25519_key
              hostKey = /srv/keys/ssh_host_rsa_key
              peerKey = keys/peer
              keyCacheTtl = 90s
            [admin]
              listenAddress = *:8090
              token = s3cret-token
              sslCertificate = proxy.crt
              sslKey = proxy.key
            [accounts]
              user = proxy-admin
              password = hunter2
            [node "gerrit-1"]
              http = https://gerrit1.example.com/r/
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
            [election]
              mode = static
              master = gerrit-1
              failback = yes
              onFailover = "replication start --all"
            [health]
              interval = 500ms
              timeout = 250ms
              fall = 5
              rise = 4
              trafficFall = 6
              path = /config/server/healthcheck~status
            [backdoor]
              type = jdbc
              url = jdbc:postgresql://db/gerrit
              user = gerrit
              password = dbpass
              staleAfter = 15s
            """);

    ProxyConfig c = ConfigLoader.load(file);

    assertThat(c.file()).isEqualTo(file);
    assertThat(c.sources()).containsExactly(file);
    assertThat(c.proxy()).isEqualTo(new ProxyConfig.Proxy("proxy-a", Duration.ofMinutes(1)));
    assertThat(c.httpd())
        .isEqualTo(
            new HttpFrontendSettings(
                new Endpoint("0.0.0.0", 8443),
                Optional.of(dir.resolve("proxy.crt")),
                Optional.of(dir.resolve("proxy.key")),
                64 * 1024,
                Duration.ofSeconds(3),
                Duration.ofHours(1),
                Optional.of("X-Served-By"),
                Duration.ofMillis(750),
                "proxy-a"));
    assertThat(c.sshd().listenAddress()).isEqualTo(new Endpoint("::", 2222));
    assertThat(c.sshd().hostKeys())
        .isEqualTo(
            List.of(
                dir.resolve("etc/ssh_host_ed25519_key"), Path.of("/srv/keys/ssh_host_rsa_key")));
    assertThat(c.sshd().peerKey()).isEqualTo(dir.resolve("keys/peer"));
    assertThat(c.sshd().keyCache().ttl()).isEqualTo(Duration.ofSeconds(90));
    assertThat(c.sshd().accountsUser()).contains("proxy-admin");
    assertThat(c.sshd().accountsPassword()).contains("hunter2");
    assertThat(c.admin().listenAddress()).isEqualTo(new Endpoint("*", 8090));
    assertThat(c.admin().token().orElseThrow().reveal()).isEqualTo("s3cret-token");
    assertThat(c.admin().sslCertificate()).contains(dir.resolve("proxy.crt"));
    assertThat(c.admin().sslKey()).contains(dir.resolve("proxy.key"));
    assertThat(c.accounts().user()).contains("proxy-admin");
    assertThat(c.accounts().password().orElseThrow().reveal()).isEqualTo("hunter2");
    assertThat(c.nodes())
        .containsExactly(
            new Node(
                "gerrit-1",
                URI.create("https://gerrit1.example.com/r"),
                new Endpoint("gerrit1.example.com", 29418),
                100,
                3,
                AdminState.ACTIVE),
            new Node(
                "gerrit-2",
                URI.create("http://10.0.0.2:8080"),
                new Endpoint("10.0.0.2", 29418),
                -5,
                1,
                AdminState.DRAIN));
    assertThat(c.routing()).isEqualTo(new RoutingSettings(WritesMode.ANY, Duration.ZERO));
    assertThat(c.election())
        .isEqualTo(
            new ProxyConfig.Election(
                ElectionMode.STATIC,
                Optional.of("gerrit-1"),
                Optional.empty(),
                true,
                Optional.of("replication start --all"),
                Duration.ofSeconds(10)));
    assertThat(c.health())
        .isEqualTo(
            new ProxyConfig.Health(
                Duration.ofMillis(500),
                Duration.ofMillis(250),
                5,
                4,
                6,
                "/config/server/healthcheck~status"));
    assertThat(c.backdoor().type()).isEqualTo(BackdoorType.JDBC);
    assertThat(c.backdoor().url()).contains("jdbc:postgresql://db/gerrit");
    assertThat(c.backdoor().user()).contains("gerrit");
    assertThat(c.backdoor().password().orElseThrow().reveal()).isEqualTo("dbpass");
    assertThat(c.backdoor().staleAfter()).isEqualTo(Duration.ofSeconds(15));
  }

  @Test
  void theRoutingTableHoldsTheNodesAndSettingsInFileOrder() throws Exception {
    Path file =
        write("proxy.config", TWO_NODES + "[election]\n  mode = static\n  master = gerrit-2\n");

    ProxyConfig c = ConfigLoader.load(file);

    assertThat(c.routingTable().nodes())
        .extracting(Node::name)
        .containsExactly("gerrit-1", "gerrit-2");
    assertThat(c.routingTable().routing()).isEqualTo(RoutingSettings.defaults());
    assertThat(c.routingTable().election())
        .isEqualTo(new ElectionSettings(ElectionMode.STATIC, Optional.of("gerrit-2"), false));
    assertThat(c.node("gerrit-2")).map(Node::priority).contains(0);
  }

  @Test
  void aFileWithOnlyNodesGetsEveryDefault() throws Exception {
    Path file = write("proxy.config", TWO_NODES);

    ProxyConfig c = ConfigLoader.load(file);

    assertThat(c.proxy().name()).isEqualTo(InetAddress.getLocalHost().getHostName());
    assertThat(c.proxy().shutdownTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.httpd())
        .isEqualTo(
            new HttpFrontendSettings(
                new Endpoint("*", 8080),
                Optional.empty(),
                Optional.empty(),
                32 * 1024,
                Duration.ofSeconds(10),
                Duration.ofMinutes(5),
                Optional.of("X-Gerrit-Proxy-Node"),
                Duration.ofSeconds(5),
                c.proxy().name()));
    // The frontends' own defaults are the file's: one set of defaults.
    assertThat(c.httpd())
        .isEqualTo(
            HttpFrontendSettings.defaults(new Endpoint("*", 8080)).withProxyName(c.proxy().name()));
    assertThat(c.sshd().listenAddress()).isEqualTo(new Endpoint("*", 29418));
    assertThat(c.sshd().hostKeys()).isEqualTo(List.of(dir.resolve("etc/ssh_host_ed25519_key")));
    assertThat(c.sshd().peerKey()).isEqualTo(dir.resolve("etc/peer_key"));
    assertThat(c.sshd().keyCache().ttl()).isEqualTo(Duration.ofMinutes(5));
    assertThat(c.sshd().loginThrottle()).isEqualTo(LoginThrottle.Settings.DEFAULTS);
    assertThat(c.admin())
        .isEqualTo(new ProxyConfig.Admin(new Endpoint("127.0.0.1", 8090), Optional.empty()));
    assertThat(c.accounts())
        .isEqualTo(new ProxyConfig.Accounts(Optional.empty(), Optional.empty()));
    assertThat(c.nodes())
        .extracting(Node::priority, Node::weight, Node::adminState)
        .containsOnly(org.assertj.core.groups.Tuple.tuple(0, 1, AdminState.ACTIVE));
    assertThat(c.routing())
        .isEqualTo(new RoutingSettings(WritesMode.MASTER, Duration.ofSeconds(10)));
    assertThat(c.election())
        .isEqualTo(
            new ProxyConfig.Election(
                ElectionMode.LOCAL,
                Optional.empty(),
                Optional.empty(),
                false,
                Optional.empty(),
                Duration.ofSeconds(10)));
    assertThat(c.health())
        .isEqualTo(
            new ProxyConfig.Health(
                Duration.ofSeconds(1), Duration.ofSeconds(2), 3, 2, 3, "/config/server/version"));
    assertThat(c.backdoor())
        .isEqualTo(
            new ProxyConfig.Backdoor(
                BackdoorType.NONE,
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Duration.ofSeconds(5)));
  }

  @Test
  void namesAreCaseInsensitiveButNodeNamesAreNot() throws Exception {
    Path file =
        write(
            "proxy.config",
            """
            [NODE "Gerrit-1"]
              HTTP = http://10.0.0.1:8080
              Ssh = 10.0.0.1:29418
              Priority = 7
            [Routing]
              WRITES = Any
            """);

    ProxyConfig c = ConfigLoader.load(file);

    assertThat(c.nodes()).extracting(Node::name).containsExactly("Gerrit-1");
    assertThat(c.node("Gerrit-1").orElseThrow().priority()).isEqualTo(7);
    assertThat(c.node("gerrit-1")).isEmpty();
    assertThat(c.routing().writes()).isEqualTo(WritesMode.ANY);
  }

  @Test
  void anEmptyNodeHeaderTurnsTheHeaderOff() throws Exception {
    Path file = write("proxy.config", TWO_NODES + "[httpd]\n  nodeHeader =\n");

    assertThat(ConfigLoader.load(file).httpd().nodeHeader()).isEmpty();
  }

  @Test
  void aBooleanKeyWrittenAloneIsTrueAsInGit() throws Exception {
    Path file = write("proxy.config", TWO_NODES + "[election]\n  failback\n");

    assertThat(ConfigLoader.load(file).election().failback()).isTrue();
  }

  @Test
  void zookeeperModeKeepsTheConnectString() throws Exception {
    Path file =
        write(
            "proxy.config",
            TWO_NODES
                + "[election]\n"
                + "  mode = zookeeper\n"
                + "  zookeeper = zk1:2181,zk2:2181,zk3:2181/gerrit-proxy\n");

    assertThat(ConfigLoader.load(file).election().zookeeper())
        .contains("zk1:2181,zk2:2181,zk3:2181/gerrit-proxy");
  }

  @Test
  void gitBackdoorPathIsReadFromTheConfigDirectory() throws Exception {
    Path file =
        write(
            "proxy.config",
            TWO_NODES + "[backdoor]\n  type = git\n  repository = shared/All-Projects.git\n");

    ProxyConfig.Backdoor b = ConfigLoader.load(file).backdoor();

    assertThat(b.type()).isEqualTo(BackdoorType.GIT);
    assertThat(b.repository()).contains(dir.resolve("shared/All-Projects.git"));
  }

  @Test
  void secureConfigSecretsWinOverProxyConfig() throws Exception {
    Path file =
        write(
            "proxy.config",
            TWO_NODES
                + """
                  [admin]
                    listenAddress = 127.0.0.1:8090
                    token = token-from-proxy-config
                  [accounts]
                    user = proxy-admin
                  """);
    Path secure =
        write(
            "secure.config",
            """
            [admin]
              token = token-from-secure-config
            [accounts]
              password = account-password
            """);

    ProxyConfig c = ConfigLoader.load(file);

    assertThat(c.admin().token().orElseThrow().reveal()).isEqualTo("token-from-secure-config");
    assertThat(c.accounts().password().orElseThrow().reveal()).isEqualTo("account-password");
    assertThat(c.sources()).containsExactly(file, secure);
  }

  @Test
  void secretsNeverShowWhenTheConfigIsPrinted() throws Exception {
    Path file =
        write(
            "proxy.config",
            TWO_NODES
                + """
                  [admin]
                    token = proxy-config-token
                  [accounts]
                    user = proxy-admin
                  [backdoor]
                    type = jdbc
                    url = jdbc:postgresql://db/gerrit
                    user = gerrit
                  """);
    write(
        "secure.config",
        """
        [admin]
          token = secure-config-token
        [accounts]
          password = account-password
        [backdoor]
          password = database-password
        """);

    ProxyConfig c = ConfigLoader.load(file);

    for (String shown :
        List.of(
            c.toString(),
            c.toConfigText(),
            c.admin().toString(),
            c.accounts().toString(),
            c.backdoor().toString())) {
      assertThat(shown)
          .doesNotContain(
              "proxy-config-token", "secure-config-token", "account-password", "database-password");
    }
    assertThat(c.toString()).contains("token=Optional[********]", "proxy-admin");
    assertThat(c.toConfigText()).contains("\ttoken = ********\n", "\tpassword = ********\n");
  }

  @Test
  void theConfigTextIsItselfALoadableConfigWithTheSameValues() throws Exception {
    Path file =
        write(
            "proxy.config",
            TWO_NODES
                + """
                  [proxy]
                    name = proxy-a
                  [httpd]
                    nodeHeader =
                  [election]
                    onFailover = "replication start --all # now"
                  [health]
                    interval = 1500ms
                  """);
    ProxyConfig c = ConfigLoader.load(file);

    Path again = dir.resolve("again");
    Files.createDirectories(again);
    Files.writeString(again.resolve("proxy.config"), c.toConfigText());
    ProxyConfig reloaded = ConfigLoader.load(again.resolve("proxy.config"));

    assertThat(reloaded.toConfigText()).isEqualTo(c.toConfigText());
    assertThat(reloaded.election().onFailover()).contains("replication start --all # now");
    assertThat(reloaded.nodes()).isEqualTo(c.nodes());
  }

  @Test
  void loadingTheSameFilesTwiceGivesEqualConfigs() throws Exception {
    Path file = write("proxy.config", TWO_NODES);

    assertThat(ConfigLoader.load(file)).isEqualTo(ConfigLoader.load(file));
  }

  @Test
  void configsThatDifferOnlyInFetchLimitsOrThePackCacheAreNotEqual() throws Exception {
    String fetch = TWO_NODES + "[fetch]\n\tmaxPerNode = 4\n\tbatchUserAgent = ^Jenkins\n";
    Path file = write("proxy.config", fetch);
    ProxyConfig loaded = ConfigLoader.load(file);
    assertThat(ConfigLoader.load(file)).as("a pattern, loaded twice").isEqualTo(loaded)
        .hasSameHashCodeAs(loaded);
    // The same file, edited in one place each time.
    for (String edited : List.of(fetch.replace("= 4", "= 5"), fetch.replace("^Jenkins", "^Zuul"),
        fetch + "[packCache]\n\tdirectory = " + dir.resolve("cache") + "\n\tproject = ci/*\n")) {
      assertThat(ConfigLoader.load(write("proxy.config", edited))).as(edited)
          .isNotEqualTo(loaded);
    }
  }

  @Test
  void aReloadWatchesTheConfigAndItsSecureConfig() {
    Path file = dir.resolve("proxy.config");

    assertThat(ConfigLoader.watchedFiles(file)).containsExactly(file, dir.resolve("secure.config"));
  }

  @Test
  void theSampleConfigurationIsValid() throws Exception {
    Path sample = Path.of("..", "conf", "proxy.config");

    assertThat(ConfigLoader.check(sample)).isEmpty();
    ProxyConfig c = ConfigLoader.load(sample);
    assertThat(c.nodes()).extracting(Node::name).containsExactly("gerrit-1", "gerrit-2");
    assertThat(c.httpd().listen()).isEqualTo(new Endpoint("*", 8080));
    assertThat(c.sshd().listenAddress()).isEqualTo(new Endpoint("*", 29418));
    assertThat(c.admin().listenAddress()).isEqualTo(new Endpoint("127.0.0.1", 8090));
  }

  @Test
  void theSampleSecureConfigHoldsOnlyKeysSecureConfigAccepts() throws Exception {
    write(
        "proxy.config",
        TWO_NODES
            + "[accounts]\n"
            + "  user = proxy-admin\n"
            + "[backdoor]\n"
            + "  type = jdbc\n"
            + "  url = jdbc:h2:mem:x\n"
            + "  user = sa\n");
    Files.copy(Path.of("..", "conf", "secure.config.sample"), dir.resolve("secure.config"));

    assertThat(ConfigLoader.check(dir.resolve("proxy.config"))).isEmpty();
  }
}
