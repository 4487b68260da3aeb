package org.gerritproxy.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The SSH listener's reading of PROXY protocol headers: whole, partial, absent and malformed. */
class ProxyHeaderTest {

  private static ProxyHeader.Reading read(byte[] b) {
    return ProxyHeader.read(b, 0, b.length);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void aV1HeaderNamesTheClientAndItsLength() {
    String header = "PROXY TCP4 198.51.100.23 10.0.0.5 40123 29418\r\n";
    ProxyHeader.Reading r = read(ascii(header + "SSH-2.0-OpenSSH_9.2\r\n"));
    assertThat(r).isEqualTo(new ProxyHeader.Header(header.length(),
        Optional.of(new InetSocketAddress("198.51.100.23", 40123))));
    assertThat(read(ascii("PROXY UNKNOWN\r\nSSH-2.0-x\r\n")))
        .isEqualTo(new ProxyHeader.Header(15, Optional.empty()));
  }

  @Test
  void aV2HeaderWithTlvsIsSkippedWhole() {
    byte[] b = new byte[16 + 12 + 5 + 3];
    System.arraycopy(ProxyHeader.V2_SIGNATURE, 0, b, 0, 12);
    b[12] = 0x21;
    b[13] = 0x11;
    b[15] = 12 + 5; // addresses, ports and a 5-byte TLV
    b[16] = (byte) 203; b[17] = 0; b[18] = 113; b[19] = 9;
    b[24] = (byte) (50000 >> 8); b[25] = (byte) (50000 & 0xff);
    ProxyHeader.Reading r = read(b);
    assertThat(r).isEqualTo(new ProxyHeader.Header(33,
        Optional.of(new InetSocketAddress("203.0.113.9", 50000))));
  }

  @Test
  void partsOfAHeaderWaitAndAnSshBannerIsNoHeader() {
    assertThat(read(ascii("PRO"))).isInstanceOf(ProxyHeader.NeedMore.class);
    assertThat(read(ascii("PROXY TCP4 1.2.3.4"))).isInstanceOf(ProxyHeader.NeedMore.class);
    assertThat(read(new byte[] {0x0D, 0x0A, 0x0D})).isInstanceOf(ProxyHeader.NeedMore.class);
    assertThat(read(ascii("SSH-2.0-OpenSSH_9.2\r\n"))).isInstanceOf(ProxyHeader.Absent.class);
    assertThat(read(ascii("PRX"))).isInstanceOf(ProxyHeader.Absent.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "PROXY TCP4 lb.example.com 10.0.0.5 1 2\r\n",
    "PROXY TCP4 198.51.100.23 10.0.0.5 99999 2\r\n",
    "PROXY TCP6 198.51.100.23 10.0.0.5 1 2\r\n",
    "PROXY UDP4 198.51.100.23 10.0.0.5 1 2\r\n",
    "PROXY TCP4 198.51.100.23 10.0.0.5 1\r\n",
  })
  void malformedV1HeadersAreRefused(String header) {
    assertThatThrownBy(() -> read(ascii(header))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PROXY v1 header");
  }

  @Test
  void aV1HeaderWithoutItsEndAndAHugeV2HeaderAreRefused() {
    assertThatThrownBy(() -> read(ascii("PROXY TCP4 " + "1".repeat(200))))
        .hasMessageContaining("without CRLF in its first 107 bytes");
    byte[] b = new byte[16];
    System.arraycopy(ProxyHeader.V2_SIGNATURE, 0, b, 0, 12);
    b[12] = 0x21;
    b[13] = 0x11;
    b[14] = (byte) 0xff;
    b[15] = (byte) 0xff;
    assertThatThrownBy(() -> read(b)).hasMessageContaining("more than");
  }
}
