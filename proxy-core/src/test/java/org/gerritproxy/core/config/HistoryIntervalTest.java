package org.gerritproxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code [admin] historyInterval}: how often the dashboard's pictures sample, 1 s to 1 min. */
class HistoryIntervalTest {
  @TempDir Path dir;

  @ParameterizedTest(name = "historyInterval = {0}")
  @CsvSource({"'', 10s", "1s, 1s", "10s, 10s", "1m, 1m", "30000ms, 30s"})
  void takenAsWritten(String written, String expected) throws Exception {
    ProxyConfig c = ConfigLoader.load(config(written));
    assertThat(c.admin().historyInterval()).isEqualTo(
        Duration.ofMillis(Durations.parse(expected).toMillis()));
  }

  @ParameterizedTest(name = "historyInterval = {0} is refused")
  @CsvSource({"500ms, must be between 1s and 1m", "0, must be between 1s and 1m",
      "2m, must be between 1s and 1m", "soon, 'soon' is not a duration"})
  void refusedOutsideOneSecondToOneMinute(String written, String why) throws Exception {
    Path file = config(written);
    assertThat(ConfigLoader.check(file)).singleElement().asString()
        .contains("proxy.config:5: [admin] historyInterval: " + why);
  }

  private Path config(String interval) throws Exception {
    Path p = dir.resolve("proxy.config");
    Files.writeString(p, "[node \"gerrit-1\"]\n\thttp = http://127.0.0.1:8081\n"
        + "\tssh = 127.0.0.1:29418\n[admin]\n"
        + (interval.isEmpty() ? "" : "\thistoryInterval = " + interval + "\n"));
    return p;
  }
}
