package org.gerritproxy.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Classifies an SSH exec request's command line, and vets SSH login names, following the rules
 * table in docs/routing.md. Commands it does not know are writes: sent to the master, they are merely
 * slower; sent elsewhere, they could race.
 *
 * <p>Labels (a fixed set, safe as metric labels): {@code git-upload-pack}, {@code
 * git-receive-pack}, {@code git-upload-archive}, {@code gerrit <command>} for the known {@code
 * gerrit} commands, {@code gerrit review --submit}, {@code gerrit} for other {@code gerrit}
 * commands, {@code command} for any other command, and for refusals {@code shell} and {@code
 * suexec}.
 */
public final class SshCommandClassifier {

  /** Gerrit's name for the account that peers (here: the proxy) use to run {@code suexec}. */
  public static final String PEER_USER = "Gerrit Code Review";

  /** Gerrit's own rule, from {@code ExternalId.USER_NAME_PATTERN_REGEX} (its U+2019 included). */
  private static final Pattern USER_NAME =
      Pattern.compile(
          "^([a-zA-Z0-9][a-zA-Z0-9.!#$%&\u2019*+=?^_`{|}~@-]*[a-zA-Z0-9]|[a-zA-Z0-9])$");

  private static final Set<String> GIT_COMMANDS =
      Set.of("git-upload-pack", "git-receive-pack", "git-upload-archive");

  /** {@code gerrit} commands that change nothing: any healthy node may answer them. */
  private static final Set<String> READ_ONLY_GERRIT_COMMANDS =
      Set.of(
          "version",
          "ls-projects",
          "query",
          "ls-groups",
          "ls-members",
          "show-caches",
          "show-connections",
          "show-queue",
          "ls-user-refs",
          "apropos");

  /** Read-only two-word {@code gerrit} commands: command, then its read-only subcommands. */
  private static final Map<String, Set<String>> READ_ONLY_GERRIT_SUBCOMMANDS =
      Map.of(
          "plugin", Set.of("ls"),
          "logging", Set.of("ls-level", "ls"),
          "sequence", Set.of("show"));

  private SshCommandClassifier() {}

  /** @param commandLine the command of an SSH exec request, as the client sent it */
  public static Classification classify(String commandLine) {
    Objects.requireNonNull(commandLine, "commandLine");
    List<String> argv = split(commandLine);
    if (argv.isEmpty()) {
      return Classification.refused(
          "shell",
          "This server offers no interactive shell: run a command, for example"
              + " 'ssh -p 29418 USER@HOST gerrit version'.");
    }
    String cmd = argv.get(0);
    String sub = argv.size() > 1 ? argv.get(1) : "";

    if (cmd.equals("suexec") || (cmd.equals("gerrit") && sub.equals("suexec"))) {
      return Classification.refused(
          "suexec",
          "suexec is reserved for the proxy itself, which runs every command on a Gerrit node as"
              + " the user who logged in; run the command without suexec.");
    }

    String git = null;
    List<String> gitArgs = List.of();
    if (GIT_COMMANDS.contains(cmd)) {
      git = cmd;
      gitArgs = argv.subList(1, argv.size());
    } else if (cmd.equals("git") && GIT_COMMANDS.contains("git-" + sub)) {
      git = "git-" + sub;
      gitArgs = argv.subList(2, argv.size());
    }
    if (git != null) {
      Optional<String> project = gitProject(gitArgs);
      return git.equals("git-receive-pack")
          ? Classification.write(git, project)
          : Classification.read(git, project);
    }

    if (!cmd.equals("gerrit")) {
      return Classification.write("command", Optional.empty());
    }
    if (sub.isEmpty() || sub.startsWith("-")) {
      // Bare "gerrit" or "gerrit --help": prints the list of commands.
      return Classification.read("gerrit", Optional.empty());
    }
    if (sub.equals("stream-events")) {
      return Classification.masterRead("gerrit stream-events", Optional.empty());
    }
    if (sub.equals("review") || sub.equals("approve")) {
      for (String arg : argv.subList(2, argv.size())) {
        // Over-eager on purpose ("-s" may be another option's value): a false SUBMIT only pins
        // the command to the master, a missed one could merge on the wrong node.
        if (arg.equals("-s") || arg.equals("--submit") || arg.startsWith("--submit=")) {
          return Classification.submit("gerrit review --submit", Optional.empty());
        }
      }
      return Classification.write("gerrit review", Optional.empty());
    }
    if (READ_ONLY_GERRIT_COMMANDS.contains(sub)) {
      return Classification.read("gerrit " + sub, Optional.empty());
    }
    Set<String> readSubs = READ_ONLY_GERRIT_SUBCOMMANDS.get(sub);
    if (readSubs != null && argv.size() > 2 && readSubs.contains(argv.get(2))) {
      return Classification.read("gerrit " + sub + " " + argv.get(2), Optional.empty());
    }
    return Classification.write("gerrit", Optional.empty());
  }

  /**
   * A refusal sentence for a login the proxy must not let through: the peer user, whom only the
   * proxy itself may be, and names Gerrit would never have issued. Empty when the login may
   * proceed to authentication.
   */
  public static Optional<String> refuseLogin(String user) {
    if (user == null || user.isEmpty()) {
      return Optional.of("An SSH login needs a user name: connect as USER@HOST.");
    }
    if (user.equalsIgnoreCase(PEER_USER)) {
      return Optional.of(
          "The account '"
              + PEER_USER
              + "' is reserved for the proxy's own connections to Gerrit;"
              + " log in with your own user name.");
    }
    if (!USER_NAME.matcher(user).matches()) {
      return Optional.of(
          HttpRequestClassifier.quote(user)
              + " is not a valid Gerrit user name: log in with the user name shown in"
              + " Gerrit's Settings page.");
    }
    return Optional.empty();
  }

  /** The repository named by a git command: its first non-option argument, Gerrit-style. */
  private static Optional<String> gitProject(List<String> args) {
    for (String a : args) {
      if (a.startsWith("-")) {
        continue;
      }
      return ProjectName.of(a);
    }
    return Optional.empty();
  }


  /**
   * Splits a command line as a POSIX shell would (without expansions): single quotes are literal,
   * double quotes honour {@code \"}, {@code \\}, {@code \$} and {@code \`}, a backslash outside
   * quotes escapes the next character. An unterminated quote runs to the end of the line.
   */
  static List<String> split(String line) {
    List<String> argv = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean inToken = false;
    int n = line.length();
    for (int i = 0; i < n; i++) {
      char c = line.charAt(i);
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        if (inToken) {
          argv.add(cur.toString());
          cur.setLength(0);
          inToken = false;
        }
      } else if (c == '\'') {
        inToken = true;
        int close = line.indexOf('\'', i + 1);
        int end = close < 0 ? n : close;
        cur.append(line, i + 1, end);
        i = end;
      } else if (c == '"') {
        inToken = true;
        i++;
        while (i < n && line.charAt(i) != '"') {
          char d = line.charAt(i);
          if (d == '\\' && i + 1 < n && "\"\\$`\n".indexOf(line.charAt(i + 1)) >= 0) {
            if (line.charAt(i + 1) != '\n') {
              cur.append(line.charAt(i + 1));
            }
            i += 2;
          } else {
            cur.append(d);
            i++;
          }
        }
      } else if (c == '\\') {
        if (i + 1 < n) {
          if (line.charAt(i + 1) != '\n') {
            cur.append(line.charAt(i + 1));
            inToken = true;
          }
          i++;
        } else {
          cur.append(c);
          inToken = true;
        }
      } else {
        cur.append(c);
        inToken = true;
      }
    }
    if (inToken) {
      argv.add(cur.toString());
    }
    return argv;
  }
}
