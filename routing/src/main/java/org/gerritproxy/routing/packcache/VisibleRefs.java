package org.gerritproxy.routing.packcache;

import org.gerritproxy.routing.git.PktLines;

import java.util.HexFormat;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The refs one user sees in one project, as that user's own protocol v2 {@code ls-refs} (with
 * {@code peel}) answered by Gerrit: the ground truth of what the pack cache may serve the user.
 *
 * @param refs each ref's name and the line Gerrit gave for it ({@code OID [peeled:OID]})
 * @param tips every object id a ref points at, peeled tags included
 */
public record VisibleRefs(SortedMap<String, String> refs, Set<String> tips) {

  public VisibleRefs {
    refs = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(refs));
    tips = Set.copyOf(tips);
  }

  /** An ls-refs answer larger than this is not waited for: the fetch goes to the node instead. */
  public static final int MAX_ANSWER = 64 * 1024 * 1024;

  /**
   * The request whose answer {@link #parseLsRefs} reads: the user's {@code ls-refs}, every ref,
   * annotated tags peeled, in the client's object format, sent as {@code agent}.
   */
  public static byte[] lsRefsRequest(String agent, Optional<String> objectFormat) {
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    body.writeBytes(PktLines.data("command=ls-refs\n"));
    body.writeBytes(PktLines.data("agent=" + agent + "\n"));
    objectFormat.ifPresent(f -> body.writeBytes(PktLines.data(f + "\n")));
    body.writeBytes(PktLines.DELIM);
    body.writeBytes(PktLines.data("peel\n"));
    body.writeBytes(PktLines.FLUSH);
    return body.toByteArray();
  }

  /**
   * Reads an {@code ls-refs} response body.
   *
   * @throws IllegalArgumentException when it is not one (an error, a cut answer)
   */
  public static VisibleRefs parseLsRefs(byte[] body) {
    TreeMap<String, String> refs = new TreeMap<>();
    java.util.HashSet<String> tips = new java.util.HashSet<>();
    boolean ended = false;
    for (PktLines.Line l : PktLines.parse(body)) {
      if (ended) {
        throw new IllegalArgumentException("bytes follow the ls-refs answer's flush-pkt");
      }
      if (l.kind() == PktLines.Kind.FLUSH) {
        ended = true;
        continue;
      }
      if (l.kind() != PktLines.Kind.DATA) {
        throw new IllegalArgumentException("an ls-refs answer has no " + l.kind());
      }
      String t = l.text();
      if (t.startsWith("ERR ")) {
        throw new IllegalArgumentException("Gerrit refused ls-refs: " + t.substring(4));
      }
      String[] parts = t.split(" ");
      if (parts.length < 2 || parts[0].isEmpty()) {
        throw new IllegalArgumentException("an ls-refs line is not OID NAME: " + t);
      }
      tips.add(parts[0]);
      StringBuilder seen = new StringBuilder(parts[0]);
      for (int i = 2; i < parts.length; i++) {
        if (parts[i].startsWith("peeled:")) {
          tips.add(parts[i].substring("peeled:".length()));
          seen.append(' ').append(parts[i]);
        }
      }
      refs.put(parts[1], seen.toString());
    }
    if (!ended) {
      throw new IllegalArgumentException("the ls-refs answer does not end with a flush-pkt");
    }
    return new VisibleRefs(refs, tips);
  }

  /**
   * True when every object {@code request} wants is the tip of a ref this user sees. Gerrit itself
   * lets a user fetch more (any object reachable from a visible ref); the cache serves only tips,
   * so that it never has to walk history to decide, and sends the rest to Gerrit.
   */
  public boolean mayBeServed(FetchRequest request) {
    return tips.containsAll(request.wants());
  }

  /**
   * The key of the cache entry that answers {@code request} for this user. With {@code
   * include-tag} Gerrit adds the annotated tags, among those the user sees, that point into the
   * pack: the answer then depends on the visible tags, so they are part of the key (users who see
   * the same tags share entries, and one who sees fewer never gets another's tag objects).
   */
  public String entryKey(FetchRequest request) {
    if (!request.includesTags()) {
      return request.key();
    }
    MessageDigest d = FetchRequest.sha256();
    FetchRequest.field(d, "request", request.key());
    for (Map.Entry<String, String> r : refs.entrySet()) {
      if (r.getKey().startsWith("refs/tags/")) {
        FetchRequest.field(d, "tag", r.getKey() + " " + r.getValue());
      }
    }
    return HexFormat.of().formatHex(d.digest());
  }
}
