package org.gerritproxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Invalid configurations: each problem is reported as {@code FILE:LINE: message}, on the line to
 * blame, with a sentence saying what to write instead; all of them, in file order.
 */
class ConfigProblemsTest {

  @TempDir Path dir;

  /** Lines 1-3: one valid node. */
  private static final String NODE =
      """
      [node "gerrit-1"]
        http = http://10.0.0.1:8080
        ssh = 10.0.0.1:29418
      """;

  private Path file;

  private List<String> problems(String text) throws IOException {
    file = dir.resolve("proxy.config");
    Files.writeString(file, text);
    return ConfigLoader.check(file).stream().map(ConfigProblem::toString).toList();
  }

  private List<String> problems(String text, String secure) throws IOException {
    Files.writeString(dir.resolve("secure.config"), secure);
    return problems(text);
  }

  private String at(int line, String message) {
    return file + ":" + line + ": " + message;
  }

  private String secureAt(int line, String message) {
    return dir.resolve("secure.config") + ":" + line + ": " + message;
  }

  // ---------------------------------------------------------------- format

  @Test
  void aProblemPrintsAsFileLineMessageOrFileMessageWithoutALine() {
    Path f = Path.of("conf/proxy.config");

    assertThat(new ConfigProblem(f, 12, "bad thing."))
        .hasToString("conf/proxy.config:12: bad thing.");
    assertThat(ConfigProblem.ofFile(f, "bad file.")).hasToString("conf/proxy.config: bad file.");
  }

  @Test
  void loadThrowsAConfigExceptionCarryingEveryProblem() throws IOException {
    file = dir.resolve("proxy.config");
    Files.writeString(file, "[helth]\n");

    assertThatThrownBy(() -> ConfigLoader.load(file))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).problems()).hasSize(2))
        .hasMessageContaining(file + ":1: unknown section [helth]")
        .hasMessageContaining(file + ": no node is configured");
  }

  // ---------------------------------------------------------------- [fetch]

  @Test
  void badFetchKeysAreEachReportedOnTheirLine() throws IOException {
    assertThat(problems(NODE + "[fetch]\n  maxPerNode = -1\n  queueTimeout = 0\n"
        + "  batchAccount =\n  batchUserAgent = (JGit\n"))
        .containsExactly(
            at(5, "[fetch] maxPerNode: must be 0 (off) or more, not -1"),
            at(6, "[fetch] queueTimeout: must be longer than 0: write it like 500ms, 2s or 5m"),
            at(7, "[fetch] batchAccount is empty: write batchAccount = USER (a Gerrit user"
                + " name), or remove the line."),
            at(8, "[fetch] batchUserAgent: '(JGit' is not a regular expression (Unclosed group"
                + " near index 5)"));
  }

  @Test
  void aBatchGroupNeedsTheAccountThatReadsItsMembers() throws IOException {
    assertThat(problems(NODE + "[fetch]\n  batchGroup = Non-Interactive Users\n  batchGroup =\n"))
        .contains(
            at(6, "[fetch] batchGroup is empty: write batchGroup = GROUP (a Gerrit group's name"
                + " or UUID), or remove the line."))
        .anyMatch(p -> p.contains("[fetch] batchGroup needs [accounts] user and password"));
  }

  @Test
  void aBatchLimitMustLeaveSlotsForPeople() throws IOException {
    assertThat(problems(NODE + "[fetch]\n  maxPerNode = 4\n  maxBatchPerNode = 4\n"))
        .containsExactly(at(6, "[fetch] maxBatchPerNode (4) must be below maxPerNode (4), so that"
            + " some of a node's slots stay free for people: lower it, or set it to 0 to let batch"
            + " work take every slot."));
    // Without a node limit, the batch limit alone is what leaves room.
    assertThat(problems(NODE + "[fetch]\n  maxBatchPerNode = 2\n")).isEmpty();
  }

  @Test
  void fetchKeysAreReadIntoTheLimits() throws Exception {
    file = dir.resolve("proxy.config");
    Files.writeString(file, NODE + "[fetch]\n  maxPerNode = 8\n  maxBatchPerNode = 6\n  maxPerAccount = 2\n"
        + "  batchAccount = Jenkins\n  batchAccount = zuul\n  batchUserAgent = ^JGit/\n"
        + "  batchGroup = Non-Interactive Users\n"
        + "[accounts]\n  user = proxy-admin\n  password = pw\n");
    var fetch = ConfigLoader.load(file).fetch();
    assertThat(fetch.maxPerNode()).isEqualTo(8);
    assertThat(fetch.maxBatchPerNode()).isEqualTo(6);
    assertThat(fetch.maxPerAccount()).isEqualTo(2);
    assertThat(fetch.queueTimeout()).hasMinutes(5);
    assertThat(fetch.batchAccounts()).containsExactlyInAnyOrder("jenkins", "zuul");
    assertThat(fetch.batchUserAgent().orElseThrow().pattern()).isEqualTo("^JGit/");
    assertThat(fetch.batchGroups()).containsExactly("Non-Interactive Users");
  }

  // ---------------------------------------------------------------- [packCache]

  @Test
  void badPackCacheKeysAreEachReportedOnTheirLine() throws IOException {
    assertThat(problems(NODE + "[packCache]\n  directory = cache\n  maxSize = 10k\n"
        + "  project =\n  project = ^ci-(\n"))
        .containsExactly(
            at(6, "[packCache] maxSize: '10k' is below 1m: write a size like 20g"),
            at(7, "[packCache] project is empty: write project = NAME (or ci/*, or ^regex), or"
                + " remove the line."),
            at(8, "[packCache] project: '^ci-(' is not a regular expression: Unclosed group."));
  }

  @Test
  void halfAPackCacheSectionSaysWhichHalfIsMissing() throws IOException {
    assertThat(problems(NODE + "[packCache]\n  directory = cache\n"))
        .containsExactly(at(5, "[packCache] directory is set but no project is: add project ="
            + " NAME (or a prefix like ci/*, or ^regex) for each project to cache, or remove the"
            + " directory to turn the cache off."));
    assertThat(problems(NODE + "[packCache]\n  project = ci/*\n"))
        .containsExactly(at(5, "[packCache] project is set but no directory is: add directory ="
            + " PATH (where the cache may write), or remove the projects."));
  }

  @Test
  void packCacheKeysAreReadIntoItsSettings() throws Exception {
    file = dir.resolve("proxy.config");
    Files.writeString(file, NODE + "[packCache]\n  directory = cache\n  maxSize = 2g\n"
        + "  project = ci/*\n  project = platform/build\n");
    var cache = ConfigLoader.load(file).packCache();
    assertThat(cache.enabled()).isTrue();
    assertThat(cache.directory()).hasValue(dir.resolve("cache"));
    assertThat(cache.maxSize()).isEqualTo(2L << 30);
    assertThat(cache.projects().matches("ci/tools")).isTrue();
    assertThat(cache.projects().matches("platform/build")).isTrue();
    assertThat(cache.projects().matches("platform/other")).isFalse();
    Files.writeString(file, NODE);
    assertThat(ConfigLoader.load(file).packCache().enabled()).as("off unless configured")
        .isFalse();
  }

  // ---------------------------------------------------------------- names

  @Test
  void aMisspelledKeyIsReportedWithTheKeyItProbablyMeant() throws IOException {
    assertThat(problems(NODE + "  prioriti = 100\n"))
        .containsExactly(
            at(4, "unknown key 'prioriti' in [node \"gerrit-1\"]; did you mean 'priority'?"));
  }

  @Test
  void aKeyOfAnotherSectionSaysWhereItBelongs() throws IOException {
    assertThat(problems(NODE + "[routing]\n  interval = 1s\n"))
        .containsExactly(
            at(5, "unknown key 'interval' in [routing]; interval belongs in [health]."));
  }

  @Test
  void anUnknownKeyListsTheKeysOfItsSection() throws IOException {
    assertThat(problems(NODE + "[proxy]\n  colour = blue\n"))
        .containsExactly(
            at(
                5,
                "unknown key 'colour' in [proxy]; the keys of [proxy] are name,"
                    + " shutdownTimeout."));
  }

  @Test
  void aMisspelledSectionIsReportedOnceAtItsHeader() throws IOException {
    assertThat(problems(NODE + "[helth]\n  interval = 1s\n  fall = 2\n"))
        .containsExactly(at(4, "unknown section [helth]; did you mean [health]?"));
  }

  @Test
  void anUnknownSectionListsTheSections() throws IOException {
    assertThat(problems(NODE + "[gerrit]\n  basePath = git\n"))
        .containsExactly(
            at(
                4,
                "unknown section [gerrit]; the sections are proxy, httpd, sshd,"
                    + " admin, accounts, node, routing, fetch, packCache, election, health, cluster, backdoor."));
  }

  @Test
  void aNodeNeedsANameAndOtherSectionsTakeNone() throws IOException {
    assertThat(problems(NODE + "[node]\n  http = http://x:8080\n[health \"fast\"]\n  fall = 1\n"))
        .containsExactly(
            at(4, "[node] needs a name: write [node \"NAME\"], one section per Gerrit server."),
            at(6, "[health \"fast\"] takes no name: write [health]."));
  }

  @Test
  void aKeyOnTheHeaderLineIsReportedBecauseGitConfigParsersIgnoreIt() throws IOException {
    assertThat(problems(NODE + "[proxy] name = proxy-a\n"))
        .containsExactly(
            at(
                4,
                "'name = proxy-a' after [proxy] on the same line is ignored by"
                    + " git-config parsers: put it on a line of its own below the header."));
  }

  @Test
  void aKeySetTwiceIsReportedAtTheSecond() throws IOException {
    assertThat(problems(NODE + "  weight = 2\n\n  weight = 3\n"))
        .containsExactly(
            at(6, "[node \"gerrit-1\"] weight is already set on line 4: keep one of them."));
  }

  @Test
  void hostKeyMayBeRepeated() throws IOException {
    assertThat(problems(NODE + "[sshd]\n  hostKey = a\n  hostKey = b\n")).isEmpty();
  }

  @Test
  void aNodeDeclaredTwiceIsReportedAtItsSecondHeader() throws IOException {
    assertThat(problems(NODE + NODE))
        .containsExactly(
            at(
                4,
                "[node \"gerrit-1\"] is already declared on line 1: give each node its"
                    + " own name, and keep all of a node's keys in one section."));
  }

  @Test
  void aNodeNameMustBeFitForHeadersAndMetrics() throws IOException {
    assertThat(
            problems(
                "[node \"gerrit 1\"]\n  http = http://10.0.0.1:8080\n  ssh = 10.0.0.1:29418\n"))
        .containsExactly(
            at(
                1,
                "the node name 'gerrit 1' may hold only letters, digits, '.', '_' and"
                    + " '-': it appears in headers, metrics and logs."));
  }

  // ---------------------------------------------------------------- values

  @Test
  void aBadEnumValueListsTheAllowedValues() throws IOException {
    assertThat(problems(NODE + "  state = drained\n[routing]\n  writes = mastr\n"))
        .containsExactly(
            at(
                4,
                "[node \"gerrit-1\"] state: 'drained' is not allowed: write active, drain or"
                    + " disabled (did you mean drain?)"),
            at(
                6,
                "[routing] writes: 'mastr' is not allowed: write master or any (did you mean"
                    + " master?)"));
  }

  @Test
  void aBadDurationSaysHowToWriteOne() throws IOException {
    assertThat(problems(NODE + "[health]\n  interval = 5x\n  timeout = 0\n"))
        .containsExactly(
            at(5, "[health] interval: '5x' is not a duration: write it like 500ms, 2s or 5m"),
            at(6, "[health] timeout: must be longer than 0: write it like 500ms, 2s or 5m"));
  }

  @Test
  void aKeyCacheTtlMustBeAPositiveDuration() throws IOException {
    assertThat(problems(NODE + "[sshd]\n  keyCacheTtl = forever\n"))
        .containsExactly(
            at(
                5,
                "[sshd] keyCacheTtl: 'forever' is not a duration: write it like 500ms, 2s or 5m"));
    assertThat(problems(NODE + "[sshd]\n  keyCacheTtl = 0s\n"))
        .containsExactly(
            at(5, "[sshd] keyCacheTtl: must be longer than 0: write it like 500ms, 2s or 5m"));
  }

  @Test
  void aBadSizeSaysHowToWriteOne() throws IOException {
    assertThat(problems(NODE + "[httpd]\n  maxHeaderSize = 16x\n"))
        .containsExactly(
            at(
                5,
                "[httpd] maxHeaderSize: '16x' is not a size: write it like 16k, 1m or"
                    + " 2g (bytes, in units of 1024)"));
  }

  @Test
  void numbersAreCheckedForTypeAndRange() throws IOException {
    assertThat(problems(NODE + "  priority = high\n  weight = 0\n[health]\n  fall = 0\n"))
        .containsExactly(
            at(4, "[node \"gerrit-1\"] priority: 'high' is not a whole number: write it like 100"),
            at(
                5,
                "[node \"gerrit-1\"] weight: must be at least 1, not 0: to take a node out of"
                    + " reads, set state = drain or disabled"),
            at(7, "[health] fall: must be at least 1, not 0"));
  }

  @Test
  void aBadBooleanSaysTrueOrFalse() throws IOException {
    assertThat(problems(NODE + "[election]\n  failback = maybe\n"))
        .containsExactly(
            at(5, "[election] failback: 'maybe' is not a boolean: write true or false"));
  }

  @Test
  void nodeAddressesMustBeHttpUrlsAndHostPort() throws IOException {
    assertThat(
            problems(
                """
                [node "a"]
                  http = ftp://10.0.0.1
                  ssh = 10.0.0.1
                [node "b"]
                  http = http://admin:pw@10.0.0.2:8080
                  ssh = *:29418
                """))
        .containsExactly(
            at(
                2,
                "[node \"a\"] http: 'ftp://10.0.0.1' must start with http:// or https://, like"
                    + " http://10.0.0.1:8080"),
            at(3, "[node \"a\"] ssh: '10.0.0.1' is not host:port"),
            at(
                5,
                "[node \"b\"] http: the URL must not carry a user or password (they would show in"
                    + " logs): the proxy logs in with [accounts] user and password"),
            at(
                6,
                "[node \"b\"] ssh: '*:29418': * is for listen addresses; write the node's host,"
                    + " like 10.0.0.1:29418"));
  }

  @Test
  void twoNodesCannotBeTheSameServer() throws IOException {
    assertThat(
            problems(
                NODE
                    + "[node \"gerrit-2\"]\n"
                    + "  http = http://10.0.0.1:8080/\n"
                    + "  ssh = 10.0.0.1:29418\n"))
        .containsExactly(
            at(
                5,
                "[node \"gerrit-2\"] http = http://10.0.0.1:8080 is also the URL of node gerrit-1:"
                    + " each node is a different Gerrit server."),
            at(
                6,
                "[node \"gerrit-2\"] ssh = 10.0.0.1:29418 is also the SSH address of node gerrit-1:"
                    + " each node is a different Gerrit server."));
  }

  @Test
  void anEmptyValueIsAProblemExceptWhereEmptyMeansOff() throws IOException {
    assertThat(problems(NODE + "[proxy]\n  name =\n[httpd]\n  nodeHeader =\n"))
        .containsExactly(
            at(
                5,
                "[proxy] name is empty: give it a value, or remove the line to get the default."));
  }

  @Test
  void theHealthPathMustBeAbsolute() throws IOException {
    assertThat(problems(NODE + "[health]\n  path = config/server/version\n"))
        .containsExactly(
            at(
                5,
                "[health] path: 'config/server/version' must be an absolute path on each"
                    + " node, like /config/server/version"));
  }

  // ---------------------------------------------------------------- required keys

  @Test
  void aMissingRequiredKeyIsReportedAtItsSectionHeader() throws IOException {
    assertThat(problems("# two nodes\n\n[node \"gerrit-1\"]\n  priority = 1\n"))
        .containsExactly(
            at(
                3,
                "[node \"gerrit-1\"] has no http: add http = http://HOST:8080, the base URL of that"
                    + " node's Gerrit."),
            at(
                3,
                "[node \"gerrit-1\"] has no ssh: add ssh = HOST:29418, that node's Gerrit SSH"
                    + " daemon."));
  }

  @Test
  void aConfigWithoutNodesIsAProblemOfTheWholeFile() throws IOException {
    assertThat(problems("[proxy]\n  name = a\n"))
        .containsExactly(
            file
                + ": no node is configured: add a [node \"NAME\"] section with http and"
                + " ssh for each Gerrit server of the cluster.");
  }

  // ---------------------------------------------------------------- cross-field rules

  @Test
  void staticModeNeedsAMasterThatIsANode() throws IOException {
    assertThat(problems(NODE + "[election]\n  mode = static\n"))
        .containsExactly(
            at(
                5,
                "[election] mode = static needs master = NODE, the node that takes all"
                    + " writes (one of gerrit-1)."));
    assertThat(problems(NODE + "[election]\n  mode = static\n  master = gerrit1\n"))
        .containsExactly(
            at(6, "[election] master = gerrit1 names no node; did you mean gerrit-1?"));
  }

  @Test
  void theStaticMasterCannotBeADisabledNode() throws IOException {
    assertThat(
            problems(
                NODE + "  state = disabled\n[election]\n  mode = static\n  master = gerrit-1\n"))
        .containsExactly(
            at(
                7,
                "[election] master = gerrit-1 names a disabled node: set its state to"
                    + " active, or name another master."));
  }

  @Test
  void keysOfAnotherElectionModeAreProblems() throws IOException {
    assertThat(problems(NODE + "[election]\n  master = gerrit-1\n  zookeeper = zk1:2181\n"))
        .containsExactly(
            at(
                5,
                "[election] master applies only with mode = static, but mode is local: set mode ="
                    + " static to pin the master, or remove master."),
            at(
                6,
                "[election] zookeeper applies only with mode = zookeeper, but mode is local: set"
                    + " mode = zookeeper when several proxies run side by side, or remove"
                    + " zookeeper."));
  }

  @Test
  void zookeeperModeNeedsAValidEnsemble() throws IOException {
    assertThat(problems(NODE + "[election]\n  mode = zookeeper\n"))
        .containsExactly(
            at(
                5,
                "[election] mode = zookeeper needs zookeeper = HOST:PORT,HOST:PORT,"
                    + " the ZooKeeper ensemble the proxies agree through."));
    assertThat(problems(NODE + "[election]\n  mode = zookeeper\n  zookeeper = zk1:2181,zk2\n"))
        .containsExactly(
            at(
                6,
                "[election] zookeeper: 'zk2' is not a ZooKeeper server: write"
                    + " HOST:PORT[,HOST:PORT...] with an optional /chroot, like"
                    + " zk1:2181,zk2:2181,zk3:2181"));
  }

  @Test
  void aCertificateNeedsItsKey() throws IOException {
    Files.writeString(dir.resolve("proxy.crt"), "pem");
    assertThat(problems(NODE + "[httpd]\n  sslCertificate = proxy.crt\n"))
        .containsExactly(
            at(
                5,
                "[httpd] sslCertificate is set without sslKey: HTTPS needs both PEM"
                    + " files, the certificate chain and its private key; HTTP neither."));
  }

  @Test
  void tlsFilesMustExistRelativeToTheConfigDirectory() throws IOException {
    Files.writeString(dir.resolve("proxy.crt"), "pem");
    assertThat(problems(NODE + "[httpd]\n  sslCertificate = proxy.crt\n  sslKey = missing.key\n"))
        .containsExactly(
            at(
                6,
                "[httpd] sslKey: "
                    + dir.resolve("missing.key")
                    + " does not exist or is"
                    + " not a file (relative paths are read from "
                    + dir
                    + ")"));
  }

  @Test
  void anAdminServerOffLoopbackNeedsATokenAndTls() throws IOException {
    assertThat(problems(NODE + "[admin]\n  listenAddress = *:8090\n"))
        .containsExactly(
            at(
                5,
                "[admin] listenAddress = *:8090 is reachable from other hosts, so the admin server"
                    + " needs a token: set [admin] token (best in secure.config), or listen on"
                    + " 127.0.0.1."),
            at(5, CLEAR_TOKEN));
    assertThat(problems(NODE + "[admin]\n  listenAddress = localhost:8090\n")).isEmpty();
    assertThat(problems(NODE + "[admin]\n  listenAddress = [::1]:8090\n")).isEmpty();
  }

  @Test
  void theAccountNeedsUserAndPasswordTogether() throws IOException {
    assertThat(problems(NODE + "[accounts]\n  user = proxy-admin\n"))
        .containsExactly(
            at(
                5,
                "[accounts] user is set without its password: add [accounts] password"
                    + " (the account's HTTP password) to secure.config."));
  }

  @Test
  void replicatedStorageNeedsTheAccountThatStreamsTheMastersEvents() throws IOException {
    assertThat(problems(NODE + "[cluster]\n  storage = replicated\n"))
        .containsExactly(
            at(
                5,
                "[cluster] storage = replicated needs [accounts] user and password: the Gerrit"
                    + " account that streams the master's ref-updated events and reads the nodes'"
                    + " refs."));
    assertThat(problems(NODE + "[cluster]\n  storage = replicated\n  maxReplicationLag = 0\n"
        + "[accounts]\n  user = a\n  password = p\n"))
        .singleElement().asString().startsWith(at(6, "[cluster] maxReplicationLag"));
    assertThat(problems(NODE + "[cluster]\n  storage = replicatd\n"))
        .singleElement().asString().contains("replicated");
    assertThat(problems(NODE + "[cluster]\n  storage = replicated\n  maxReplicationLag = 1m\n"
        + "[accounts]\n  user = a\n  password = p\n")).isEmpty();
  }

  @Test
  void theBackdoorTypeDecidesWhichKeysBelong() throws IOException {
    assertThat(problems(NODE + "[backdoor]\n  type = jdbc\n"))
        .containsExactly(
            at(
                5,
                "[backdoor] type = jdbc needs url = jdbc:..., the JDBC URL of the"
                    + " cluster's shared database (for example jdbc:postgresql://db/gerrit)."));
    assertThat(problems(NODE + "[backdoor]\n  url = jdbc:postgresql://db/gerrit\n"))
        .containsExactly(
            at(
                5,
                "[backdoor] url applies only to type = jdbc, but type is none: set"
                    + " type = jdbc, or remove url."));
    assertThat(problems(NODE + "[backdoor]\n  type = git\n"))
        .containsExactly(
            at(
                5,
                "[backdoor] type = git needs repository = PATH, a git repository that"
                    + " every node shares (for example /srv/git/All-Projects.git)."));
    assertThat(problems(NODE + "[backdoor]\n  type = jdbc\n  url = postgresql://db\n"))
        .containsExactly(
            at(
                6,
                "[backdoor] url: 'postgresql://db' is not a JDBC URL: write it like"
                    + " jdbc:postgresql://db/gerrit"));
  }

  @Test
  void twoListenersCannotShareAPort() throws IOException {
    assertThat(problems(NODE + "[sshd]\n  listenAddress = *:8080\n"))
        .containsExactly(
            at(
                5,
                "[sshd] listenAddress = *:8080 takes the port of [httpd] listenAddress"
                    + " = *:8080: give each listener its own port."));
  }

  // ---------------------------------------------------------------- secure.config

  @Test
  void secureConfigProblemsNameSecureConfig() throws IOException {
    assertThat(problems(NODE, "[admin]\n  token = t\n  listenAddress = *:9000\n[acounts]\n"))
        .containsExactly(
            secureAt(
                3,
                "secure.config holds only secrets (passwords and tokens): move [admin]"
                    + " listenAddress to proxy.config."),
            secureAt(4, "unknown section [acounts]; did you mean [accounts]?"));
  }

  private static final String CLEAR_TOKEN =
      "[admin] listenAddress = *:8090 is reachable from other hosts, so the admin token would"
          + " travel in clear: set [admin] sslCertificate and sslKey (PEM files) to serve the admin"
          + " pages over HTTPS, or listen on 127.0.0.1.";

  @Test
  void aTokenInSecureConfigAndTlsSatisfyAnAdminServerOffLoopback() throws IOException {
    Files.writeString(dir.resolve("admin.crt"), "pem");
    Files.writeString(dir.resolve("admin.key"), "pem");
    assertThat(problems(NODE + "[admin]\n  listenAddress = *:8090\n  sslCertificate = admin.crt\n"
        + "  sslKey = admin.key\n", "[admin]\n  token = t0k3n\n"))
        .isEmpty();
  }

  @Test
  void anAdminTokenOffLoopbackWithoutTlsIsRefusedSinceItWouldTravelInClear() throws IOException {
    assertThat(problems(NODE + "[admin]\n  listenAddress = *:8090\n", "[admin]\n  token = t0k3n\n"))
        .containsExactly(at(5, CLEAR_TOKEN));
  }

  @Test
  void theAdminCertificateAndKeyGoTogether() throws IOException {
    Files.writeString(dir.resolve("admin.crt"), "pem");
    assertThat(problems(NODE + "[admin]\n  sslCertificate = admin.crt\n"))
        .containsExactly(
            at(
                5,
                "[admin] sslCertificate is set without sslKey: HTTPS needs both PEM"
                    + " files, the certificate chain and its private key; HTTP neither."));
    Files.writeString(dir.resolve("admin.key"), "pem");
    assertThat(problems(NODE + "[admin]\n  listenAddress = 127.0.0.1:8090\n  sslKey = admin.key\n"))
        .containsExactly(
            at(
                6,
                "[admin] sslKey is set without sslCertificate: HTTPS needs both PEM"
                    + " files, the certificate chain and its private key; HTTP neither."));
  }

  @Test
  void anEmptySecretInSecureConfigIsBlamedThere() throws IOException {
    assertThat(problems(NODE + "[accounts]\n  user = u\n", "[accounts]\n  password =\n"))
        .containsExactly(
            secureAt(
                2,
                "[accounts] password is empty: give it a value."));
  }

  @Test
  void anEmptyRequiredValueAsksForOne() throws IOException {
    assertThat(problems("[node \"a\"]\n  http =\n  ssh = h:29418\n"))
        .containsExactly(at(2, "[node \"a\"] http is empty: give it a value."));
  }

  // ---------------------------------------------------------------- syntax

  @Test
  void aSyntaxErrorIsLocatedAtItsLineWithJGitsReason() throws IOException {
    assertThat(problems(NODE + "# fine\n[node \"gerrit-2\"\n  http = x\n"))
        .singleElement()
        .asString()
        .startsWith(at(5, "this line is not valid git-config syntax ("))
        .endsWith(
            "): write sections as [name] or [node \"NAME\"], and keys as name = value, one per"
                + " line.");
  }

  @Test
  void syntaxErrorsOfEveryKindAreLocated() throws IOException {
    assertThat(problems(NODE + "  weight = \"3\n"))
        .singleElement()
        .asString()
        .startsWith(at(4, ""))
        .contains("Newline in quotes not allowed");
    assertThat(problems(NODE + "  wei$ght = 3\n")).singleElement().asString().startsWith(at(4, ""));
    assertThat(problems("; comment\n\nhttp = x\n" + NODE))
        .singleElement()
        .asString()
        .startsWith(at(3, ""))
        .contains("Invalid line in config file");
    assertThat(problems(NODE + "  weight = 3 \\q\n"))
        .singleElement()
        .asString()
        .startsWith(at(4, ""))
        .contains("Bad escape");
  }

  @Test
  void aSyntaxErrorInSecureConfigIsLocatedThere() throws IOException {
    assertThat(problems(NODE, "[admin]\n  token = \"abc\n"))
        .singleElement()
        .asString()
        .startsWith(secureAt(2, "this line is not valid git-config syntax"));
  }

  @Test
  void continuedValuesKeepLaterLineNumbersRight() throws IOException {
    assertThat(
            problems(
                NODE
                    + "[election]\n"
                    + "  onFailover = replication \\\n"
                    + "      start --all ; comment\n"
                    + "  failback = maybe\n"))
        .containsExactly(
            at(7, "[election] failback: 'maybe' is not a boolean: write true or false"));
  }

  @Test
  void aMissingFileIsReported() {
    Path missing = dir.resolve("nope.config");

    assertThat(ConfigLoader.check(missing).stream().map(ConfigProblem::toString))
        .containsExactly(
            missing
                + ": the file does not exist: check the path, or copy"
                + " conf/proxy.config to start from a sample.");
  }

  // ---------------------------------------------------------------- all at once

  @Test
  void everyProblemIsReportedInFileOrder() throws IOException {
    List<String> found =
        problems(
            """
            [proxy]
              shutdownTimeout = soon
            [node "gerrit-1"]
              http = http://10.0.0.1:8080
              prioriti = 5
            [routing]
              writes = all
            [election]
              mode = static
              master = gerrit-9
            [health]
              rise = -1
            """,
            "[backdoor]\n  type = git\n");

    assertThat(found)
        .containsExactly(
            at(
                2,
                "[proxy] shutdownTimeout: 'soon' is not a duration: write it like 500ms, 2s or 5m"),
            at(
                3,
                "[node \"gerrit-1\"] has no ssh: add ssh = HOST:29418, that node's Gerrit SSH"
                    + " daemon."),
            at(5, "unknown key 'prioriti' in [node \"gerrit-1\"]; did you mean 'priority'?"),
            at(7, "[routing] writes: 'all' is not allowed: write master or any"),
            at(10, "[election] master = gerrit-9 names no node; did you mean gerrit-1?"),
            at(12, "[health] rise: must be at least 1, not -1"),
            secureAt(
                2,
                "secure.config holds only secrets (passwords and tokens): move [backdoor]"
                    + " type to proxy.config."));
  }
  // ---------------------------------------------------------------- [sshd] edges

  @Test
  void aMisspeltSshAlgorithmIsNamedWithTheNameMeant() throws IOException {
    List<String> p = problems(NODE + "[sshd]\n  kex = curve25519-sha265\n  cipher = none\n");
    assertThat(p).hasSize(2);
    assertThat(p.get(0)).isEqualTo(at(5, "[sshd] kex: 'curve25519-sha265' is not a key exchange"
        + " this proxy knows; did you mean 'curve25519-sha256'?"));
    assertThat(p.get(1)).startsWith(at(6, "[sshd] cipher: cipher 'none' would send everything in"
        + " clear: name a cipher, one of ")).contains("aes256-gcm@openssh.com");
  }

  @Test
  void anAlgorithmListLeftEmptyIsRefused() throws IOException {
    assertThat(problems(NODE + "[sshd]\n  mac = -hmac-sha2-256-etm@openssh.com\n"
            + "  mac = -hmac-sha2-512-etm@openssh.com\n"))
        .singleElement()
        .asString()
        .startsWith(at(5, "[sshd] mac: leaves no MAC to offer: name at least one of"));
  }

  @Test
  void aKeepAliveNotShorterThanTheIdleTimeoutIsRefused() throws IOException {
    assertThat(problems(NODE + "[sshd]\n  idleTimeout = 30s\n  keepAliveInterval = 30s\n"))
        .containsExactly(at(6, "[sshd] keepAliveInterval = 30s is not shorter than idleTimeout ="
            + " 30s, so a quiet but live connection (gerrit stream-events) would be cut: make"
            + " keepAliveInterval shorter, or idleTimeout longer."));
  }

  @Test
  void proxyProtocolSourcesAreAddressBlocks() throws IOException {
    assertThat(problems(NODE + "[sshd]\n  proxyProtocolFrom = lb.example.com\n"
            + "  proxyProtocolFrom = 10.0.0.0/33\n"))
        .containsExactly(
            at(5, "[sshd] proxyProtocolFrom: 'lb.example.com' is not an address block: write it"
                + " like 10.0.0.0/8, 192.0.2.7 or fd00::/8 (addresses, not host names)"),
            at(6, "[sshd] proxyProtocolFrom: '10.0.0.0/33': the prefix /33 is outside 0..32"));
  }

  @Test
  void aNodeKnownHostsFileThatIsNoneIsRefused() throws IOException {
    Files.writeString(dir.resolve("known"), "[g1]:29418 ssh-ed25519 !!!not-base64\n");
    assertThat(problems(NODE + "[sshd]\n  nodeKnownHosts = known\n"))
        .singleElement()
        .asString()
        .startsWith(at(5, "[sshd] nodeKnownHosts: " + dir.resolve("known")
            + " line 1 is not a known_hosts line ("));
  }
}
