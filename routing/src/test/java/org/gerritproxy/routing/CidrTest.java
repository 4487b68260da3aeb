package org.gerritproxy.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The address blocks of {@code proxyProtocolFrom}: which sources they hold, and what is refused. */
class CidrTest {

  @ParameterizedTest(name = "{0} holds {1}: {2}")
  @CsvSource({
    "10.0.0.0/8,      10.255.1.2,        true",
    "10.0.0.0/8,      11.0.0.1,          false",
    "192.0.2.7,       192.0.2.7,         true",
    "192.0.2.7,       192.0.2.8,         false",
    "192.0.2.0/25,    192.0.2.127,       true",
    "192.0.2.0/25,    192.0.2.128,       false",
    "0.0.0.0/0,       203.0.113.9,       true",
    "127.0.0.1/32,    ::ffff:127.0.0.1,  true",
    "fd00::/8,        fd12:3456::1,      true",
    "fd00::/8,        fe80::1,           false",
    "::1,             ::1,               true",
    "::1,             127.0.0.1,         false",
    "10.0.0.0/8,      ::1,               false",
    "'[::1]/128',     ::1,               true",
  })
  void holds(String block, String address, boolean held) throws Exception {
    assertThat(Cidr.parse(block).contains(InetAddress.getByName(address))).isEqualTo(held);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "lb.example.com | 'lb.example.com' is not an address block: write it like 10.0.0.0/8, 192.0.2.7 or fd00::/8 (addresses, not host names)",
    "10.0.0.0/33    | '10.0.0.0/33': the prefix /33 is outside 0..32",
    "fd00::/129     | 'fd00::/129': the prefix /129 is outside 0..128",
    "10.0.0.0/x     | '10.0.0.0/x': the prefix after / is not a number; write it like 10.0.0.0/8",
    "10.0.0.300     | '10.0.0.300' is not an address block: write it like 10.0.0.0/8, 192.0.2.7 or fd00::/8 (addresses, not host names)",
  })
  void refuses(String text, String message) {
    assertThatThrownBy(() -> Cidr.parse(text)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @org.junit.jupiter.api.Test
  void isWrittenAsReadWithTheHostBitsCleared() {
    assertThat(Cidr.parse("10.1.2.3/8")).hasToString("10.0.0.0/8").isEqualTo(Cidr.parse("10.0.0.0/8"));
    assertThat(Cidr.parse("192.0.2.7")).hasToString("192.0.2.7");
    assertThat(Cidr.parse("fd00::1/8").toString()).isEqualTo("fd00:0:0:0:0:0:0:0/8");
    assertThat(Cidr.anyContains(List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("::1")),
        InetAddress.getLoopbackAddress())).isFalse();
  }
}
