package org.gerritproxy.core.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.gerritproxy.core.peer.PeerSsh;
import org.gerritproxy.routing.AdminState;
import org.gerritproxy.routing.Endpoint;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.replication.RefTarget;
import org.junit.jupiter.api.Test;

/** The master's event lines as Gerrit 3.10 writes them, turned into updates learned. */
class MasterEventsTest {
  private static final String A = "a".repeat(40);
  private static final String Z = RefTarget.ZERO_ID;

  private final List<String> learned = new ArrayList<>();
  private final MasterEvents events = new MasterEvents(null, null, null,
      (project, update) -> learned.add(project + " " + update.ref() + " " + update.newId()));

  @Test
  void aRefUpdatedEventIsAnUpdateOfItsProject() {
    events.event("{\"submitter\":{\"name\":\"A\"},\"refUpdate\":{\"oldRev\":\"" + Z
        + "\",\"newRev\":\"" + A + "\",\"refName\":\"refs/changes/01/1/meta\",\"project\":"
        + "\"team/app\"},\"type\":\"ref-updated\",\"eventCreatedOn\":1700000000}");
    assertThat(learned).containsExactly("team/app refs/changes/01/1/meta " + A);
  }

  @Test
  void aShortBranchNameOfAnOlderGerritIsABranch() {
    events.event("{\"type\":\"ref-updated\",\"refUpdate\":{\"newRev\":\"" + A
        + "\",\"refName\":\"master\",\"project\":\"p\"}}");
    assertThat(learned).containsExactly("p refs/heads/master " + A);
  }

  @Test
  void otherEventsAndGarbageTeachNothing() {
    events.event("{\"type\":\"patchset-created\",\"refUpdate\":{\"newRev\":\"" + A
        + "\",\"refName\":\"refs/heads/x\",\"project\":\"p\"}}");
    events.event("{\"type\":\"ref-updated\",\"refUpdate\":{\"newRev\":\"nope\","
        + "\"refName\":\"refs/heads/x\",\"project\":\"p\"}}");
    events.event("{\"type\":\"ref-updated\"}");
    events.event("not json at all");
    events.event("");
    assertThat(learned).isEmpty();
  }

  @Test
  void streamsAsThePeerUserThroughSuexec() {
    Node master = new Node("gerrit-1", URI.create("http://g1:8080"), new Endpoint("g1", 29419),
        100, 1, AdminState.ACTIVE);
    List<String> argv = MasterEvents.commandLine(master,
        new PeerSsh(Path.of("/etc/peer_key"), Optional.empty()), "proxy-admin");
    assertThat(argv).startsWith("ssh", "-i", "/etc/peer_key", "-p", "29419", "-l",
        "Gerrit Code Review");
    assertThat(argv).endsWith("g1",
        "suexec --as proxy-admin -- gerrit stream-events -s ref-updated");
  }
}
