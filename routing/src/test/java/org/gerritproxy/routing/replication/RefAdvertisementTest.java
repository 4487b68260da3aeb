package org.gerritproxy.routing.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.gerritproxy.routing.replication.ReceiveCommandsTest.pkt;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RefAdvertisementTest {
  private static final String A = "a".repeat(40);
  private static final String B = "b".repeat(40);

  @Test
  void readsTheRefsOfASmartHttpAdvertisement() {
    String body = pkt("# service=git-upload-pack\n") + "0000"
        + pkt(A + " HEAD\0multi_ack symref=HEAD:refs/heads/main\n")
        + pkt(A + " refs/heads/main\n")
        + pkt(B + " refs/tags/v1\n") + pkt(A + " refs/tags/v1^{}\n") + "0000";
    assertThat(RefAdvertisement.parse(body.getBytes(StandardCharsets.UTF_8))).isEqualTo(
        Map.of("HEAD", A, "refs/heads/main", A, "refs/tags/v1", B));
  }

  @Test
  void anEmptyRepositoryHasNoRefs() {
    String body = pkt("# service=git-upload-pack\n") + "0000"
        + pkt("0".repeat(40) + " capabilities^{}\0agent=x\n") + "0000";
    assertThat(RefAdvertisement.parse(body.getBytes(StandardCharsets.UTF_8))).isEmpty();
  }

  @Test
  void refusesWhatIsNoAdvertisement() {
    assertThatThrownBy(() -> RefAdvertisement.parse(
        "<html>login</html>".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pkt-line");
    assertThatThrownBy(() -> RefAdvertisement.parse("00ffshort".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("past the end");
  }
}
