package org.gerritproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.gerritproxy.routing.ClusterSettings;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.Rendezvous;
import org.gerritproxy.routing.RoutingSnapshot;
import org.gerritproxy.routing.RoutingTable;
import org.gerritproxy.routing.SessionKey;
import org.gerritproxy.routing.StorageMode;
import org.gerritproxy.routing.replication.PendingUpdates;
import org.gerritproxy.routing.replication.RefTarget;
import org.gerritproxy.routing.replication.ReplicaFreshness;
import org.gerritproxy.routing.replication.ReplicaTracker;
import org.gerritproxy.routing.admission.FetchGate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP frontend with replicated storage: it reads a push's commands as they pass and tells
 * the replica tracker, and sends a read of a project with an update pending to the master until
 * the sticky node has it.
 */
class ReplicatedRoutingTest extends ProxyFixture {
  private static final String A = "a".repeat(40);
  private static final String Z = RefTarget.ZERO_ID;

  Node n1;
  Node n2;
  final PendingUpdates pending = PendingUpdates.onSystemClock();
  final List<String> heldBack = new CopyOnWriteArrayList<>();

  @BeforeEach
  void cluster() throws Exception {
    n1 = node("gerrit-1", backend("gerrit-1").uri(), 100);
    n2 = node("gerrit-2", backend("gerrit-2").uri(), 50);
    RoutingSnapshot shared = snapshot(List.of(n1, n2), "gerrit-1", Duration.ZERO);
    RoutingTable.Builder t = RoutingTable.builder().routing(shared.table().routing())
        .cluster(new ClusterSettings(StorageMode.REPLICATED, Duration.ofSeconds(30)));
    shared.table().nodes().forEach(t::addNode);
    snapshot.set(new RoutingSnapshot(t.build(), shared.health(), shared.master()));
    ReplicaTracker tracker = new ReplicaTracker() {
      @Override
      public ReplicaFreshness freshness(Optional<String> project) {
        return pending.freshness(project, java.util.Set.of());
      }

      @Override
      public Runnable pushStarted(String project, List<RefTarget> updates) {
        return pending.pushStarted(project, updates, List.of("gerrit-2"))::finished;
      }

      @Override
      public void heldBack(String project, String node) {
        heldBack.add(project + " " + node);
      }
    };
    proxy = new HttpProxyServer(settings(), snapshot::get, observer, readYourWrites, tracker,
        FetchGate.unlimited());
    address = proxy.start();
  }

  @Test
  void aPushIsLearnedFromItsCommandsAndItsProjectIsReadFromTheMasterUntilTheReplicaHasIt()
      throws Exception {
    String cookie = stickyCookieOn("gerrit-2");
    String commands = ReceiveCommandsText.pkt(Z + " " + A + " refs/heads/main\0report-status\n")
        + "0000PACK....";
    try (RawHttp c = client()) {
      c.send("POST /a/team/app.git/git-receive-pack HTTP/1.1\r\nHost: x\r\nCookie: " + cookie
          + "\r\nContent-Type: application/x-git-receive-pack-request\r\nContent-Length: "
          + commands.length() + "\r\n\r\n" + commands);
      RawHttp.Response r = c.read();
      assertThat(r.header("X-Gerrit-Proxy-Node")).contains("gerrit-1");
    }
    await(() -> pending.pending("team/app").map(p -> p.pushesInFlight() == 0).orElse(false));
    assertThat(pending.pending("team/app").orElseThrow().targets())
        .containsExactly(Map.entry("refs/heads/main", new RefTarget("refs/heads/main", A)));

    RawHttp.Response held = get("/a/team/app/info/refs?service=git-upload-pack",
        "Cookie: " + cookie + "\r\n");
    assertThat(held.header("X-Gerrit-Proxy-Node")).contains("gerrit-1");
    assertThat(heldBack).containsExactly("team/app gerrit-2");
    assertThat(get("/a/other/info/refs?service=git-upload-pack", "Cookie: " + cookie + "\r\n")
        .header("X-Gerrit-Proxy-Node")).as("a project with nothing pending").contains("gerrit-2");

    pending.seen("gerrit-2", "team/app", Map.of("refs/heads/main", A));
    assertThat(get("/a/team/app/info/refs?service=git-upload-pack", "Cookie: " + cookie + "\r\n")
        .header("X-Gerrit-Proxy-Node")).contains("gerrit-2");
  }

  private String stickyCookieOn(String node) {
    for (int i = 0; ; i++) {
      String cookie = "GerritAccount=s" + i;
      if (Rendezvous.rank(SessionKey.forHttp(cookie, null, "127.0.0.1"), List.of(n1, n2)).get(0)
          .name().equals(node)) {
        return cookie;
      }
    }
  }

  /** pkt-lines as git writes them. */
  static final class ReceiveCommandsText {
    static String pkt(String s) {
      return String.format("%04x", s.length() + 4) + s;
    }
  }
}
