package org.gerritproxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Loopback is decided from the address as written: the admin listener's token rule hangs on it. */
class EndpointTest {

  @ParameterizedTest(name = "{0} is loopback: {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          127.0.0.1:8090       | true
          127.1.2.3:8090       | true
          localhost:8090       | true
          LOCALHOST:8090       | true
          [::1]:8090           | true
          [0:0:0:0:0:0:0:1]:1  | true
          *:8090               | false
          0.0.0.0:8090         | false
          10.0.0.1:8090        | false
          128.0.0.1:8090       | false
          127.0.0.1.example:1  | false
          [::]:8090            | false
          example.com:8090     | false
          """)
  void loopbackIsDecidedFromTheAddressAsWritten(String endpoint, boolean loopback) {
    assertThat(Endpoint.parse(endpoint).isLoopback()).isEqualTo(loopback);
  }
}
