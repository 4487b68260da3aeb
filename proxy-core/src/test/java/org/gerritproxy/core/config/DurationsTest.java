package org.gerritproxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

  @ParameterizedTest(name = "{0} is {1} ms")
  @CsvSource({
    "500ms, 500",
    "2s, 2000",
    "5m, 300000",
    "1h, 3600000",
    "1d, 86400000",
    "0, 0",
    "30, 30000", // a bare number is seconds, as for most of Gerrit's time settings
    "'5 min', 300000",
    "'2 seconds', 2000",
    "'  10S ', 10000",
    "250 milliseconds, 250",
    "3 hours, 10800000",
  })
  void parsesUnitsAndBareSeconds(String text, long millis) {
    assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
  }

  @ParameterizedTest(name = "''{0}'' is refused")
  @ValueSource(strings = {"5x", "", "s", "-1s", "1.5s", "5 m s", "ten seconds", "2w"})
  void refusesWhatIsNotADurationWithAHint(String text) {
    assertThatThrownBy(() -> Durations.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'" + text + "' is not a duration: write it like 500ms, 2s or 5m");
  }

  @Test
  void refusesADurationTooLongToHold() {
    assertThatThrownBy(() -> Durations.parse("99999999999999999999d"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("too long");
  }

  @ParameterizedTest(name = "{0} ms prints as {1}")
  @CsvSource({
    "500, 500ms",
    "1500, 1500ms",
    "2000, 2s",
    "90000, 90s",
    "300000, 5m",
    "3600000, 1h",
    "86400000, 1d",
    "0, 0s"
  })
  void formatsInTheLargestExactUnit(long millis, String text) {
    assertThat(Durations.format(Duration.ofMillis(millis))).isEqualTo(text);
    assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
  }
}
