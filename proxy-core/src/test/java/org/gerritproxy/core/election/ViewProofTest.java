package org.gerritproxy.core.election;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.gerritproxy.core.election.ZooKeeperElection.Proof;
import org.gerritproxy.routing.WriteMaster;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * In zookeeper mode a proxy routes writes only while a recent read of the decision, sent after
 * its last pause, vouches for its view. Times in ms, on a monotonic clock that may wrap.
 */
class ViewProofTest {
  private static final long MS = 1_000_000;
  private static final long GRACE = 2_000 * MS;

  /**
   * @param proofSent when the last good read was sent ({@code -} for none yet)
   * @param proofEpoch the epoch it saw
   * @param why a word of the reason, or {@code -} when writes may go
   */
  @ParameterizedTest(name = "{6}")
  @CsvSource(delimiter = '|', textBlock = """
      10000 | 9950 | 0    | 9800 | 3 | 3 | -          | a proof 200 ms old, same epoch
      10000 | 9950 | 0    | 9800 | 2 | 3 | -          | the view ahead of the proof
      10000 | 9950 | 0    | -    | 0 | 3 | yet        | no proof yet
      10000 | 9950 | 0    | 7500 | 3 | 3 | 2500 ms    | the last proof older than the grace
      10000 | 9950 | 0    | 9800 | 4 | 3 | behind     | ZooKeeper has moved on: catching up
      10000 | 8500 | 0    | 8400 | 3 | 3 | paused     | the ticker has not run for 1.5 s: woken just now
      10000 | 9950 | 9900 | 9800 | 3 | 3 | paused     | a pause noticed after the last proof
      10000 | 9950 | 9700 | 9800 | 3 | 3 | -          | a proof sent after the pause
      """)
  void writesNeedARecentProofSentAfterTheLastPause(long now, long lastTick, long pausedUntil,
      String proofSent, long proofEpoch, long routedEpoch, String why, String what) {
    // Near the wrap of the clock, as nanoTime may be: differences must still hold.
    long base = Long.MAX_VALUE - 5_000 * MS;
    Proof proof = proofSent.equals("-") ? null
        : new Proof(base + Long.parseLong(proofSent) * MS, proofEpoch);
    WriteMaster routed = new WriteMaster(Optional.of("gerrit-1"), routedEpoch, "");
    Optional<String> stale = ZooKeeperElection.whyStale(routed, base + now * MS,
        base + lastTick * MS, base + pausedUntil * MS, proof, GRACE);
    if (why.equals("-")) {
      assertThat(stale).isEmpty();
    } else {
      assertThat(stale).get().asString().contains(why);
    }
  }

  @ParameterizedTest
  @CsvSource({"0", "1", "5"})
  void noMasterNeedsNoProof(long epoch) {
    assertThat(ZooKeeperElection.whyStale(new WriteMaster(Optional.empty(), epoch, ""), 0, 0, 0,
        null, GRACE)).isEmpty();
  }
}
