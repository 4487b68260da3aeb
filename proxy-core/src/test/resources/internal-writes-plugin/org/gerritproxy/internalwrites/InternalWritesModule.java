package org.gerritproxy.internalwrites;

import com.google.gerrit.entities.Account;
import com.google.gerrit.entities.Project;
import com.google.gerrit.server.Sequences;
import com.google.gerrit.server.ServerInitiated;
import com.google.gerrit.server.account.AccountsUpdate;
import com.google.gerrit.server.git.GitRepositoryManager;
import com.google.inject.Inject;
import com.google.inject.Provider;
import com.google.inject.Singleton;
import com.google.inject.servlet.ServletModule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;

/**
 * A test-only Gerrit plugin (FenceBelowTheDoorsTest compiles it against the node's Gerrit): on a
 * GET, which every door lets through, it makes ref updates the way Gerrit's own background work
 * does, from inside the server, with no user request behind them.
 *
 * <ul>
 *   <li>{@code GET /plugins/internalwrites/account?name=N}: a server-initiated account update of
 *       admin (1000000), NoteDb in All-Users, as Gerrit's account jobs write it (a batch).
 *   <li>{@code GET /plugins/internalwrites/branch?project=P&branch=B}: a single ref update that
 *       creates refs/heads/B at refs/heads/master's commit.
 *   <li>{@code GET /plugins/internalwrites/change-id}: the next change number, as a new change
 *       takes it; a node's first one reserves a batch in refs/sequences/changes of All-Projects.
 * </ul>
 *
 * Answers 200 "written", or 500 with the exception's message.
 */
public class InternalWritesModule extends ServletModule {
  @Override
  protected void configureServlets() {
    serve("/*").with(Writes.class);
  }

  @Singleton
  static class Writes extends HttpServlet {
    private final Provider<AccountsUpdate> accountsUpdate;
    private final GitRepositoryManager repositories;
    private final Sequences sequences;

    @Inject
    Writes(@ServerInitiated Provider<AccountsUpdate> accountsUpdate,
        GitRepositoryManager repositories, Sequences sequences) {
      this.accountsUpdate = accountsUpdate;
      this.repositories = repositories;
      this.sequences = sequences;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
      String answer;
      int status = 200;
      try {
        if (req.getPathInfo().endsWith("/account")) {
          String name = req.getParameter("name");
          accountsUpdate.get().update("internal write test", Account.id(1000000),
              u -> u.setFullName(name));
        } else if (req.getPathInfo().endsWith("/branch")) {
          try (Repository repo = repositories.openRepository(
              Project.nameKey(req.getParameter("project")))) {
            ObjectId tip = repo.exactRef("refs/heads/master").getObjectId();
            RefUpdate update = repo.updateRef("refs/heads/" + req.getParameter("branch"));
            update.setNewObjectId(tip);
            update.setExpectedOldObjectId(ObjectId.zeroId());
            RefUpdate.Result result = update.update();
            if (result != RefUpdate.Result.NEW) {
              throw new IOException("ref update " + result);
            }
          }
        }
        answer = "written";
        if (req.getPathInfo().endsWith("/change-id")) {
          answer = Integer.toString(sequences.nextChangeId());
        }
      } catch (Exception e) {
        status = 500;
        StringBuilder message = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
          message.append(t).append('\n');
        }
        answer = message.toString();
      }
      res.setStatus(status);
      res.setContentType("text/plain");
      res.getOutputStream().write(answer.getBytes(StandardCharsets.UTF_8));
    }
  }
}
