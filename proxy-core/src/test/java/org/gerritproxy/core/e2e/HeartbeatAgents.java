package org.gerritproxy.core.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.gerritproxy.core.backdoor.GitBackdoor;
import org.gerritproxy.core.backdoor.HeartbeatAgent;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.routing.AdminState;
import org.gerritproxy.routing.Endpoint;
import org.gerritproxy.routing.Node;

/**
 * A heartbeat agent per node, running in the test JVM and checking its node directly (never
 * through a relay, as an agent on the node's own host would), writing to the git backdoor on the
 * cluster's shared All-Projects.
 */
final class HeartbeatAgents implements AutoCloseable {
  private final List<HeartbeatAgent> agents = new ArrayList<>();
  private final List<GitBackdoor> doors = new ArrayList<>();

  private HeartbeatAgents() {}

  static HeartbeatAgents start(GerritCluster cluster) throws Exception {
    HeartbeatAgents all = new HeartbeatAgents();
    Path shared = cluster.gitDir().resolve("All-Projects.git");
    try {
      for (GerritNode node : cluster.nodes()) {
        GitBackdoor door = new GitBackdoor(shared);
        all.doors.add(door);
        HeartbeatAgent agent = new HeartbeatAgent(
            new Node(node.name(), node.httpUrl(), new Endpoint("127.0.0.1", node.sshPort()), 1, 1,
                AdminState.ACTIVE),
            "/config/server/version", Duration.ofMillis(200), Duration.ofSeconds(1), door);
        all.agents.add(agent);
        agent.start();
      }
    } catch (Exception | Error e) {
      all.close();
      throw e;
    }
    return all;
  }

  @Override
  public void close() {
    agents.forEach(HeartbeatAgent::close);
    doors.forEach(GitBackdoor::close);
  }
}
