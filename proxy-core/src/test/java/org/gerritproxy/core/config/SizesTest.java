package org.gerritproxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SizesTest {

  @ParameterizedTest(name = "{0} is {1} bytes")
  @CsvSource({
    "16k, 16384",
    "1m, 1048576",
    "2g, 2147483648",
    "1000, 1000", // a bare number is bytes
    "0, 0",
    "32K, 32768",
    "'64 kb', 65536",
    "1MiB, 1048576",
    "512b, 512",
  })
  void parsesPowersOf1024AndBareBytes(String text, long bytes) {
    assertThat(Sizes.parse(text)).isEqualTo(bytes);
  }

  @ParameterizedTest(name = "''{0}'' is refused")
  @ValueSource(strings = {"16x", "", "k", "-1k", "1.5m", "lots", "1t"})
  void refusesWhatIsNotASizeWithAHint(String text) {
    assertThatThrownBy(() -> Sizes.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "'" + text + "' is not a size: write it like 16k, 1m or 2g (bytes, in units of 1024)");
  }

  @Test
  void refusesASizeTooLargeToHold() {
    assertThatThrownBy(() -> Sizes.parse("9999999999999g"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("too large");
  }

  @ParameterizedTest(name = "{0} bytes prints as {1}")
  @CsvSource({"32768, 32k", "1048576, 1m", "1073741824, 1g", "1000, 1000", "0, 0", "1536, 1536"})
  void formatsInTheLargestExactUnit(long bytes, String text) {
    assertThat(Sizes.format(bytes)).isEqualTo(text);
    assertThat(Sizes.parse(text)).isEqualTo(bytes);
  }
}
