package org.gerritproxy.routing.packcache;

import org.gerritproxy.routing.git.PktLines;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * One protocol v2 request to {@code git-upload-pack} over HTTP, as the pack cache sees it: its
 * command, capabilities and arguments in canonical form. Two requests with equal {@link #key()}s
 * ask for the same thing: the order of lines and the client's {@code agent} do not count.
 *
 * @param project the Gerrit project, as the URL names it
 * @param command the {@code command=} value ({@code fetch}, {@code ls-refs}, ...)
 * @param capabilities the capability lines that shape the answer ({@code object-format=sha1},
 *     {@code server-option=...}), sorted; {@code agent} and {@code session-id} are left out
 * @param wants the object ids wanted, sorted
 * @param haves the object ids the client has, sorted
 * @param arguments every other argument line ({@code done}, {@code ofs-delta}, {@code shallow X},
 *     {@code deepen 1}, {@code filter blob:none}, ...), sorted
 */
public record FetchRequest(String project, String command, SortedSet<String> capabilities,
    SortedSet<String> wants, SortedSet<String> haves, SortedSet<String> arguments) {

  /** Capabilities that only name or trace the client; the answer never depends on them. */
  private static final Set<String> IDENTITY_CAPABILITIES = Set.of("agent", "session-id");
  /** Capabilities the answer may depend on, and which the cache understands. */
  private static final Set<String> KNOWN_CAPABILITIES = Set.of("object-format", "server-option");
  /**
   * Fetch arguments whose answer is a function of the request alone (given the repository's
   * objects, which never change under an id). Anything else, and any argument git may add later,
   * makes the request uncacheable rather than wrongly shared.
   */
  private static final Set<String> DETERMINISTIC_ARGUMENTS = Set.of("done", "thin-pack",
      "no-progress", "include-tag", "ofs-delta", "sideband-all", "shallow", "deepen",
      "deepen-relative", "deepen-since", "deepen-not", "filter");
  private static final Pattern OBJECT_ID = Pattern.compile("[0-9a-f]{40}|[0-9a-f]{64}");

  public FetchRequest {
    Objects.requireNonNull(project, "project");
    Objects.requireNonNull(command, "command");
    capabilities = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(capabilities));
    wants = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(wants));
    haves = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(haves));
    arguments = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(arguments));
  }

  /**
   * Reads a request body (uncompressed).
   *
   * @throws IllegalArgumentException when it is not a protocol v2 command request
   */
  public static FetchRequest parse(String project, byte[] body) {
    List<PktLines.Line> lines = PktLines.parse(body);
    String command = null;
    SortedSet<String> caps = new TreeSet<>();
    SortedSet<String> wants = new TreeSet<>();
    SortedSet<String> haves = new TreeSet<>();
    SortedSet<String> args = new TreeSet<>();
    boolean inArguments = false;
    boolean ended = false;
    for (PktLines.Line l : lines) {
      if (ended) {
        throw new IllegalArgumentException("bytes follow the request's flush-pkt");
      }
      switch (l.kind()) {
        case FLUSH -> ended = true;
        case RESPONSE_END -> throw new IllegalArgumentException("a request has no response-end");
        case DELIM -> {
          if (inArguments) {
            throw new IllegalArgumentException("a second delim-pkt in the request");
          }
          inArguments = true;
        }
        case DATA -> {
          String t = l.text();
          if (!inArguments) {
            if (command == null) {
              if (!t.startsWith("command=")) {
                throw new IllegalArgumentException("the request does not start with command=");
              }
              command = t.substring("command=".length());
            } else {
              caps.add(t);
            }
          } else if (t.startsWith("want ")) {
            wants.add(t.substring(5));
          } else if (t.startsWith("have ")) {
            haves.add(t.substring(5));
          } else {
            args.add(t);
          }
        }
      }
    }
    if (command == null || !ended) {
      throw new IllegalArgumentException(command == null
          ? "the request names no command" : "the request does not end with a flush-pkt");
    }
    return new FetchRequest(project, command, caps, wants, haves, args);
  }

  /**
   * Why this request cannot be answered from a cache, or empty when it can: a {@code fetch}
   * wanting object ids only (a {@code want-ref} follows a branch that moves), and nothing the cache
   * does not understand ({@code wait-for-done}, {@code packfile-uris}, new capabilities).
   *
   * <p>A round without {@code done} qualifies too: stateless HTTP makes each round carry all it
   * depends on (wants and every have), and its answer, acknowledgments and, when the node is
   * ready, the pack, follows from those and the repository's objects, which never change under
   * an id. This is the common CI fetch: a client with history sends its haves once and gets the
   * pack at once. Only answers with a pack are kept ({@link FetchResponseCheck}).
   */
  public Optional<String> uncacheableBecause() {
    if (!command.equals("fetch")) {
      return Optional.of("command " + command + " is not fetch");
    }
    if (wants.isEmpty()) {
      return Optional.of("no want");
    }
    for (String id : wants) {
      if (!OBJECT_ID.matcher(id).matches()) {
        return Optional.of("want " + id + " is not an object id");
      }
    }
    for (String id : haves) {
      if (!OBJECT_ID.matcher(id).matches()) {
        return Optional.of("have " + id + " is not an object id");
      }
    }
    for (String c : capabilities) {
      String name = keyword(c, '=');
      if (!KNOWN_CAPABILITIES.contains(name) && !IDENTITY_CAPABILITIES.contains(name)) {
        return Optional.of("capability " + name);
      }
    }
    for (String a : arguments) {
      String name = keyword(a, ' ');
      if (!DETERMINISTIC_ARGUMENTS.contains(name)) {
        return Optional.of("argument " + name);
      }
    }
    return Optional.empty();
  }

  /** The client's {@code object-format=} capability line, if it sent one. */
  public Optional<String> objectFormat() {
    return capabilities.stream().filter(c -> c.startsWith("object-format=")).findFirst();
  }

  /** True when the answer carries the annotated tags of the refs the user sees. */
  public boolean includesTags() {
    return arguments.contains("include-tag");
  }

  /**
   * The request's identity: a SHA-256 over the project, the command, the capabilities that count,
   * and the sorted wants, haves and arguments. Equal keys, equal requests.
   */
  public String key() {
    MessageDigest d = sha256();
    field(d, "project", project);
    field(d, "command", command);
    for (String c : capabilities) {
      if (!IDENTITY_CAPABILITIES.contains(keyword(c, '='))) {
        field(d, "capability", c);
      }
    }
    wants.forEach(w -> field(d, "want", w));
    haves.forEach(h -> field(d, "have", h));
    arguments.forEach(a -> field(d, "argument", a));
    return HexFormat.of().formatHex(d.digest());
  }

  static boolean isObjectId(String s) {
    return OBJECT_ID.matcher(s).matches();
  }

  private static String keyword(String line, char separator) {
    int i = line.indexOf(separator);
    return i < 0 ? line : line.substring(0, i);
  }

  /** Length-prefixed, so that no two different field lists hash the same bytes. */
  static void field(MessageDigest d, String name, String value) {
    byte[] v = value.getBytes(StandardCharsets.UTF_8);
    d.update(name.getBytes(StandardCharsets.US_ASCII));
    d.update((byte) ':');
    d.update(Integer.toString(v.length).getBytes(StandardCharsets.US_ASCII));
    d.update((byte) ':');
    d.update(v);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java has SHA-256", e);
    }
  }
}
