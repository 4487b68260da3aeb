package org.gerritproxy.core.e2e;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/** What the soak's clients did: pushes acknowledged, operations that succeeded, failures. */
final class SoakLedger {
  /** A push that {@code git} reported as done: {@code commit} must be on {@code branch}. */
  record Acknowledged(String pusher, String branch, String commit) {}

  private final List<Acknowledged> acknowledged = new ArrayList<>();
  private final Map<String, Integer> succeeded = new TreeMap<>();
  final ClientFailures failures = new ClientFailures();

  synchronized void acknowledged(String pusher, String branch, String commit) {
    acknowledged.add(new Acknowledged(pusher, branch, commit));
    succeeded.merge("push", 1, Integer::sum);
  }

  synchronized void succeeded(String operation) {
    succeeded.merge(operation, 1, Integer::sum);
  }

  synchronized List<Acknowledged> acknowledged() {
    return List.copyOf(acknowledged);
  }

  synchronized Map<String, Integer> succeeded() {
    return Map.copyOf(succeeded);
  }

  /**
   * The acknowledged pushes whose commit is not reachable from its branch in {@code project}
   * under the shared git directory {@code gitDir}: lost pushes.
   */
  List<String> missingFrom(Path gitDir, String project) throws IOException {
    List<String> lost = new ArrayList<>();
    try (Repository repo = new FileRepositoryBuilder()
            .setGitDir(gitDir.resolve(project + ".git").toFile()).setMustExist(true).build();
        RevWalk walk = new RevWalk(repo)) {
      for (Acknowledged a : acknowledged()) {
        Ref ref = repo.exactRef(a.branch());
        boolean there = false;
        if (ref != null && repo.getObjectDatabase().has(ObjectId.fromString(a.commit()))) {
          RevCommit tip = walk.parseCommit(ref.getObjectId());
          there = walk.isMergedInto(walk.parseCommit(ObjectId.fromString(a.commit())), tip);
        }
        if (!there) {
          lost.add(a.pusher() + " " + a.commit() + " on " + a.branch());
        }
      }
    }
    return lost;
  }
}
