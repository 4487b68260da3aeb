package org.gerritproxy.core.e2e;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gerritproxy.core.cluster.GerritNode;
import org.gerritproxy.core.cluster.HttpdLogEntry;
import org.gerritproxy.core.cluster.LogMark;
import org.gerritproxy.core.cluster.SshdLogEntry;

/**
 * Every push a node served, read from the node's own logs ({@code httpd_log} POSTs to
 * {@code git-receive-pack}, {@code sshd_log} {@code git-receive-pack} commands), judged against
 * the proxy's master timeline: a push is a write on a non-master unless the node that served it
 * was master when the push began there.
 *
 * <p>Gerrit logs a request when it ends, with its latency (HTTP) or wait and execution times
 * (SSH), so the start is the log time minus those. The proxy chooses the node before the node
 * sees the request; {@code routingLag} bounds that delay (an SSH push first opens a session to
 * the node, which takes a while on a loaded machine). A push that began within
 * {@code routingLag} after its node's tenure ended is accepted; one on a node that became master
 * only later, or that never was, is not.
 */
final class WriteAudit {
  /** One push as a node logged it: where, when it began and ended there, and the log line. */
  record Push(String node, Instant began, Instant ended, String line) {}

  /** A push judged: the tenure that covers it, or none. */
  record Verdict(Push push, MasterTimeline.Tenure tenure, Duration lagAfterTenure) {
    boolean onMaster() {
      return tenure != null;
    }
  }

  private static final Pattern SSH_TIMES = Pattern.compile(" (\\d+)ms (\\d+)ms ");
  private static final Duration CLOCK_ROUNDING = Duration.ofMillis(20);

  private final Duration routingLag;

  WriteAudit(Duration routingLag) {
    this.routingLag = routingLag;
  }

  /** Where each node's logs stand now ({@code httpd_log}, {@code sshd_log}), by node name. */
  static Map<String, LogMark[]> marks(List<GerritNode> nodes) {
    Map<String, LogMark[]> marks = new LinkedHashMap<>();
    for (GerritNode node : nodes) {
      marks.put(node.name(), new LogMark[] {node.httpdLog().mark(), node.sshdLog().mark()});
    }
    return marks;
  }

  /** Every node's pushes to {@code project} since {@code marks}, judged against the timeline. */
  List<Verdict> judgeSince(List<GerritNode> nodes, Map<String, LogMark[]> marks, String project,
      MasterTimeline timeline) {
    Map<String, List<Push>> byNode = new LinkedHashMap<>();
    for (GerritNode node : nodes) {
      LogMark[] m = marks.get(node.name());
      byNode.put(node.name(), pushesOn(node, m[0], m[1], project));
    }
    return judgeAll(byNode, timeline);
  }

  /** The pushes to {@code project} that {@code node} logged after the marks. */
  static List<Push> pushesOn(GerritNode node, LogMark httpd, LogMark sshd, String project) {
    List<Push> pushes = new ArrayList<>();
    for (HttpdLogEntry e : node.httpdLog().since(httpd)) {
      if (e.method().equals("POST") && e.path().endsWith("/git-receive-pack")
          && e.path().contains(project)) {
        Instant began = e.time().minusMillis(Math.max(0, e.latencyMillis()));
        pushes.add(new Push(node.name(), began, e.time(), e.line()));
      }
    }
    for (SshdLogEntry e : node.sshdLog().since(sshd)) {
      if (e.message().contains("git-receive-pack") && e.message().contains(project)) {
        Matcher m = SSH_TIMES.matcher(e.message());
        long took = m.find() ? Long.parseLong(m.group(1)) + Long.parseLong(m.group(2)) : 0;
        pushes.add(new Push(node.name(), e.time().minusMillis(took), e.time(), e.line()));
      }
    }
    return pushes;
  }

  /** The covering tenure of the push's node with the least lag (a tenure that holds it: none). */
  Verdict judge(Push push, MasterTimeline timeline) {
    Instant latest = push.began().plus(CLOCK_ROUNDING);
    Instant earliest = push.began().minus(routingLag);
    Verdict best = new Verdict(push, null, Duration.ZERO);
    for (MasterTimeline.Tenure t : timeline.of(push.node())) {
      if (t.covers(earliest, latest)) {
        Duration lag = t.to() == null || !push.began().isAfter(t.to())
            ? Duration.ZERO : Duration.between(t.to(), push.began());
        if (!best.onMaster() || lag.compareTo(best.lagAfterTenure()) < 0) {
          best = new Verdict(push, t, lag);
        }
      }
    }
    return best;
  }

  List<Verdict> judgeAll(Map<String, List<Push>> byNode, MasterTimeline timeline) {
    List<Verdict> verdicts = new ArrayList<>();
    byNode.values().forEach(list -> list.forEach(p -> verdicts.add(judge(p, timeline))));
    return verdicts;
  }
}
