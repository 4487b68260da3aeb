package org.gerritproxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.gerritproxy.routing.Endpoint;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A reload's limits, timeouts and node header reach the running server: connections accepted
 * afterwards use them, connections already open keep what they started with.
 */
class SettingsReloadTest extends ProxyFixture {

  @BeforeEach
  void cluster() throws Exception {
    TestBackend gerrit = backend("gerrit-1");
    snapshot.set(snapshot(List.of(node("gerrit-1", gerrit.uri(), 1)), "gerrit-1", Duration.ZERO));
    startProxy(settings().withTimeouts(Duration.ofSeconds(10), Duration.ofMinutes(5),
        Duration.ofSeconds(5)));
  }

  @Test
  void aShorterHeaderTimeoutAppliesToNewConnectionsWithoutARestart() throws Exception {
    try (RawHttp before = client()) {
      before.send("GET / HTTP/1.1\r\n");
      Thread.sleep(100); // accepted under the old settings

      proxy.useSettings(settings().withTimeouts(Duration.ofMillis(300), Duration.ofMinutes(5),
          Duration.ofSeconds(5)));

      try (RawHttp after = client()) {
        after.send("GET / HTTP/1.1\r\n");
        Thread.sleep(600);
        after.send("Host: x\r\n\r\n");
        RawHttp.Response r = after.read();
        assertThat(r.status()).isEqualTo(408);
        assertThat(r.text()).contains("did not arrive within");
      }
      before.send("Host: x\r\n\r\n");
      assertThat(before.read().status()).as("the older connection keeps its 10s").isEqualTo(200);
    }
  }

  @Test
  void aRemovedNodeHeaderIsGoneFromTheNextConnection() throws Exception {
    assertThat(get("/", "").header("X-Gerrit-Proxy-Node")).contains("gerrit-1");

    proxy.useSettings(settings().withNodeHeader(Optional.empty()));

    RawHttp.Response r = get("/", "");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("X-Gerrit-Proxy-Node")).isEmpty();
  }

  @Test
  void theListenAddressCannotChangeInPlace() {
    assertThatThrownBy(() -> proxy.useSettings(settings().withListen(new Endpoint("127.0.0.1", 1))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("start a new one");
  }
}
