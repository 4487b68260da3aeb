package org.gerritproxy.ssh;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Map;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.gerritproxy.routing.AdminState;
import org.gerritproxy.routing.Endpoint;
import org.gerritproxy.routing.HealthView;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.NodeState;
import org.gerritproxy.routing.RoutingSnapshot;
import org.gerritproxy.routing.RoutingTable;
import org.gerritproxy.routing.WriteMaster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Reading a user's keys from Gerrit's REST API, against a WireMock Gerrit that misbehaves. */
class GerritAccountKeySourceTest {
  // Generous, so that a loaded machine's first WireMock answer is not taken for a slow Gerrit;
  // the test of a slow Gerrit uses a source of its own with a short timeout.
  private static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(20);
  private RoutingSnapshot snapshot;
  WireMockServer gerrit;
  GerritAccountKeySource source;

  @BeforeEach
  void start() {
    gerrit = new WireMockServer(WireMockConfiguration.options().dynamicPort());
    gerrit.start();
    Node node = new Node("gerrit-1", URI.create("http://127.0.0.1:" + gerrit.port()),
        new Endpoint("127.0.0.1", 29418), 100, 1, AdminState.ACTIVE);
    snapshot = new RoutingSnapshot(RoutingTable.builder().addNode(node).build(),
        new HealthView(Map.of("gerrit-1", NodeState.UP)), WriteMaster.none("test"));
    source = new GerritAccountKeySource(HttpClient.newHttpClient(), () -> snapshot, "admin",
        "secret", LOOKUP_TIMEOUT);
  }

  @AfterEach
  void stop() {
    gerrit.stop();
  }

  @Test
  void validKeysAreReadAndInvalidOnesSkipped() throws Exception {
    KeyPair good = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
    KeyPair invalid = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
    gerrit.stubFor(get(urlEqualTo("/a/accounts/alice/sshkeys")).willReturn(aResponse()
        .withStatus(200).withBody(")]}'\n[{\"seq\":1,\"ssh_public_key\":\""
            + KeyFiles.publicLine(good) + " alice@example\",\"valid\":true},"
            + "{\"seq\":2,\"ssh_public_key\":\"" + KeyFiles.publicLine(invalid)
            + "\",\"valid\":false}]")));
    var keys = source.keysOf("alice").orElseThrow();
    assertThat(keys).hasSize(1);
    assertThat(KeyUtils.compareKeys(keys.get(0), good.getPublic())).isTrue();
  }

  @Test
  void anUnknownUserIsEmpty() throws Exception {
    gerrit.stubFor(get(urlEqualTo("/a/accounts/nobody/sshkeys"))
        .willReturn(aResponse().withStatus(404).withBody("Not found: nobody")));
    assertThat(source.keysOf("nobody")).isEmpty();
  }

  @Test
  void aServerErrorIsALookupFailureNotAnEmptyList() {
    gerrit.stubFor(get(urlEqualTo("/a/accounts/alice/sshkeys"))
        .willReturn(aResponse().withStatus(500)));
    assertThatThrownBy(() -> source.keysOf("alice")).isInstanceOf(KeyLookupException.class)
        .hasMessageContaining("500");
  }

  @Test
  void aSlowGerritIsALookupFailure() {
    gerrit.stubFor(get(urlEqualTo("/a/accounts/alice/sshkeys"))
        .willReturn(aResponse().withStatus(200).withBody(")]}'\n[]").withFixedDelay(5000)));
    GerritAccountKeySource impatient = new GerritAccountKeySource(HttpClient.newHttpClient(),
        () -> snapshot, "admin", "secret", Duration.ofMillis(500));
    assertThatThrownBy(() -> impatient.keysOf("alice")).isInstanceOf(KeyLookupException.class)
        .hasMessageContaining("timed out");
  }
}
