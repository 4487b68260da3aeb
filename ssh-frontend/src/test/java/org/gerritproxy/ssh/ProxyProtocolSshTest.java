package org.gerritproxy.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.gerritproxy.routing.AdminState;
import org.gerritproxy.routing.Cidr;
import org.gerritproxy.routing.Endpoint;
import org.gerritproxy.routing.HealthView;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.RoutingSnapshot;
import org.gerritproxy.routing.RoutingTable;
import org.gerritproxy.routing.WriteMaster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PROXY header on the SSH listener, on raw sockets: a header whose SSH identification line
 * follows in another TCP segment still leads to the key exchange (MINA asks for the header again
 * from the start then), and the three refusals close the connection before any key exchange.
 */
class ProxyProtocolSshTest {
  @TempDir Path dir;
  SshFrontend frontend;
  InetSocketAddress address;

  @BeforeEach
  void start() throws Exception {
    Node node = new Node("gerrit-1", URI.create("http://127.0.0.1:1"),
        new Endpoint("127.0.0.1", 1), 100, 1, AdminState.ACTIVE);
    RoutingSnapshot snapshot = new RoutingSnapshot(RoutingTable.builder().addNode(node).build(),
        new HealthView(Map.of()), WriteMaster.none("no master in this test"));
    SshFrontendSettings settings = SshFrontendSettings.of(new Endpoint("127.0.0.1", 0),
        List.of(dir.resolve("host_key")), dir.resolve("peer_key"), Optional.empty(),
        Optional.empty(), "pp").withProxyProtocolFrom(List.of(Cidr.parse("127.0.0.2")));
    frontend = new SshFrontend(settings, () -> snapshot, (n, e) -> { });
    address = frontend.start();
  }

  @AfterEach
  void stop() {
    frontend.close();
  }

  @Test
  void aHeaderAndAnIdentificationLineSplitAcrossSegmentsLeadToTheKeyExchange() throws Exception {
    try (Socket s = socketFrom("127.0.0.2")) {
      s.getOutputStream().write(ascii("PROXY TCP4 198.51.100.23 127.0.0.1 40123 22\r\nSSH-2.0-te"));
      s.getOutputStream().flush();
      readLine(s.getInputStream()); // the server's banner: our first segment is long sent
      s.getOutputStream().write(ascii("st\r\n"));
      s.getOutputStream().flush();
      assertThat(nextPacketType(s.getInputStream())).as("SSH_MSG_KEXINIT").isEqualTo(20);
    }
  }

  @Test
  void theRefusalsCloseBeforeAnyKeyExchange() throws Exception {
    try (Socket s = socketFrom("127.0.0.2")) { // listed, but no header
      s.getOutputStream().write(ascii("SSH-2.0-test\r\n"));
      assertThat(closedAfterBanner(s)).isTrue();
    }
    try (Socket s = socketFrom("127.0.0.1")) { // a header from a source not listed
      s.getOutputStream().write(ascii("PROXY TCP4 198.51.100.23 127.0.0.1 40123 22\r\nSSH-2.0-t\r\n"));
      assertThat(closedAfterBanner(s)).isTrue();
    }
    try (Socket s = socketFrom("127.0.0.2")) { // a malformed header
      s.getOutputStream().write(ascii("PROXY TCP4 lb.example.com 127.0.0.1 1 22\r\nSSH-2.0-t\r\n"));
      assertThat(closedAfterBanner(s)).isTrue();
    }
    try (Socket s = socketFrom("127.0.0.1")) { // a plain client is served
      s.getOutputStream().write(ascii("SSH-2.0-test\r\n"));
      readLine(s.getInputStream());
      assertThat(nextPacketType(s.getInputStream())).isEqualTo(20);
    }
  }

  private Socket socketFrom(String source) throws Exception {
    Socket s = new Socket();
    s.setSoTimeout(15_000);
    s.bind(new InetSocketAddress(source, 0));
    s.connect(address, 10_000);
    return s;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static String readLine(InputStream in) throws Exception {
    StringBuilder line = new StringBuilder();
    for (int c; (c = in.read()) != -1 && c != '\n'; ) {
      line.append((char) c);
    }
    return line.toString();
  }

  /** The message type of the next binary packet (unencrypted: before the first NEWKEYS). */
  private static int nextPacketType(InputStream in) throws Exception {
    DataInputStream data = new DataInputStream(in);
    data.readInt(); // packet length
    data.readUnsignedByte(); // padding length
    return data.readUnsignedByte();
  }

  /** True when, after its banner, the server sends no key exchange but closes. */
  private static boolean closedAfterBanner(Socket s) throws Exception {
    InputStream in = s.getInputStream();
    String banner = readLine(in);
    assertThat(banner).startsWith("SSH-2.0-GerritProxy_");
    try {
      return in.read() == -1;
    } catch (java.net.SocketException reset) {
      return true;
    }
  }
}
