package org.gerritproxy.core.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Live traffic as evidence: a run of {@code trafficFall} failures with no success between takes a
 * node out of the read pool; {@code rise} good probes after that bring it back. Events: {@code F}
 * a failure, {@code S} a success on live traffic (noticed at the next failure), {@code P} a good
 * probe, {@code X} a failed probe. trafficFall 3, rise 2.
 */
class TrafficHysteresisTest {

  @ParameterizedTest(name = "{0} -> out of the read pool: {1}")
  @CsvSource(delimiter = '|', textBlock = """
      F        | false
      FF       | false
      FFF      | true
      FFSF     | false
      FFSFFF   | true
      FFPF     | true
      FFFP     | true
      FFFPP    | false
      FFFPXP   | true
      FFFPXPP  | false
      FFFPPF   | false
      FFFPPFFF | true
      PPPP     | false
      XXXX     | false
      """)
  void theReadPool(String events, boolean out) {
    TrafficHysteresis t = TrafficHysteresis.clean();
    boolean succeeded = false;
    for (char e : events.toCharArray()) {
      switch (e) {
        case 'F' -> {
          t = t.onFailure(succeeded, 3);
          succeeded = false;
        }
        case 'S' -> succeeded = true;
        case 'P' -> t = t.onProbeSuccess(2);
        case 'X' -> t = t.onProbeFailure();
        default -> throw new IllegalArgumentException(events);
      }
    }
    assertThat(t.outOfReadPool()).isEqualTo(out);
  }
}
