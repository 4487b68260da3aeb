package org.gerritproxy.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The rules for one node's settings, which check-config and the routing table share. */
class NodeTest {

  @ParameterizedTest(name = "{0} reads as {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          http://10.0.0.1:8080        | http://10.0.0.1:8080
          HTTPS://h:8443/r/           | https://h:8443/r
          ' http://h//'               | http://h
          http://[::1]:8080/gerrit    | http://[::1]:8080/gerrit
          """)
  void httpIsReadAsABaseUrlWithoutTrailingSlashes(String written, String read) {
    assertThat(Node.parseHttp(written)).isEqualTo(URI.create(read));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          ftp://h        | 'ftp://h' must start with http:// or https://, like http://10.0.0.1:8080
          /gerrit        | '/gerrit' must start with http:// or https://, like http://10.0.0.1:8080
          http:///x      | 'http:///x' has no host: write it like http://10.0.0.1:8080
          http://h/?a=1  | 'http://h/?a=1' must not have a query or fragment: write the base URL of that Gerrit
          http://h/#top  | 'http://h/#top' must not have a query or fragment: write the base URL of that Gerrit
          """)
  void httpRefusalsSayWhatToWrite(String written, String problem) {
    assertThatIllegalArgumentException().isThrownBy(() -> Node.parseHttp(written)).withMessage(problem);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          *:29418       | '*:29418': * is for listen addresses; write the node's host, like 10.0.0.1:29418
          h:0           | 'h:0': port 0 is not a port a node listens on
          10.0.0.1      | '10.0.0.1' is not host:port
          """)
  void sshRefusalsSayWhatToWrite(String written, String problem) {
    assertThatIllegalArgumentException().isThrownBy(() -> Node.parseSsh(written)).withMessage(problem);
  }

  @ParameterizedTest(name = "{0} is a node name: {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          gerrit-1      | true
          G.2_b         | true
          9             | true
          -gerrit       | false
          .gerrit       | false
          gerrit 1      | false
          gerrit/1      | false
          gérrit        | false
          """)
  void nodeNamesAreWhatHeadersMetricsAndLogsCanCarry(String name, boolean valid) {
    assertThat(Node.nameProblem(name).isEmpty()).isEqualTo(valid);
  }

  @Test
  void theHeaderQuotesTheNameAsGitConfigDoes() {
    assertThat(Node.header("a\"b\\c")).isEqualTo("[node \"a\\\"b\\\\c\"]");
  }

  @Test
  void aWeightBelowOneIsRefusedWithTheWayToTakeANodeOutOfReads() {
    assertThat(Node.weightProblem(1)).isEmpty();
    assertThat(Node.weightProblem(0))
        .contains("must be at least 1, not 0: to take a node out of reads, set state = drain or disabled");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> new Node("g", URI.create("http://g"), new Endpoint("g", 1), 0, -1, AdminState.ACTIVE))
        .withMessage(
            "[node \"g\"] weight: must be at least 1, not -1: to take a node out of reads, set state"
                + " = drain or disabled");
  }
}
