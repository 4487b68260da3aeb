package org.gerritproxy.routing.packcache;

import org.gerritproxy.routing.git.PktLines;

import java.io.ByteArrayOutputStream;

/** Builds pkt-line bodies for the tests: "0000" flush, "0001" delim, anything else a data line. */
final class Pkt {
  private Pkt() {}

  static byte[] of(String... lines) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String l : lines) {
      byte[] b = switch (l) {
        case "0000" -> PktLines.FLUSH;
        case "0001" -> PktLines.DELIM;
        default -> PktLines.data(l + "\n");
      };
      out.writeBytes(b);
    }
    return out.toByteArray();
  }

  static byte[] band(int band, byte[] data) {
    byte[] payload = new byte[data.length + 1];
    payload[0] = (byte) band;
    System.arraycopy(data, 0, payload, 1, data.length);
    byte[] out = new byte[payload.length + 4];
    System.arraycopy(String.format("%04x", payload.length + 4).getBytes(), 0, out, 0, 4);
    System.arraycopy(payload, 0, out, 4, payload.length);
    return out;
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
