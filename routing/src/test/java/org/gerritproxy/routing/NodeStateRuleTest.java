package org.gerritproxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.gerritproxy.routing.NodeStateRule.NodeVerdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class NodeStateRuleTest {

  /** The rule for an active node: every pair of channel verdicts. */
  @ParameterizedTest(name = "{0} + {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          REACHABLE   | FRESH_HEALTHY   | UP
          REACHABLE   | FRESH_UNHEALTHY | UP
          REACHABLE   | STALE           | UP
          REACHABLE   | NOT_CONFIGURED  | UP
          REACHABLE   | UNKNOWN         | UP
          UNREACHABLE | FRESH_HEALTHY   | PARTITIONED
          UNREACHABLE | FRESH_UNHEALTHY | DOWN
          UNREACHABLE | STALE           | DOWN
          UNREACHABLE | NOT_CONFIGURED  | DOWN
          UNREACHABLE | UNKNOWN         | UNKNOWN
          UNKNOWN     | FRESH_HEALTHY   | UNKNOWN
          UNKNOWN     | FRESH_UNHEALTHY | UNKNOWN
          UNKNOWN     | STALE           | UNKNOWN
          UNKNOWN     | NOT_CONFIGURED  | UNKNOWN
          UNKNOWN     | UNKNOWN         | UNKNOWN
          """)
  void activeNodeStateFollowsBothChannels(Reachability network, Heartbeat backdoor, NodeState state) {
    NodeVerdict v = NodeStateRule.decide(AdminState.ACTIVE, network, backdoor);

    assertThat(v.state()).isEqualTo(state);
    assertThat(v.why()).isNotBlank();
  }

  static Stream<Arguments> everyChannelPair() {
    List<Arguments> out = new ArrayList<>();
    for (Reachability r : Reachability.values()) {
      for (Heartbeat h : Heartbeat.values()) {
        out.add(Arguments.of(r, h));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} + {1}")
  @MethodSource("everyChannelPair")
  void disabledInConfigurationIsDisabledWhateverTheProbesSay(Reachability r, Heartbeat h) {
    assertThat(NodeStateRule.decide(AdminState.DISABLED, r, h).state()).isEqualTo(NodeState.DISABLED);
  }

  @ParameterizedTest(name = "{0} + {1}")
  @MethodSource("everyChannelPair")
  void drainInConfigurationIsDrainingWhateverTheProbesSay(Reachability r, Heartbeat h) {
    assertThat(NodeStateRule.decide(AdminState.DRAIN, r, h).state()).isEqualTo(NodeState.DRAINING);
  }

  @Test
  void withoutABackdoorAFailingNodeIsDownSinceASplitCannotBeToldFromADeath() {
    NodeVerdict v =
        NodeStateRule.decide(AdminState.ACTIVE, Reachability.UNREACHABLE, Heartbeat.NOT_CONFIGURED);

    assertThat(v.state()).isEqualTo(NodeState.DOWN);
    assertThat(v.why()).contains("no backdoor");
  }

  @Test
  void partitionedVerdictExplainsThatTheNodeLives() {
    NodeVerdict v =
        NodeStateRule.decide(AdminState.ACTIVE, Reachability.UNREACHABLE, Heartbeat.FRESH_HEALTHY);

    assertThat(v.why()).contains("heartbeat is fresh").contains("unreachable from this proxy");
  }

  @Test
  void everyVerdictExplainsItself() {
    for (AdminState a : AdminState.values()) {
      for (Reachability r : Reachability.values()) {
        for (Heartbeat h : Heartbeat.values()) {
          NodeVerdict v = NodeStateRule.decide(a, r, h);
          assertThat(v.why()).as("%s %s %s", a, r, h).isNotBlank();
        }
      }
    }
  }
}
