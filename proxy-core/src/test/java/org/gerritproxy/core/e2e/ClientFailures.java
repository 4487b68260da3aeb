package org.gerritproxy.core.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What clients saw go wrong during a soak, each sorted into a known, clear refusal or marked
 * unclear. A failure is clear when its output names what happened in a sentence from the proxy,
 * from Gerrit or from git; an empty error, or a client that hung, is unclear.
 */
final class ClientFailures {
  /** One failed client operation and its output. */
  record Failure(String client, String operation, String kind, String output) {}

  /** A known refusal: its kind and a pattern of its sentence, checked in order. */
  private record Known(String kind, Pattern sentence) {}

  static final String UNCLEAR = "unclear";

  private static final List<Known> KNOWN = List.of(
      new Known("hang", Pattern.compile("\\(no answer within \\d+ s\\)")),
      new Known("master split from proxy", Pattern.compile(
          "The write master \\S+ is alive but this proxy cannot reach it \\(a network split\\)")),
      // Zookeeper mode: the decision names a master this proxy sees DOWN (the others may still
      // reach it, or it died and the decision has not moved yet).
      new Known("master down for this proxy", Pattern.compile(
          "There is no write master this proxy can reach right now: the master \\S+ does not"
              + " answer this proxy")),
      // Zookeeper mode: a proxy woken from a pause, or behind the decision, waits for ZooKeeper.
      new Known("proxy catching up with ZooKeeper", Pattern.compile(
          "There is no write master right now \\((this proxy was paused and is catching up"
              + "|this proxy's view of the write master \\(epoch \\d+\\) is behind"
              + "|ZooKeeper has not confirmed this proxy's view)")),
      new Known("proxy lost ZooKeeper", Pattern.compile(
          "There is no write master right now \\(this proxy lost its ZooKeeper connection")),
      new Known("no write master", Pattern.compile("There is no write master right now")),
      new Known("no healthy node", Pattern.compile(
          "No Gerrit node can serve this request right now")),
      new Known("node died mid-request", Pattern.compile(
          "Gerrit node \\S+ closed the connection before")),
      new Known("proxy cannot connect to node", Pattern.compile(
          "The proxy could not connect to Gerrit node \\S+")),
      new Known("node unreachable", Pattern.compile(
          "fatal: Gerrit node \\S+ cannot be reached \\(.+\\)\\. Retry in a little while")),
      // Gerrit's own words when a node killed mid ref-update left the ref's lock file behind in
      // the shared git directory (see StaleRefLocks): the push is rejected, never acknowledged.
      new Known("ref locked by a killed node (Gerrit's words)",
          Pattern.compile("\\[remote rejected\\] \\S+ -> \\S+ \\(failed to lock\\)")),
      // Gerrit's words when JGit, creating a new branch's reflog in the git directory the nodes
      // share, found the reflog's directory missing (seen once, in a CI run's warm-up, while
      // pushes of other branches under the same prefix ran at once): a race inside JGit on that
      // directory. The push is rejected, never acknowledged; the proxy had no part in it.
      new Known("reflog directory raced on the shared git directory (Gerrit's words)",
          Pattern.compile("\\[remote rejected\\] \\S+ -> \\S+ \\(lock error: \\S+/logs/refs/"
              + "\\S+ \\(No such file or directory\\)\\)")));
  /**
   * A node that dies after its answer has begun: the proxy has already relayed the status line,
   * so it can only end the connection, and git says in its own words that the transfer was cut
   * (the push or fetch is not acknowledged). The proxy adds no reason of its own here.
   */
  private static final Known CUT_MID_RESPONSE = new Known("cut mid-response (git's words)",
      Pattern.compile("transfer closed with outstanding read data remaining"
          + "|unexpected disconnect while reading sideband packet|fatal: early EOF"));

  // Not listed, on purpose: "refused the proxy's peer key". The soak's nodes all trust that key,
  // so such a message would be wrong advice to an operator, and is counted as unclear.

  private final List<Failure> failures = new ArrayList<>();

  /** Records a failure and returns its kind. */
  synchronized String add(String client, String operation, String output) {
    String kind = classify(output);
    failures.add(new Failure(client, operation, kind, output.strip()));
    return kind;
  }

  static String classify(String output) {
    for (Known k : KNOWN) {
      if (k.sentence().matcher(output).find()) {
        return k.kind();
      }
    }
    // Checked last: when the proxy said why, its sentence names the kind.
    return CUT_MID_RESPONSE.sentence().matcher(output).find() ? CUT_MID_RESPONSE.kind() : UNCLEAR;
  }

  synchronized List<Failure> all() {
    return List.copyOf(failures);
  }

  synchronized List<Failure> ofKind(String kind) {
    return failures.stream().filter(f -> f.kind().equals(kind)).toList();
  }

  synchronized Map<String, Integer> countsByKind() {
    Map<String, Integer> counts = new TreeMap<>();
    failures.forEach(f -> counts.merge(f.kind(), 1, Integer::sum));
    return counts;
  }
}
