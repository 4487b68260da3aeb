package org.gerritproxy.core.e2e;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * When each node was under a fault the soak inflicted (killed until started again, cut off until
 * healed, drained until undrained), and the failovers no fault explains: the master moved off a
 * node that nothing had touched. Those are the glitches that must never move the master.
 */
final class FaultSpans {
  /** One fault on one node; {@code to} is null while it lasts. */
  record Span(String node, String kind, Instant from, Instant to) {}

  /** A master that lost its role at {@code at} with no fault on it to explain why. */
  record Unexplained(String node, long epoch, Instant at) {
    @Override
    public String toString() {
      return node + "@" + epoch + " lost the role at " + at;
    }
  }

  private final List<Span> spans = new ArrayList<>();

  synchronized void begin(String node, String kind, Instant at) {
    spans.add(new Span(node, kind, at, null));
  }

  /** Ends the open fault of this kind on the node, if any. */
  synchronized void end(String node, String kind, Instant at) {
    for (int i = spans.size() - 1; i >= 0; i--) {
      Span s = spans.get(i);
      if (s.node().equals(node) && s.kind().equals(kind) && s.to() == null) {
        spans.set(i, new Span(node, kind, s.from(), at));
        return;
      }
    }
  }

  synchronized List<Span> all() {
    return List.copyOf(spans);
  }

  /**
   * Every moment a master lost its role (to another node or to none) while no fault on it was
   * under way or had ended within {@code grace} (the probes and the backdoor take that long to
   * see a node back).
   */
  static List<Unexplained> unexplained(List<MasterTimeline.Tenure> tenures, List<Span> spans,
      Duration grace) {
    List<Unexplained> out = new ArrayList<>();
    for (int i = 0; i + 1 < tenures.size(); i++) {
      MasterTimeline.Tenure was = tenures.get(i);
      MasterTimeline.Tenure next = tenures.get(i + 1);
      Optional<String> node = was.node();
      if (node.isEmpty() || node.equals(next.node())) {
        continue;
      }
      Instant at = was.to();
      boolean explained = spans.stream().anyMatch(s -> s.node().equals(node.get())
          && !s.from().isAfter(at) && (s.to() == null || !s.to().plus(grace).isBefore(at)));
      if (!explained) {
        out.add(new Unexplained(node.get(), was.epoch(), at));
      }
    }
    return out;
  }
}
