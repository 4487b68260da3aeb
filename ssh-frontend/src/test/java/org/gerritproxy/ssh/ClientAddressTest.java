package org.gerritproxy.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** The client address handed to Gerrit as {@code suexec --from HOST:PORT}. */
class ClientAddressTest {
  @Test
  void ipv4IsHostColonPort() throws Exception {
    assertThat(ProxiedCommand.address(new InetSocketAddress(
        InetAddress.getByName("10.0.0.7"), 51234))).isEqualTo("10.0.0.7:51234");
  }

  @Test
  void ipv6IsBracketedWithoutItsZone() throws Exception {
    assertThat(ProxiedCommand.address(new InetSocketAddress(
        InetAddress.getByName("fe80::1%1"), 22))).isEqualTo("[fe80:0:0:0:0:0:0:1]:22");
  }
}
