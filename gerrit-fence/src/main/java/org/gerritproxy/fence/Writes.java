package org.gerritproxy.fence;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Which requests write, judged without Gerrit's classes so that the rules are tested alone. Both
 * lists fail closed: what is not known to be a read is a write. The proxy's own classifiers
 * (routing's HttpRequestClassifier and SshCommandClassifier) send the same requests to the
 * master, so a node that refuses them refuses nothing the proxy would send to a non-master.
 */
final class Writes {
  private Writes() {}

  private static final Set<String> READ_METHODS = Set.of("GET", "HEAD", "OPTIONS");

  /**
   * What an HTTP request does, by method and path (without the context path).
   *
   * @return {@code REFUSE} for a write the filter answers itself, {@code VALIDATE} for a push
   *     (git-receive-pack), which the ref and commit validators refuse inside git's protocol so
   *     the client shows the sentence, {@code PASS} for a read
   */
  enum Http { PASS, VALIDATE, REFUSE }

  static Http http(String method, String path) {
    String p = path == null || path.isEmpty() ? "/" : path;
    if (p.endsWith("/git-upload-pack") || p.endsWith("/info/refs")) {
      return Http.PASS; // fetches and the advertisements of both services: reads
    }
    if (p.endsWith("/git-receive-pack")) {
      return Http.VALIDATE;
    }
    if (p.equals("/plugins/fence/status") || p.equals("/a/plugins/fence/status")) {
      return Http.PASS;
    }
    // Gerrit's login flows create accounts and external ids in All-Users on any method.
    if (p.equals("/login") || p.startsWith("/login/") || p.equals("/a/login")
        || p.startsWith("/a/login/")) {
      return Http.REFUSE;
    }
    if (READ_METHODS.contains(method)) {
      return Http.PASS;
    }
    // Flushing this node's own caches writes nothing shared (the test cluster and operators
    // flush every node after a write through another).
    if (p.matches("(/a)?/config/server/caches(/[^/]+/flush)?/?")) {
      return Http.PASS;
    }
    return Http.REFUSE;
  }

  /** SSH commands that only read, or touch only this node's own memory. */
  private static final Set<String> READ_GERRIT = Set.of(
      "version", "ls-projects", "query", "ls-groups", "ls-members", "show-caches",
      "show-connections", "show-queue", "ls-user-refs", "apropos", "stream-events",
      "flush-caches", "close-connection", "kill", "ps", "check-project-access");

  /**
   * What an SSH command line does.
   *
   * @return {@code PASS}, {@code VALIDATE} (git-receive-pack) or {@code REFUSE}
   */
  static Http ssh(String commandLine) {
    List<String> argv = split(commandLine);
    // The proxy runs every command as the user through the peer login:
    // "suexec --as USER [--from HOST:PORT] -- COMMAND". Gerrit hands the interceptor that whole
    // line once and dispatches the inner command without asking again, so judge the inner one.
    if (!argv.isEmpty() && argv.get(0).equals("suexec")) {
      int dashes = argv.indexOf("--");
      if (dashes < 0 || dashes == argv.size() - 1) {
        return Http.PASS; // suexec refuses a line without a command itself
      }
      argv = argv.subList(dashes + 1, argv.size());
    }
    if (argv.isEmpty()) {
      return Http.PASS;
    }
    String cmd = argv.get(0);
    String sub = argv.size() > 1 ? argv.get(1) : "";
    if (cmd.equals("git")) {
      cmd = "git-" + sub;
    }
    switch (cmd) {
      case "git-upload-pack", "git-upload-archive":
        return Http.PASS;
      case "git-receive-pack":
        return Http.VALIDATE;
      case "fence", "ps", "kill":
        return Http.PASS;
      case "gerrit":
        break;
      default:
        return Http.REFUSE;
    }
    if (sub.isEmpty() || sub.startsWith("-") || READ_GERRIT.contains(sub)) {
      return Http.PASS;
    }
    String third = argv.size() > 2 ? argv.get(2) : "";
    return switch (sub) {
      case "plugin" -> third.equals("ls") ? Http.PASS : Http.REFUSE;
      case "logging" -> Http.PASS; // log levels of this JVM only
      case "sequence" -> third.equals("show") ? Http.PASS : Http.REFUSE;
      default -> Http.REFUSE;
    };
  }

  /** Splits as Gerrit's SSH daemon does: blanks separate, quotes group, backslash escapes. */
  static List<String> split(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean single = false;
    boolean dbl = false;
    boolean any = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\'' && !dbl) {
        single = !single;
        any = true;
      } else if (c == '"' && !single) {
        dbl = !dbl;
        any = true;
      } else if (c == '\\' && !single && i + 1 < line.length()) {
        word.append(line.charAt(++i));
        any = true;
      } else if ((c == ' ' || c == '\t') && !single && !dbl) {
        if (any) {
          out.add(word.toString());
          word.setLength(0);
          any = false;
        }
      } else {
        word.append(c);
        any = true;
      }
    }
    if (any) {
      out.add(word.toString());
    }
    return out;
  }
}
