package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.gerritproxy.core.cluster.GerritAdmin;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritClusterExtension;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.core.cluster.GerritRestException;
import org.gerritproxy.core.cluster.HttpdLogEntry;
import org.gerritproxy.core.cluster.LogMark;
import org.gerritproxy.routing.NodeState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gerrit's login flows write on a GET: through the proxy, a brand-new user's first login on the
 * real cluster ({@code auth.type = DEVELOPMENT_BECOME_ANY_ACCOUNT}, as {@code init --dev} sets it)
 * creates the account on the master only. The master is chosen to be the node that the test's
 * anonymous session is not sticky to, so a login classified as a read would visibly go elsewhere;
 * each node's own {@code httpd_log} says where the requests went.
 */
@ExtendWith(GerritClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LoginThroughProxyTest {
  private static final Duration LOG_WAIT = Duration.ofSeconds(30);
  private static final Duration UP_WAIT = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Without read-your-writes a login does not pull the session's later reads to the master. */
  private static final String NO_READ_YOUR_WRITES = "[routing]\n\treadYourWrites = 0\n";

  private GerritCluster cluster;
  private ProxyFixture proxy;
  private GerritNode master;
  private GerritNode sticky;

  @BeforeAll
  void startProxyWithTheMasterAwayFromTheStickyNode(GerritCluster cluster, @TempDir Path dir)
      throws Exception {
    this.cluster = cluster;
    GerritNode first = cluster.node(1);
    GerritNode second = cluster.node(2);
    proxy = ProxyFixture.start(dir, cluster.nodes(),
        ProxyFixture.staticMaster(first.name()) + NO_READ_YOUR_WRITES);
    proxy.awaitMaster(first.name());
    awaitBothUp();

    // Every request of this test comes from 127.0.0.1 without cookie or credentials, so its reads
    // stick to one node; the other one becomes the master.
    sticky = nodeNamed(servedBy(anonymousGet("/config/server/version")));
    master = sticky == first ? second : first;
    if (master != first) {
      proxy.reconfigure(cluster.nodes(),
          ProxyFixture.staticMaster(master.name()) + NO_READ_YOUR_WRITES);
      proxy.awaitMaster(master.name());
      awaitBothUp();
    }
  }

  @AfterAll
  void stopProxy() {
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void aNewUsersFirstLoginCreatesTheAccountOnTheMasterOnly() throws Exception {
    assertThat(servedBy(anonymousGet("/config/server/version")))
        .as("the control read goes to the sticky node, which is not the master")
        .isEqualTo(sticky.name())
        .isNotEqualTo(master.name());
    LogMark onMaster = master.httpdLog().mark();
    LogMark onSticky = sticky.httpdLog().mark();

    HttpResponse<String> login = anonymousGet("/login/?action=create_account");

    assertThat(login.statusCode()).as(login.body()).isEqualTo(302);
    assertThat(login.headers().firstValue("Location"))
        .as("Gerrit sends a new account to its registration page")
        .hasValueSatisfying(location -> assertThat(location).contains("register"));
    assertThat(servedBy(login)).isEqualTo(master.name());
    master.httpdLog().await(onMaster, LoginThroughProxyTest::isCreateAccount, LOG_WAIT);
    assertThat(sticky.httpdLog().since(onSticky))
        .as("no login reached " + sticky.name())
        .noneMatch(e -> e.path().startsWith("/login"));

    // The session the login opened lives on the master: ask it who that is.
    String cookie = gerritAccountCookie(login);
    HttpResponse<String> self = proxy.http.send(
        HttpRequest.newBuilder(URI.create(master.httpUrl() + "/accounts/self"))
            .header("Cookie", cookie).timeout(Duration.ofSeconds(60)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(self.statusCode()).as(self.body()).isEqualTo(200);
    long accountId = json(self.body()).path("_account_id").asLong();
    assertThat(accountId).as("a new account, not admin's").isPositive().isNotEqualTo(1000000);

    HttpResponse<String> account = proxy.get("/a/accounts/" + accountId,
        GerritAdmin.ADMIN_USER, GerritAdmin.ADMIN_PASSWORD);
    assertThat(account.statusCode()).as(account.body()).isEqualTo(200);
    assertThat(json(account.body()).path("_account_id").asLong()).isEqualTo(accountId);
    assertThat(sticky.admin().exists("accounts/" + accountId))
        .as("the account is in the shared All-Users, so the other node knows it too")
        .isTrue();

    assertThat(servedBy(anonymousGet("/config/server/version")))
        .as("with read-your-writes off, the login left this session's reads on the sticky node")
        .isEqualTo(sticky.name());
  }

  @Test
  void everyLoginPathGoesToTheMaster() throws Exception {
    for (String path : List.of("/login", "/login/?user_name=admin", "/oauth?code=x&state=y",
        "/OpenID?openid.mode=cancel")) {
      LogMark onMaster = master.httpdLog().mark();
      LogMark onSticky = sticky.httpdLog().mark();

      HttpResponse<String> response = anonymousGet(path);

      assertThat(servedBy(response)).as(path).isEqualTo(master.name());
      master.httpdLog().await(onMaster, e -> e.resource().equals(path), LOG_WAIT);
      // The sticky node's log holds the proxy's probes, but not this request.
      assertThat(sticky.httpdLog().since(onSticky)).as(path)
          .noneMatch(e -> e.resource().equals(path));
    }
  }

  @Test
  void aProjectNamedLoginIsFetchedFromTheStickyNode() throws Exception {
    // Gerrit 3.10 serves git endpoints below /login/ to git, not to its login servlet.
    try {
      master.admin().createProject("login");
    } catch (GerritRestException e) {
      if (e.status() != 409) {
        throw e;
      }
    }
    LogMark onSticky = sticky.httpdLog().mark();

    HttpResponse<String> refs = anonymousGet("/login/info/refs?service=git-upload-pack");

    assertThat(refs.statusCode()).as(refs.body()).isEqualTo(200);
    assertThat(refs.headers().firstValue("Content-Type"))
        .hasValue("application/x-git-upload-pack-advertisement");
    assertThat(refs.body()).contains("refs/heads/master");
    assertThat(servedBy(refs)).isEqualTo(sticky.name());
    sticky.httpdLog().await(onSticky, e -> e.path().equals("/login/info/refs"), LOG_WAIT);
  }

  // --- helpers

  private HttpResponse<String> anonymousGet(String path) throws Exception {
    return proxy.get(path, null, null);
  }

  private static String servedBy(HttpResponse<?> response) {
    return response.headers().firstValue("X-Gerrit-Proxy-Node")
        .orElseThrow(() -> new AssertionError("the proxy named no node for " + response.uri()));
  }

  private GerritNode nodeNamed(String name) {
    return cluster.nodes().stream().filter(n -> n.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no node is named " + name));
  }

  private void awaitBothUp() throws InterruptedException {
    long deadline = System.nanoTime() + UP_WAIT.toNanos();
    while (!cluster.nodes().stream().allMatch(
        n -> proxy.process().cluster().snapshot().health().stateOf(n.name()) == NodeState.UP)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the proxy did not see both nodes UP within " + UP_WAIT.toSeconds()
            + " s: " + proxy.process().cluster().snapshot());
      }
      Thread.sleep(50);
    }
  }

  private static boolean isCreateAccount(HttpdLogEntry e) {
    return e.method().equals("GET") && e.path().equals("/login/")
        && e.query().contains("action=create_account");
  }

  /** {@code GerritAccount=VALUE} from the login's {@code Set-Cookie}, ready for a Cookie header. */
  private static String gerritAccountCookie(HttpResponse<?> login) {
    return login.headers().allValues("Set-Cookie").stream()
        .filter(c -> c.startsWith("GerritAccount="))
        .map(c -> c.split(";", 2)[0])
        .findFirst()
        .orElseThrow(() -> new AssertionError(
            "the login set no GerritAccount cookie: " + login.headers().map()));
  }

  private static JsonNode json(String body) throws Exception {
    return JSON.readTree(body.startsWith(")]}'") ? body.substring(4) : body);
  }
}
