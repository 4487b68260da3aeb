package org.gerritproxy.core.e2e;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.gerritproxy.routing.WriteMaster;

/**
 * The write master over time. Either sampled: a proxy's routing snapshot read every couple of
 * milliseconds, each tenure widened to the sample before the change was seen, so "was N master
 * at time t" is answered generously, never falsely denied. Or fed: told of each change and when
 * it happened (the ZooKeeper decision, stamped by the server that committed it).
 */
final class MasterTimeline implements AutoCloseable {
  private static final Duration EVERY = Duration.ofMillis(2);

  /** One stretch of time under one master and epoch; {@code to} is null while it lasts. */
  record Tenure(Optional<String> node, long epoch, Instant from, Instant to) {
    boolean covers(Instant earliest, Instant latest) {
      return !from.isAfter(latest) && (to == null || !to.isBefore(earliest));
    }

    @Override
    public String toString() {
      return node.orElse("(none)") + "@" + epoch + " [" + from + ", " + (to == null ? "now" : to)
          + "]";
    }
  }

  private final Supplier<WriteMaster> master;
  private final List<Tenure> tenures = new ArrayList<>();
  private final Thread sampler; // null when fed
  private final Instant hardStop;
  private volatile boolean running = true;

  /** Samples {@code master} until closed, or at the latest for {@code limit}. */
  MasterTimeline(Supplier<WriteMaster> master, Duration limit) {
    this.master = master;
    this.hardStop = Instant.now().plus(limit);
    WriteMaster first = master.get();
    tenures.add(new Tenure(first.node(), first.epoch(), Instant.now(), null));
    sampler = new Thread(this::sample, "chaos-timeline");
    sampler.setDaemon(true);
    sampler.start();
  }

  /** A timeline told of each change through {@link #changed}, starting with {@code first}. */
  MasterTimeline(WriteMaster first, Instant since) {
    this.master = null;
    this.hardStop = null;
    tenures.add(new Tenure(first.node(), first.epoch(), since, null));
    sampler = null;
  }

  /**
   * {@code now} became master at {@code at} (fed timelines). A repeat of the current master and
   * epoch is no change; a change stamped before the current tenure began starts with it.
   */
  void changed(WriteMaster now, Instant at) {
    synchronized (tenures) {
      Tenure last = tenures.get(tenures.size() - 1);
      if (now.epoch() == last.epoch() && now.node().equals(last.node())) {
        return;
      }
      Instant from = at.isBefore(last.from()) ? last.from() : at;
      tenures.set(tenures.size() - 1, new Tenure(last.node(), last.epoch(), last.from(), from));
      tenures.add(new Tenure(now.node(), now.epoch(), from, null));
    }
  }

  private void sample() {
    Instant previous = Instant.now();
    while (running && Instant.now().isBefore(hardStop)) {
      WriteMaster now = master.get();
      Instant seen = Instant.now();
      synchronized (tenures) {
        Tenure last = tenures.get(tenures.size() - 1);
        if (now.epoch() != last.epoch() || !now.node().equals(last.node())) {
          tenures.set(tenures.size() - 1, new Tenure(last.node(), last.epoch(), last.from(), seen));
          tenures.add(new Tenure(now.node(), now.epoch(), previous, null));
        }
      }
      previous = seen;
      try {
        Thread.sleep(EVERY.toMillis());
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  List<Tenure> tenures() {
    synchronized (tenures) {
      return List.copyOf(tenures);
    }
  }

  /** The tenures of {@code node} as master. */
  List<Tenure> of(String node) {
    return tenures().stream().filter(t -> t.node().equals(Optional.of(node))).toList();
  }

  /** Master changes seen (to another node, or to none, or back). */
  int changes() {
    return tenures().size() - 1;
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    if (sampler != null) {
      sampler.interrupt();
      sampler.join(5_000);
    }
  }
}
