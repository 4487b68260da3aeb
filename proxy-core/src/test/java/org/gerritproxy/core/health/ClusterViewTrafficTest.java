package org.gerritproxy.core.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.gerritproxy.core.election.WriteMasterElector;
import org.gerritproxy.core.events.ClusterEvent;
import org.gerritproxy.core.events.EventLog;
import org.gerritproxy.core.probe.NetworkProbe;
import org.gerritproxy.routing.AdminState;
import org.gerritproxy.routing.Endpoint;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.NodeState;
import org.gerritproxy.routing.Router;
import org.gerritproxy.routing.RoutingTable;
import org.gerritproxy.routing.WriteMaster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Live traffic is evidence, never a verdict: failures on proxied requests take a node out of the
 * read pool but never make it DOWN nor move the write master; and when no node passes its health
 * check but some still answer, reads are served in panic. Two small loopback nodes answer the
 * probes (an HTTP path and a Gerrit SSH banner).
 */
class ClusterViewTrafficTest {
  private static final Duration INTERVAL = Duration.ofMillis(100);
  private final Clock clock = Clock.systemUTC();
  private final EventLog events = new EventLog(clock, 200);
  private final List<FakeNode> fakes = new ArrayList<>();
  private ClusterView view;

  @AfterEach
  void stop() {
    if (view != null) {
      view.close();
    }
    fakes.forEach(FakeNode::close);
  }

  private void start(int fall, int rise) throws IOException, InterruptedException {
    RoutingTable.Builder table = RoutingTable.builder();
    int priority = 100;
    for (String name : List.of("gerrit-1", "gerrit-2")) {
      FakeNode f = new FakeNode();
      fakes.add(f);
      table.addNode(new Node(name, URI.create("http://127.0.0.1:" + f.http.getAddress().getPort()),
          new Endpoint("127.0.0.1", f.ssh.getLocalPort()), priority, 1, AdminState.ACTIVE));
      priority -= 10;
    }
    view = new ClusterView(table.build(), new ProbeSettings(INTERVAL, Duration.ofSeconds(2), fall,
        rise, 3, "/health"), new NetworkProbe(clock),
        WriteMasterElector.alone(), events, clock);
    view.start();
    await(() -> view.snapshot().master().is("gerrit-1")
        && view.snapshot().health().stateOf("gerrit-2") == NodeState.UP, "gerrit-1 elected");
  }

  @Test
  void failuresOnLiveTrafficNeverMoveTheMaster() throws Exception {
    start(3, 2);
    WriteMaster before = view.snapshot().master();
    long elections = kinds().stream().filter("election"::equals).count();

    for (int i = 0; i < 10; i++) {
      view.trafficFailure("gerrit-1", new IOException("SSH channel closed without an exit status"));
    }
    await(() -> view.snapshot().health().outOfReadPool("gerrit-1"), "gerrit-1 out of the read pool");

    assertThat(view.snapshot().master()).isEqualTo(before);
    assertThat(view.snapshot().health().stateOf("gerrit-1")).isEqualTo(NodeState.UP);
    assertThat(kinds()).contains("read-pool");
    assertThat(kinds().stream().filter("election"::equals).count()).isEqualTo(elections);
    // Good probes vouch for it again: it takes reads.
    await(() -> !view.snapshot().health().outOfReadPool("gerrit-1"), "gerrit-1 back in the pool");
    assertThat(view.snapshot().master()).isEqualTo(before);
  }

  @Test
  void aSuccessBetweenFailuresKeepsTheNodeInTheReadPool() throws Exception {
    start(3, 1000); // rise so high that probes never bring it back within the test
    for (int i = 0; i < 6; i++) {
      view.trafficFailure("gerrit-2", new IOException("connection reset"));
      view.trafficFailure("gerrit-2", new IOException("connection reset"));
      drain();
      view.trafficSucceeded("gerrit-2");
    }
    drain();
    assertThat(view.snapshot().health().outOfReadPool("gerrit-2")).isFalse();

    view.trafficFailure("gerrit-2", new IOException("connection reset"));
    view.trafficFailure("gerrit-2", new IOException("connection reset"));
    view.trafficFailure("gerrit-2", new IOException("connection reset"));
    await(() -> view.snapshot().health().outOfReadPool("gerrit-2"), "gerrit-2 out after 3 in a row");
  }

  @Test
  void aDeadMasterIsStillReplacedByProbes() throws Exception {
    start(2, 1);
    fakes.get(0).close();
    view.trafficFailure("gerrit-1", new IOException("connection refused"));

    await(() -> view.snapshot().master().is("gerrit-2"), "gerrit-2 elected once probes fail");
    assertThat(view.snapshot().health().stateOf("gerrit-1")).isEqualTo(NodeState.DOWN);
  }

  @Test
  void whenEveryHealthCheckFailsReadsGoToTheNodesThatAnswer() throws Exception {
    start(2, 1);
    fakes.forEach(f -> f.status = 500);

    await(() -> Router.panic(view.snapshot()), "panic reads");
    assertThat(view.snapshot().health().answering()).containsExactlyInAnyOrder("gerrit-1", "gerrit-2");
    assertThat(view.snapshot().master().node()).as("no master: writes keep the rules").isEmpty();
    assertThat(events.recent()).anyMatch(e -> e.kind().equals("panic")
        && e.message().startsWith("panic reads: no node passes its health check"));

    fakes.get(1).status = 200;
    await(() -> !Router.panic(view.snapshot()), "panic over");
    assertThat(events.recent()).anyMatch(e -> e.message().startsWith("panic reads are over"));
  }

  private List<String> kinds() {
    return events.recent().stream().map(ClusterEvent::kind).toList();
  }

  /** Waits until the view's thread has applied what was handed to it so far. */
  private void drain() {
    view.staleAfter(Duration.ofSeconds(5)); // runs on the view's thread and waits for it
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 20 s: " + what);
      }
      Thread.sleep(10);
    }
  }

  /** A node's two probe targets on loopback: an HTTP path with a chosen status, a Gerrit banner. */
  private static final class FakeNode implements AutoCloseable {
    final HttpServer http;
    final ServerSocket ssh;
    volatile int status = 200;
    private final Thread banner;

    FakeNode() throws IOException {
      http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
      http.createContext("/", exchange -> {
        exchange.sendResponseHeaders(status, -1);
        exchange.close();
      });
      http.start();
      ssh = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
      banner = new Thread(() -> {
        while (!ssh.isClosed()) {
          try (Socket s = ssh.accept(); OutputStream out = s.getOutputStream()) {
            out.write("SSH-2.0-GerritCodeReview_test\r\n".getBytes(StandardCharsets.US_ASCII));
          } catch (IOException e) {
            // closed: the loop ends
          }
        }
      }, "fake-ssh-banner");
      banner.setDaemon(true);
      banner.start();
    }

    @Override
    public void close() {
      http.stop(0);
      try {
        ssh.close();
      } catch (IOException e) {
        // already closed
      }
    }
  }
}
