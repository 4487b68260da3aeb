package org.gerritproxy.routing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Classifies an HTTP request by its method and request-target, following the rules table in
 * docs/routing.md. Never throws for a non-null input: whatever a client sends yields a classification.
 *
 * <p>Labels, for logs and metrics: {@code git-upload-pack}, {@code git-receive-pack}, {@code
 * submit}, {@code login} (Gerrit's login flows, writes whatever their method), {@code rest} (REST
 * API under {@code /a/}, {@code /changes/}, {@code /projects/}, ..., and every other write), {@code
 * web} (other reads: the web UI, its assets, documentation), and for refusals {@code method} (a
 * method the proxy does not forward) and {@code target} (a request-target that is not a path).
 *
 * <p>The path is judged as a servlet container would see it: each segment percent-decoded on its
 * own (so {@code %2F} stays inside a project name), empty segments dropped and dot segments
 * resolved. A request can therefore not hide a write behind {@code ..} or encoding; and when in
 * doubt a request is a write, since a write sent to the master is merely slower while a write sent
 * elsewhere races.
 */
public final class HttpRequestClassifier {

  private static final Set<String> READ_METHODS = Set.of("GET", "HEAD", "OPTIONS");
  private static final Set<String> WRITE_METHODS = Set.of("POST", "PUT", "DELETE", "PATCH");

  /** First path segments of Gerrit's REST API (after an optional {@code /a}). */
  private static final Set<String> REST_ROOTS =
      Set.of("accounts", "access", "changes", "config", "groups", "projects", "plugins");

  /**
   * Single-segment paths at which Gerrit 3.10 completes a login: {@code /oauth}, the OAuth
   * provider's redirect back ({@code OAuthModule}, or {@code OpenIdModule} for OAuth over OpenID),
   * and {@code /OpenID}, the OpenID provider's ({@code OpenIdServiceImpl.RETURN_URL}). Gerrit maps
   * them case-sensitively and exactly, so this set does too. {@code /login} is judged apart, since
   * Gerrit maps everything below it as well.
   */
  private static final Set<String> LOGIN_CALLBACKS = Set.of("oauth", "OpenID");

  private static final String LOGIN = "login";
  private static final String UPLOAD_PACK = GitHttpRequest.UPLOAD_PACK;
  private static final String RECEIVE_PACK = GitHttpRequest.RECEIVE_PACK;

  // The verdicts that name no project, made once: most REST and web requests allocate none.
  private static final HttpClassification READ_REST =
      notGit(Classification.read("rest", Optional.empty()));
  private static final HttpClassification READ_WEB =
      notGit(Classification.read("web", Optional.empty()));
  private static final HttpClassification WRITE_REST =
      notGit(Classification.write("rest", Optional.empty()));
  private static final HttpClassification WRITE_LOGIN =
      notGit(Classification.write(LOGIN, Optional.empty()));

  private HttpRequestClassifier() {}

  /**
   * The classification alone; see {@link #classifyRequest}.
   *
   * @param method the request method, in any case
   * @param rawUri the request-target as received: origin form ({@code /a/p/x.git/info/refs?...}),
   *     absolute form ({@code http://host/path}) or {@code *}; still percent-encoded
   */
  public static Classification classify(String method, String rawUri) {
    Objects.requireNonNull(rawUri, "rawUri");
    return classifyRequest(method, RequestTarget.parse(rawUri)).classification();
  }

  /**
   * Classifies a request whose target was read once by {@link RequestTarget#parse}; the git
   * smart HTTP request it is, if any, is judged from the same decoded path and query.
   *
   * @param method the request method, in any case
   */
  public static HttpClassification classifyRequest(String method, RequestTarget target) {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(target, "target");
    String m = method.strip().toUpperCase(Locale.ROOT);
    boolean readMethod = READ_METHODS.contains(m);
    boolean writeMethod = WRITE_METHODS.contains(m);
    if (!readMethod && !writeMethod) {
      return notGit(Classification.refused(
          "method",
          "The proxy does not forward HTTP method "
              + quote(method)
              + ": it passes only GET, HEAD, OPTIONS, POST, PUT, DELETE and PATCH to Gerrit."));
    }

    switch (target.form()) {
      case ASTERISK:
        return m.equals("OPTIONS") ? READ_WEB : notGit(refusedTarget(target.path()));
      case NOT_A_PATH:
        return notGit(refusedTarget(target.path()));
      case PATH:
      default:
        break;
    }
    List<String> segs = segments(target.path());
    int n = segs.size();
    boolean post = m.equals("POST");
    boolean advertisement = m.equals("GET") || m.equals("HEAD");

    if (n >= 2 && segs.get(n - 2).equals("info") && segs.get(n - 1).equals("refs")) {
      Optional<String> project = project(segs.subList(0, n - 2));
      List<String> services = queryValues(target.query(), "service");
      if (services.contains(RECEIVE_PACK)) {
        return new HttpClassification(Classification.write(RECEIVE_PACK, project),
            advertisement ? GitHttpRequest.advertisement(RECEIVE_PACK) : Optional.empty());
      }
      if (readMethod) {
        // service=git-upload-pack, or none at all (dumb HTTP, fetch only): a read.
        return new HttpClassification(Classification.read(UPLOAD_PACK, project),
            advertisement && services.contains(UPLOAD_PACK)
                ? GitHttpRequest.advertisement(UPLOAD_PACK)
                : Optional.empty());
      }
      return WRITE_REST;
    }
    if (n >= 1 && segs.get(n - 1).equals(RECEIVE_PACK)) {
      return new HttpClassification(
          Classification.write(RECEIVE_PACK, project(segs.subList(0, n - 1))),
          post ? GitHttpRequest.rpc(RECEIVE_PACK) : Optional.empty());
    }
    if (n >= 1 && segs.get(n - 1).equals(UPLOAD_PACK) && (readMethod || post)) {
      return new HttpClassification(
          Classification.read(UPLOAD_PACK, project(segs.subList(0, n - 1))),
          post ? GitHttpRequest.rpc(UPLOAD_PACK) : Optional.empty());
    }
    if (isLogin(segs)) {
      // After the git endpoints, as Gerrit 3.10 judges them: it serves /login/info/refs to git
      // (a project named "login"), not to its login servlet (LoginThroughProxyTest).
      return WRITE_LOGIN;
    }
    if (post && isSubmit(segs)) {
      String changeId = segs.get(n - 1).equals("submit") && segs.get(n - 3).equals("changes")
          ? segs.get(n - 2)
          : segs.get(n - 4);
      return notGit(Classification.submit("submit", projectOfChangeId(changeId)));
    }
    if (writeMethod) {
      return WRITE_REST;
    }
    boolean rest = n >= 1 && (segs.get(0).equals("a") || REST_ROOTS.contains(segs.get(0)));
    return rest ? READ_REST : READ_WEB;
  }

  private static HttpClassification notGit(Classification c) {
    return new HttpClassification(c, Optional.empty());
  }

  /**
   * A request to Gerrit's login flows. Most of them log the user in on a GET (the development
   * login, HTTP and client-certificate logins, a provider's redirect back), a HEAD runs the same
   * code and the OAuth filter takes any method; and a brand-new user's first login creates the
   * account in All-Users, which on a node other than the master would race. So any method is a
   * write here. The paths: {@code /login} and everything below it (bound by {@code
   * BecomeAnyAccountModule}, {@code HttpAuthModule}, {@code LdapAuthModule}, {@code
   * HttpsClientSslCertModule}, {@code OAuthModule} and {@code OpenIdModule}), and the provider
   * callbacks in {@link #LOGIN_CALLBACKS}; none of them exists under {@code /a/}, and a git
   * endpoint below {@code /login/} is git's, judged before this. A segment's
   * {@code ;parameters} are ignored, since the server may ignore them when it maps the path: when
   * in doubt, a write.
   */
  private static boolean isLogin(List<String> segs) {
    if (segs.isEmpty()) {
      return false;
    }
    String first = withoutParameters(segs.get(0));
    return first.equals(LOGIN) || (segs.size() == 1 && LOGIN_CALLBACKS.contains(first));
  }

  private static String withoutParameters(String segment) {
    int semicolon = segment.indexOf(';');
    return semicolon < 0 ? segment : segment.substring(0, semicolon);
  }

  /** {@code .../changes/{id}/submit} or {@code .../changes/{id}/revisions/{rev}/submit}. */
  private static boolean isSubmit(List<String> segs) {
    int n = segs.size();
    if (n < 3 || !segs.get(n - 1).equals("submit")) {
      return false;
    }
    if (segs.get(n - 3).equals("changes")) {
      return true;
    }
    return n >= 5 && segs.get(n - 3).equals("revisions") && segs.get(n - 5).equals("changes");
  }

  /** {@code project~branch~Id} or {@code project~number} name their project; a bare number not. */
  private static Optional<String> projectOfChangeId(String id) {
    int tilde = id.indexOf('~');
    if (tilde <= 0) {
      return Optional.empty();
    }
    return nonEmpty(ProjectName.trimSlashes(id.substring(0, tilde)));
  }

  /**
   * The project before a git endpoint, as Gerrit's {@code ^(?:/a)?(?:/p/|/)(.*)/...} reads it:
   * {@code /a/} and {@code /p/} are prefixes unless stripping them would leave no project.
   */
  private static Optional<String> project(List<String> body) {
    List<Integer> skips = new ArrayList<>(3);
    boolean a = !body.isEmpty() && body.get(0).equals("a");
    if (a && body.size() > 1 && body.get(1).equals("p")) {
      skips.add(2);
    }
    if (a || (!body.isEmpty() && body.get(0).equals("p"))) {
      skips.add(1);
    }
    skips.add(0);
    for (int skip : skips) {
      if (body.size() > skip) {
        return ProjectName.of(String.join("/", body.subList(skip, body.size())));
      }
    }
    return Optional.empty();
  }

  private static Optional<String> nonEmpty(String s) {
    return s.isEmpty() ? Optional.empty() : Optional.of(s);
  }


  private static Classification refusedTarget(String target) {
    return Classification.refused(
        "target",
        "The request target "
            + quote(target)
            + " is not a path: send a path such as /changes/ or an absolute http:// URL.");
  }

  /** Decoded, non-empty path segments with {@code .} and {@code ..} resolved. */
  static List<String> segments(String rawPath) {
    List<String> out = new ArrayList<>();
    for (String raw : rawPath.split("/", -1)) {
      String seg = percentDecode(raw, false);
      if (seg.isEmpty() || seg.equals(".")) {
        continue;
      }
      if (seg.equals("..")) {
        if (!out.isEmpty()) {
          out.remove(out.size() - 1);
        }
        continue;
      }
      out.add(seg);
    }
    return out;
  }

  /** Every decoded value of a query parameter, in order. */
  static List<String> queryValues(String rawQuery, String name) {
    List<String> values = new ArrayList<>();
    if (rawQuery.isEmpty()) {
      return values;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String k = percentDecode(eq < 0 ? pair : pair.substring(0, eq), true);
      if (k.equals(name)) {
        values.add(eq < 0 ? "" : percentDecode(pair.substring(eq + 1), true));
      }
    }
    return values;
  }

  /**
   * Decodes {@code %XX} escapes as UTF-8. A malformed escape stays as written and malformed UTF-8
   * becomes U+FFFD: the classifier must judge every input, not reject it.
   */
  static String percentDecode(String s, boolean plusIsSpace) {
    if (s.indexOf('%') < 0 && !(plusIsSpace && s.indexOf('+') >= 0)) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length());
    byte[] buf = new byte[s.length()];
    int nbuf = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length() && hex(s.charAt(i + 1)) >= 0 && hex(s.charAt(i + 2)) >= 0) {
        buf[nbuf++] = (byte) ((hex(s.charAt(i + 1)) << 4) | hex(s.charAt(i + 2)));
        i += 2;
        continue;
      }
      if (nbuf > 0) {
        out.append(new String(buf, 0, nbuf, StandardCharsets.UTF_8));
        nbuf = 0;
      }
      out.append(plusIsSpace && c == '+' ? ' ' : c);
    }
    if (nbuf > 0) {
      out.append(new String(buf, 0, nbuf, StandardCharsets.UTF_8));
    }
    return out.toString();
  }

  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  /** Quotes client-supplied text for a message: bounded, printable ASCII only. */
  static String quote(String s) {
    StringBuilder sb = new StringBuilder("'");
    int limit = Math.min(s.length(), 80);
    for (int i = 0; i < limit; i++) {
      char c = s.charAt(i);
      sb.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    if (s.length() > limit) {
      sb.append("...");
    }
    return sb.append('\'').toString();
  }
}
