package org.gerritproxy.routing;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One Gerrit server of the cluster, as configured.
 *
 * <p>The rules for one node's settings live here, worded as {@code check-config} shows them,
 * so that the configuration reader and {@link RoutingTable.Builder} cannot disagree.
 *
 * @param name the subsection name in {@code [node "NAME"]}
 * @param http base URL of its Gerrit (scheme, host, port, optional path prefix; no trailing slash)
 * @param ssh its Gerrit SSH daemon
 * @param priority higher is preferred as write master
 * @param weight share of reads, at least 1
 * @param adminState what the operator wants of it
 */
public record Node(String name, URI http, Endpoint ssh, int priority, int weight, AdminState adminState) {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

  public Node {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(http, "http");
    Objects.requireNonNull(ssh, "ssh");
    Objects.requireNonNull(adminState, "adminState");
    if (name.isBlank()) {
      throw new IllegalArgumentException("a node needs a name");
    }
    Optional<String> wrongWeight = weightProblem(weight);
    if (wrongWeight.isPresent()) {
      throw new IllegalArgumentException(header(name) + " weight: " + wrongWeight.get());
    }
  }

  public Node withAdminState(AdminState state) {
    return new Node(name, http, ssh, priority, weight, state);
  }

  /** The section header that declares the named node, quoted as git-config quotes it. */
  public static String header(String name) {
    return "[node \"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\"]";
  }

  /** What is wrong with a node's name, if anything. */
  public static Optional<String> nameProblem(String name) {
    if (NAME.matcher(name).matches()) {
      return Optional.empty();
    }
    return Optional.of(
        "the node name '"
            + name
            + "' may hold only letters, digits, '.', '_' and '-': it"
            + " appears in headers, metrics and logs.");
  }

  /**
   * Two declarations of one node; {@code first} says where the first one is ("on line 3"). Git
   * merges the two sections, which is rarely what was meant.
   */
  public static String redeclared(String name, String first) {
    return header(name)
        + " is already declared "
        + first
        + ": give each node its own name,"
        + " and keep all of a node's keys in one section.";
  }

  /** What is wrong with a weight, if anything. */
  public static Optional<String> weightProblem(int weight) {
    if (weight >= 1) {
      return Optional.empty();
    }
    return Optional.of(
        "must be at least 1, not "
            + weight
            + ": to take a node out of reads, set state = drain or"
            + " disabled");
  }

  /**
   * Reads a node's {@code http} as written: an http or https URL with a host, no user, query or
   * fragment; the scheme lower-cased and trailing slashes dropped.
   *
   * @throws IllegalArgumentException with a sentence saying what to write instead
   */
  public static URI parseHttp(String text) {
    URI uri;
    try {
      uri = new URI(text.strip());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is not a URL ("
              + e.getReason()
              + "): write it like http://10.0.0.1:8080");
    }
    String scheme = uri.getScheme();
    if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
      throw new IllegalArgumentException(
          "'" + text + "' must start with http:// or https://, like http://10.0.0.1:8080");
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException(
          "'" + text + "' has no host: write it like http://10.0.0.1:8080");
    }
    if (uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException(
          "the URL must not carry a user or password (they would show in logs): the proxy logs"
              + " in with [accounts] user and password");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException(
          "'" + text + "' must not have a query or fragment: write the base URL of that Gerrit");
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    try {
      return new URI(scheme.toLowerCase(Locale.ROOT) + "://" + uri.getRawAuthority() + path);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("'" + text + "' is not a URL: " + e.getReason());
    }
  }

  /**
   * Reads a node's {@code ssh} as written: {@code host:port} with a real host and port.
   *
   * @throws IllegalArgumentException with a sentence saying what to write instead
   */
  public static Endpoint parseSsh(String text) {
    Endpoint e = Endpoint.parse(text);
    if (e.isWildcard()) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "': * is for listen addresses; write the node's host, like"
              + " 10.0.0.1:29418");
    }
    if (e.port() == 0) {
      throw new IllegalArgumentException("'" + text + "': port 0 is not a port a node listens on");
    }
    return e;
  }
}
