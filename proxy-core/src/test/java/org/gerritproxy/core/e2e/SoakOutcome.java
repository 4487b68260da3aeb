package org.gerritproxy.core.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.assertj.core.api.SoftAssertions;

/**
 * What a chaos soak found, judged the same way for one proxy and for several: acknowledged pushes
 * lost, pushes a node took while it was not master, failovers no fault explains, and client
 * failures by kind; with the report file that lists them.
 */
record SoakOutcome(long seed, SoakLedger ledger, List<String> lost,
    List<WriteAudit.Verdict> verdicts, List<MasterTimeline.Tenure> tenures,
    List<FaultSpans.Unexplained> faultless, Map<String, Integer> faults, List<String> journal,
    List<FaultSpans.Span> spans) {

  /** {@code -Dchaos.seed}, else a new one; printed with the way to replay it. */
  static long seed(String label, Duration soak) {
    long seed = Long.getLong("chaos.seed", System.currentTimeMillis() % 1_000_000);
    System.out.printf("%s: seed %d, soak %s (replay: -Dchaos.seed=%d -Dchaos.duration=%s)%n",
        label, seed, org.gerritproxy.core.config.Durations.format(soak), seed,
        org.gerritproxy.core.config.Durations.format(soak));
    return seed;
  }

  List<WriteAudit.Verdict> offMaster() {
    return verdicts.stream().filter(v -> !v.onMaster()).toList();
  }

  Duration maxLag() {
    return verdicts.stream().map(WriteAudit.Verdict::lagAfterTenure).max(Duration::compareTo)
        .orElse(Duration.ZERO);
  }

  /** The figures every soak reports, as {@code key=value} words for the summary line. */
  String figures() {
    Map<String, Integer> ok = new TreeMap<>(ledger.succeeded());
    ok.remove("push");
    long epochs = tenures.stream().map(MasterTimeline.Tenure::epoch).distinct().count();
    return String.format("pushes acknowledged=%d lost=%d receive-packs audited=%d"
            + " writes on non-masters=%d (max lag after a tenure %d ms) reads ok=%s"
            + " client failures=%d %s faults=%s master changes=%d epochs=%d"
            + " failovers without a fault=%d",
        ledger.acknowledged().size(), lost.size(), verdicts.size(), offMaster().size(),
        maxLag().toMillis(), ok, ledger.failures.all().size(), ledger.failures.countsByKind(),
        new TreeMap<>(faults), tenures.size() - 1, epochs, faultless.size());
  }

  /** The soak's invariants, each stated with the seed that replays it. */
  void check(SoftAssertions soft) {
    soft.assertThat(ledger.acknowledged()).as("pushes acknowledged during the soak").isNotEmpty();
    soft.assertThat(lost).as("acknowledged pushes missing from their branch (seed " + seed + ")")
        .isEmpty();
    soft.assertThat(verdicts).as("pushes found in the nodes' logs").isNotEmpty();
    soft.assertThat(offMaster()).as("pushes taken by a node that was not master (seed " + seed
        + "); master timeline " + tenures).isEmpty();
    soft.assertThat(faultless).as("failovers without a fault: the master moved off a node no"
        + " fault had touched (seed " + seed + "); faults " + spans).isEmpty();
    soft.assertThat(ledger.failures.ofKind(ClientFailures.UNCLEAR))
        .as("client failures without a clear message (seed " + seed + ")").isEmpty();
    soft.assertThat(ledger.failures.ofKind("hang")).as("clients that hung (seed " + seed + ")")
        .isEmpty();
  }

  /**
   * Writes {@code target/NAME}: the summary, the faults, the master timeline, every client
   * failure, every write on a non-master, then {@code tail}.
   */
  void writeReport(String name, String summary, String tail) throws IOException {
    StringBuilder r = new StringBuilder(summary).append("\n\nfaults:\n");
    journal.forEach(l -> r.append("  ").append(l).append('\n'));
    r.append("\nmaster timeline:\n");
    tenures.forEach(t -> r.append("  ").append(t).append('\n'));
    r.append("\nfailovers without a fault:\n");
    faultless.forEach(f -> r.append("  ").append(f).append('\n'));
    r.append("\nclient failures:\n");
    for (ClientFailures.Failure f : ledger.failures.all()) {
      r.append("  [").append(f.kind()).append("] ").append(f.client()).append(' ')
          .append(f.operation()).append(": ")
          .append(f.output().replace('\n', ' ').substring(0, Math.min(400, f.output().length())))
          .append('\n');
    }
    r.append("\nwrites on non-masters:\n");
    offMaster().forEach(v -> r.append("  ").append(v.push()).append('\n'));
    r.append('\n').append(tail);
    Files.writeString(targetDir().resolve(name), r.toString());
  }

  /** The module's {@code target/}, found through {@code gerrit.lib} as Maven sets it. */
  static Path targetDir() {
    String lib = System.getProperty("gerrit.lib");
    return lib != null ? Path.of(lib).toAbsolutePath().getParent() : Path.of("target");
  }
}
