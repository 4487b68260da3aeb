package org.gerritproxy.core.election;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import org.gerritproxy.core.events.EventLog;
import org.gerritproxy.core.peer.PeerSsh;
import org.gerritproxy.routing.MasterHistory;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.WriteMaster;

/**
 * {@code [election] onFailover}: after a failover, runs an SSH command (for example
 * {@code replication start --all}) on the new master and logs the result. It logs in with the
 * proxy's peer key as Gerrit's peer user and runs the command as {@code [accounts] user} through
 * {@code suexec}, with the system {@code ssh} client. {@link MasterHistory} decides when: once
 * per new epoch, on the proxy that decided it.
 */
public final class FailoverCommand implements AutoCloseable {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final int MAX_OUTPUT = 2000;

  private final EventLog events;
  // Confined to the cluster view's thread, the only caller of masterChanged.
  private MasterHistory history = MasterHistory.start();
  // One at a time, off the cluster view's thread: a slow node must not delay routing.
  private final ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "on-failover");
    t.setDaemon(true);
    return t;
  });

  /**
   * What to run and how to log in, read from the configuration in force at each failover.
   *
   * @param asUser the Gerrit account the command runs as ({@code [accounts] user})
   */
  public record Settings(String command, Path peerKey, Optional<String> asUser,
      Optional<Path> nodeKnownHosts) {
    /** Settings for nodes whose host keys are not pinned. */
    public Settings(String command, Path peerKey, Optional<String> asUser) {
      this(command, peerKey, asUser, Optional.empty());
    }
  }

  public FailoverCommand(EventLog events) {
    this.events = events;
  }

  /**
   * Called on every change of master, whether or not {@code onFailover} is set, so that the
   * history is complete when a reload sets it; acts only on a failover.
   *
   * @param settings the command and how to log in, empty when {@code onFailover} is not set
   * @param decidedHere whether this proxy decided the given epoch (in zookeeper mode, whether its
   *     compare-and-set wrote it); asked off the view's thread, since it may wait for that answer
   * @return whether this change is a failover (writes handed to another node under a new epoch,
   *     also after a spell of no master), the one definition the failover metric counts too
   */
  public boolean masterChanged(WriteMaster before, WriteMaster after, Optional<Node> newMaster,
      Optional<Settings> settings, LongPredicate decidedHere) {
    // The master before was followed too: the first one, elected as the view starts, is not
    // otherwise reported (static mode moves from it on a reload).
    MasterHistory seen = history.seen(before);
    history = seen.seen(after);
    boolean failover = seen.isFailover(after);
    if (settings.isEmpty() || newMaster.isEmpty() || !failover) {
      return failover;
    }
    Node node = newMaster.get();
    Settings s = settings.get();
    runner.execute(() -> {
      if (seen.runsOnFailover(after, decidedHere.test(after.epoch()))) {
        run(node, after.epoch(), s);
      } else {
        events.record("on-failover", "'" + s.command() + "' on " + node.name() + " (epoch "
            + after.epoch() + ") is left to the proxy that wrote that epoch to ZooKeeper");
      }
    });
    return true;
  }

  /** The {@code ssh} command line, one argument per element (no shell in between). */
  static List<String> commandLine(Node node, Settings settings) {
    return new PeerSsh(settings.peerKey(), settings.nodeKnownHosts())
        .commandLine(node, settings.asUser().orElseThrow(), settings.command());
  }

  private void run(Node node, long epoch, Settings settings) {
    String command = settings.command();
    if (settings.asUser().isEmpty()) {
      events.record("on-failover", "not running '" + command + "' on " + node.name() + " (epoch "
          + epoch + "): set [accounts] user, the Gerrit account the command runs as.");
      return;
    }
    List<String> args = commandLine(node, settings);
    try {
      Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
      p.getOutputStream().close();
      byte[] out;
      try (InputStream in = p.getInputStream()) {
        out = in.readNBytes(MAX_OUTPUT);
      }
      if (!p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        events.record("on-failover", "'" + command + "' on " + node.name() + " (epoch " + epoch
            + ") did not finish within " + TIMEOUT.toSeconds() + " s and was stopped");
        return;
      }
      String text = new String(out, StandardCharsets.UTF_8).strip();
      events.record("on-failover", "'" + command + "' on " + node.name() + " (epoch " + epoch
          + ") exited with " + p.exitValue() + (text.isEmpty() ? "" : ": " + text));
    } catch (IOException e) {
      events.record("on-failover", "could not run '" + command + "' on " + node.name() + " (epoch "
          + epoch + "): " + e.getMessage() + ". Is the ssh client installed?");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    runner.shutdownNow();
  }
}
