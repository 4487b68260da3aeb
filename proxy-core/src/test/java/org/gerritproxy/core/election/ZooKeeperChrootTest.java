package org.gerritproxy.core.election;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.gerritproxy.core.events.EventLog;
import org.gerritproxy.routing.AdminState;
import org.gerritproxy.routing.ElectionMode;
import org.gerritproxy.routing.ElectionSettings;
import org.gerritproxy.routing.Endpoint;
import org.gerritproxy.routing.HealthView;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.NodeState;
import org.gerritproxy.routing.RoutingTable;
import org.gerritproxy.routing.WriteMaster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * {@code election.zookeeper = HOST:PORT/chroot} against a real ZooKeeper server (Curator's
 * TestingServer) on which the chroot does not exist yet, as on a fresh ensemble.
 */
class ZooKeeperChrootTest {
  private static final RoutingTable TABLE = RoutingTable.builder()
      .addNode(new Node("g1", URI.create("http://g1"), new Endpoint("g1", 29418), 100, 1,
          AdminState.ACTIVE))
      .addNode(new Node("g2", URI.create("http://g2"), new Endpoint("g2", 29418), 90, 1,
          AdminState.ACTIVE))
      .election(new ElectionSettings(ElectionMode.ZOOKEEPER, java.util.Optional.empty(), false))
      .build();
  private static final HealthView ALL_UP =
      new HealthView(Map.of("g1", NodeState.UP, "g2", NodeState.UP));

  private TestingServer server;
  private final List<ZooKeeperElection> proxies = new ArrayList<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

  @BeforeEach
  void freshServer() throws Exception {
    server = new TestingServer(true);
    logs.start();
    root.addAppender(logs);
  }

  @AfterEach
  void stop() throws Exception {
    root.detachAppender(logs);
    proxies.forEach(ZooKeeperElection::close);
    server.close();
  }

  private final EventLog events = new EventLog(Clock.systemUTC(), 100);

  private ZooKeeperElection start(String connect, String name) throws InterruptedException {
    ZooKeeperElection zk = new ZooKeeperElection(connect, name, Duration.ofSeconds(10), events);
    proxies.add(zk);
    zk.start(Duration.ofSeconds(10));
    return zk;
  }

  /** Calls each proxy's election as its cluster view does on every probe, until all agree. */
  private List<WriteMaster> electUntilAllAgree(Duration within) throws InterruptedException {
    List<WriteMaster> current = new ArrayList<>();
    proxies.forEach(p -> current.add(WriteMaster.none("not yet")));
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      for (int i = 0; i < proxies.size(); i++) {
        current.set(i, proxies.get(i).next(current.get(i), TABLE, ALL_UP));
      }
      if (current.get(0).isKnown() && current.stream().allMatch(m -> m.equals(current.get(0)))) {
        return current;
      }
      Thread.sleep(100);
    }
    return current;
  }

  @Test
  void threeProxiesOnAChrootThatDoesNotExistYetElectOneMasterAndCreateTheChroot()
      throws Exception {
    String connect = server.getConnectString() + "/gerrit-proxies";
    for (String name : List.of("proxy-a", "proxy-b", "proxy-c")) {
      start(connect, name);
    }
    List<WriteMaster> masters = electUntilAllAgree(Duration.ofSeconds(30));
    assertThat(masters).as("every proxy follows one master").allMatch(m -> m.is("g1"))
        .allMatch(m -> m.equals(masters.get(0)));

    try (CuratorFramework plain = CuratorFrameworkFactory.newClient(server.getConnectString(),
        new RetryOneTime(100))) {
      plain.start();
      assertThat(plain.checkExists().forPath("/gerrit-proxies/gerrit-proxy/master"))
          .as("the decision lives under the chroot").isNotNull();
      assertThat(plain.checkExists().forPath("/gerrit-proxy")).as("and nowhere else").isNull();
    }
  }

  @Test
  void aChrootedEnsembleLogsNoStackTraceAndNoRepeatedError() throws Exception {
    String connect = server.getConnectString() + "/gerrit-proxies/cluster-a";
    start(connect, "proxy-a");
    start(connect, "proxy-b");
    electUntilAllAgree(Duration.ofSeconds(30));
    // Keep going for a while, as a running proxy does: a problem must not be logged each time.
    long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    List<WriteMaster> current = new ArrayList<>(List.of(WriteMaster.none(""), WriteMaster.none("")));
    while (System.nanoTime() < until) {
      for (int i = 0; i < 2; i++) {
        current.set(i, proxies.get(i).next(current.get(i), TABLE, ALL_UP));
      }
      Thread.sleep(50);
    }
    List<ILoggingEvent> seen = List.copyOf(logs.list);
    assertThat(seen).as("no stack trace at WARN or above")
        .noneMatch(e -> e.getThrowableProxy() != null && e.getLevel().isGreaterOrEqual(Level.WARN));
    assertThat(seen).as("no ERROR at all").noneMatch(e -> e.getLevel() == Level.ERROR);
    assertThat(current).allMatch(m -> m.is("g1"));
  }

  /**
   * A chroot this proxy may not create (its parent is read-only): the reason is reported once,
   * not on every election, with no stack trace; once an operator opens the parent, a master is
   * elected without a restart.
   */
  @Test
  void aChrootThatCannotBeCreatedIsReportedOnceAndElectionStartsWhenItCanBe() throws Exception {
    try (CuratorFramework admin = CuratorFrameworkFactory.newClient(server.getConnectString(),
        new RetryOneTime(100))) {
      admin.start();
      // Anyone may read it and change its rights, nobody may create in it.
      admin.create().withACL(List.of(new ACL(ZooDefs.Perms.READ | ZooDefs.Perms.ADMIN,
          ZooDefs.Ids.ANYONE_ID_UNSAFE))).forPath("/locked");
      String connect = server.getConnectString() + "/locked/gerrit-proxies";
      start(connect, "proxy-a");
      start(connect, "proxy-b");
      List<WriteMaster> masters = electUntilAllAgree(Duration.ofSeconds(3));
      assertThat(masters).as("no master while the chroot cannot be created")
          .noneMatch(WriteMaster::isKnown);
      List<String> reported = events.recent().stream()
          .filter(e -> e.message().contains("cannot create /locked/gerrit-proxies/gerrit-proxy"))
          .map(e -> e.message()).toList();
      assertThat(reported).as("reported once per proxy, as a sentence").hasSize(2)
          .allMatch(m -> m.contains("NOAUTH") && m.contains("[election] zookeeper"));
      assertThat(List.copyOf(logs.list)).as("no stack trace at WARN or above").noneMatch(
          e -> e.getThrowableProxy() != null && e.getLevel().isGreaterOrEqual(Level.WARN));

      admin.setACL().withACL(ZooDefs.Ids.OPEN_ACL_UNSAFE).forPath("/locked");
      masters = electUntilAllAgree(Duration.ofSeconds(30));
      assertThat(masters).as("a master once the chroot can be created").allMatch(m -> m.is("g1"));
    }
  }

  @Test
  void theChrootIsCreatedLevelByLevelBeforeTheProxiesOwnPaths() {
    assertThat(ZooKeeperElection.pathsToCreate("/a/b/gerrit-proxy")).containsExactly("/a", "/a/b",
        "/a/b/gerrit-proxy", "/a/b/gerrit-proxy/views", "/a/b/gerrit-proxy/leader");
    assertThat(ZooKeeperElection.pathsToCreate("/gerrit-proxy")).containsExactly("/gerrit-proxy",
        "/gerrit-proxy/views", "/gerrit-proxy/leader");
  }
}
