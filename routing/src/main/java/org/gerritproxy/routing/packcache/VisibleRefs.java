package org.gerritproxy.routing.packcache;

import org.gerritproxy.routing.git.PktLines;

import java.util.HexFormat;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

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
   * A check names at most this many refs; a fetch whose wants were seen under more names is
   * checked against every ref. (git itself stops sending {@code ref-prefix} lines past 65.)
   */
  public static final int MAX_NAMED_REFS = 32;

  /**
   * The request whose answer {@link #parseLsRefs} reads: the user's {@code ls-refs}, every ref,
   * annotated tags peeled, in the client's object format, sent as {@code agent}.
   */
  public static byte[] lsRefsRequest(String agent, Optional<String> objectFormat) {
    return lsRefsRequest(agent, objectFormat, java.util.Collections.emptySortedSet());
  }

  /**
   * The same, for the refs whose names start with one of {@code refPrefixes} only ({@code
   * ref-prefix} lines); none means every ref.
   */
  public static byte[] lsRefsRequest(String agent, Optional<String> objectFormat,
      SortedSet<String> refPrefixes) {
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    body.writeBytes(PktLines.data("command=ls-refs\n"));
    body.writeBytes(PktLines.data("agent=" + agent + "\n"));
    objectFormat.ifPresent(f -> body.writeBytes(PktLines.data(f + "\n")));
    body.writeBytes(PktLines.DELIM);
    body.writeBytes(PktLines.data("peel\n"));
    refPrefixes.forEach(p -> body.writeBytes(PktLines.data("ref-prefix " + p + "\n")));
    body.writeBytes(PktLines.FLUSH);
    return body.toByteArray();
  }

  /**
   * Which refs a check of {@code request} asks Gerrit about: the names its wants were last seen
   * under ({@code namesOfTip}, from earlier ls-refs answers), and every tag when the answer
   * depends on the visible tags ({@code include-tag}). Gerrit's cost of an ls-refs grows with the
   * refs it lists (each one's read permission is decided, a change ref's by its change): a
   * project with many changes would pay for all of them on every cached fetch.
   *
   * <p>The names only choose what is asked. What is served is still decided by the answer alone
   * ({@link #mayBeServed}): a stale or wrong name makes the check find no tip, and the fetch goes
   * to Gerrit.
   *
   * @return empty when some want was never seen under a name, or under too many: then the check
   *     asks about every ref
   */
  public static Optional<SortedSet<String>> checkPrefixes(FetchRequest request,
      Function<String, Set<String>> namesOfTip) {
    SortedSet<String> names = new TreeSet<>();
    for (String want : request.wants()) {
      Set<String> seen = namesOfTip.apply(want);
      if (seen == null || seen.isEmpty()) {
        return Optional.empty();
      }
      names.addAll(seen);
    }
    if (request.includesTags()) {
      names.removeIf(n -> n.startsWith(TAGS));
      names.add(TAGS);
    }
    return names.size() > MAX_NAMED_REFS ? Optional.empty()
        : Optional.of(java.util.Collections.unmodifiableSortedSet(names));
  }

  private static final String TAGS = "refs/tags/";

  /**
   * Each object id this answer shows, with the names of the refs that point at it (an annotated
   * tag's name under both the tag's id and the peeled one's).
   */
  public Map<String, Set<String>> namesByTip() {
    Map<String, Set<String>> byTip = new java.util.HashMap<>();
    refs.forEach((name, seen) -> {
      for (String part : seen.split(" ")) {
        String id = part.startsWith("peeled:") ? part.substring("peeled:".length()) : part;
        if (!FetchRequest.isObjectId(id)) {
          continue; // an unborn HEAD
        }
        byTip.computeIfAbsent(id, k -> new TreeSet<>()).add(name);
      }
    });
    return byTip;
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
