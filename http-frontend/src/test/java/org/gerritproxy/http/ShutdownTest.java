package org.gerritproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ShutdownTest extends ProxyFixture {

  @Test
  void gracefulShutdownLetsARequestInFlightFinish() throws Exception {
    TestBackend gerrit = backend("gerrit-1");
    gerrit.responder = (ctx, req) -> ctx.executor().schedule(
        () -> ctx.writeAndFlush(TestBackend.text(200, "slow answer")), 700, TimeUnit.MILLISECONDS);
    snapshot.set(snapshot(List.of(node("gerrit-1", gerrit.uri(), 1)), "gerrit-1", Duration.ZERO));
    startProxy();
    try (RawHttp busy = client(); RawHttp idle = client()) {
      idle.send("GET /quick HTTP/1.1\r\nHost: x\r\n\r\n");
      idle.read();
      busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
      await(() -> gerrit.requests.get() == 2);
      CompletableFuture<Boolean> done =
          CompletableFuture.supplyAsync(() -> proxy.shutdownGracefully(Duration.ofSeconds(5)));
      assertThat(idle.closedByServer()).as("idle connections close at once").isTrue();
      RawHttp.Response r = busy.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.text()).isEqualTo("slow answer");
      assertThat(r.header("Connection")).contains("close");
      assertThat(done.get(10, TimeUnit.SECONDS)).isTrue();
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> client().close())
        .isInstanceOf(ConnectException.class);
    proxy = null;
  }

  @Test
  void stopAcceptingKeepsServingOpenConnections() throws Exception {
    TestBackend gerrit = backend("gerrit-1");
    snapshot.set(snapshot(List.of(node("gerrit-1", gerrit.uri(), 1)), "gerrit-1", Duration.ZERO));
    startProxy();
    try (RawHttp c = client()) {
      c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(200); // accepted, not just queued by the kernel
      proxy.stopAccepting();
      c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(200);
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> client().close())
        .isInstanceOf(ConnectException.class);
  }
}
