package org.gerritproxy.routing.replication;

import java.util.LinkedHashMap;
import java.util.Map;
import org.gerritproxy.routing.git.PktLines;

/**
 * Parses the ref advertisement of {@code git-upload-pack} (protocol v0, as smart HTTP's {@code
 * info/refs} sends it): ref names to object ids. Peeled tags ({@code ^{}}) and the capabilities
 * of an empty repository are left out.
 */
public final class RefAdvertisement {
  private RefAdvertisement() {}

  /**
   * @throws IllegalArgumentException when the bytes are not a pkt-line advertisement
   */
  public static Map<String, String> parse(byte[] body) {
    Map<String, String> refs = new LinkedHashMap<>();
    for (PktLines.Line l : PktLines.parse(body)) {
      if (l.kind() == PktLines.Kind.FLUSH) {
        continue; // after the service line, and at the end
      }
      if (l.kind() != PktLines.Kind.DATA) {
        throw new IllegalArgumentException("a v0 ref advertisement has no " + l.kind()
            + " pkt-line");
      }
      String text = l.text();
      int nul = text.indexOf('\0');
      String line = (nul >= 0 ? text.substring(0, nul) : text).strip();
      if (line.startsWith("#")) {
        continue; // "# service=git-upload-pack"
      }
      int space = line.indexOf(' ');
      if (space != 40) {
        throw new IllegalArgumentException("not a ref line: " + line);
      }
      String ref = line.substring(41);
      if (ref.endsWith("^{}") || ref.equals("capabilities^{}")) {
        continue;
      }
      refs.put(ref, line.substring(0, 40));
    }
    return refs;
  }
}
