package org.gerritproxy.core.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.gerritproxy.core.backdoor.Backdoor;
import org.gerritproxy.core.backdoor.Backdoors;
import org.gerritproxy.core.backdoor.HeartbeatAgent;
import org.gerritproxy.core.config.ConfigException;
import org.gerritproxy.core.config.ConfigLoader;
import org.gerritproxy.core.config.ConfigProblem;
import org.gerritproxy.core.config.ProxyConfig;
import org.gerritproxy.routing.Node;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code heartbeat -c FILE --node NAME}: the heartbeat agent of one node, in the foreground. */
@Command(name = "heartbeat", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = "Runs the heartbeat agent of one node: checks its Gerrit every health.interval"
        + " and writes its heartbeat to the backdoor.")
final class HeartbeatCommand implements Callable<Integer> {

  @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
      description = "The proxy.config that names the node and the backdoor.")
  Path config;

  @Option(names = "--node", required = true, paramLabel = "NAME",
      description = "The node this agent runs beside, as named in [node \"NAME\"].")
  String node;

  @Override
  public Integer call() throws Exception {
    ProxyConfig cfg;
    try {
      cfg = ConfigLoader.load(config);
    } catch (ConfigException e) {
      System.err.println("gerrit-proxy heartbeat: the configuration is not valid.");
      for (ConfigProblem p : e.problems()) {
        System.err.println(p);
      }
      return 1;
    }
    Optional<Node> self = cfg.routingTable().node(node);
    if (self.isEmpty()) {
      System.err.println("gerrit-proxy heartbeat: " + config + " has no [node \"" + node
          + "\"]; name one of the configured nodes with --node.");
      return 1;
    }
    Optional<Backdoor> backdoor;
    try {
      backdoor = Backdoors.open(cfg.backdoor());
    } catch (IOException e) {
      System.err.println("gerrit-proxy heartbeat: cannot open the backdoor: " + e.getMessage());
      return 1;
    }
    if (backdoor.isEmpty()) {
      System.err.println("gerrit-proxy heartbeat: " + config + " has backdoor.type = none, so"
          + " there is nowhere to write heartbeats; set [backdoor] type = jdbc or git.");
      return 1;
    }
    var h = cfg.health();
    HeartbeatAgent agent = new HeartbeatAgent(self.get(), h.path(), h.interval(), h.timeout(),
        backdoor.get());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      agent.close();
      backdoor.get().close();
      stopped.countDown();
    }, "shutdown"));
    agent.start();
    stopped.await();
    return 0;
  }
}
