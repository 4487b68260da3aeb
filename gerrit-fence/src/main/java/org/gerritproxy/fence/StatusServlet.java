package org.gerritproxy.fence;

import com.google.gerrit.server.git.GitRepositoryManager;
import com.google.inject.Inject;
import com.google.inject.Singleton;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/**
 * {@code GET /plugins/fence/status}, open to anyone like {@code /config/server/version}: what
 * this node enforces, as {@code {"node","fenced","epoch","master","reason","repositories"}}. The proxy's probe
 * reads it to show each node as fenced or not, with its epoch.
 */
@Singleton
class StatusServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  private final transient Fence fence;
  private final transient boolean repositories;

  @Inject
  StatusServlet(Fence fence, GitRepositoryManager repositories) {
    this.fence = fence;
    this.repositories = repositories instanceof FencedRepositoryManager;
  }

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
    byte[] body = (fence.state().toJson(repositories) + "\n").getBytes(StandardCharsets.UTF_8);
    res.setStatus(HttpServletResponse.SC_OK);
    res.setContentType("application/json; charset=UTF-8");
    res.setHeader("Cache-Control", "no-cache, no-store");
    res.setContentLength(body.length);
    res.getOutputStream().write(body);
  }
}
