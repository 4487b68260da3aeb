package org.gerritproxy.core.peer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.SshCommandClassifier;

/**
 * The OpenSSH command line with which the proxy itself runs a command on a node: logged in with
 * the peer key as Gerrit's peer user, then {@code suexec} as a Gerrit account (docs/ssh.md). The
 * {@code onFailover} command and the master's event stream both run through it, so both check the
 * nodes' host keys the way the SSH frontend does.
 *
 * @param peerKey the proxy's peer key ({@code [sshd] peerKey})
 * @param nodeKnownHosts the nodes' pinned host keys ({@code [sshd] nodeKnownHosts}); without it
 *     any key is taken, as the SSH frontend takes it
 */
public record PeerSsh(Path peerKey, Optional<Path> nodeKnownHosts) {

  public PeerSsh {
    Objects.requireNonNull(peerKey, "peerKey");
    Objects.requireNonNull(nodeKnownHosts, "nodeKnownHosts");
  }

  /**
   * @param asUser the Gerrit account the command runs as
   * @param command the Gerrit command line, e.g. {@code gerrit stream-events}
   * @param options further {@code ssh -o} options, e.g. keep-alives for a long-lived stream
   */
  public List<String> commandLine(Node node, String asUser, String command, String... options) {
    List<String> args = new ArrayList<>(List.of("ssh",
        "-i", peerKey.toString(),
        "-p", Integer.toString(node.ssh().port()),
        "-l", SshCommandClassifier.PEER_USER,
        "-o", "BatchMode=yes",
        "-o", "IdentitiesOnly=yes",
        "-o", "StrictHostKeyChecking=" + (nodeKnownHosts.isPresent() ? "yes" : "no"),
        "-o", "UserKnownHostsFile=" + nodeKnownHosts.map(Path::toString).orElse("/dev/null"),
        "-o", "LogLevel=ERROR",
        "-o", "ConnectTimeout=10"));
    for (String option : options) {
      args.add("-o");
      args.add(option);
    }
    args.add(node.ssh().host());
    args.add("suexec --as " + asUser + " -- " + command);
    return args;
  }
}
