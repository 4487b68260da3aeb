package org.gerritproxy.fence;

import com.google.common.flogger.FluentLogger;
import com.google.gerrit.httpd.AllRequestFilter;
import com.google.inject.Inject;
import com.google.inject.Singleton;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import javax.servlet.FilterChain;
import javax.servlet.ServletException;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/**
 * Answers every HTTP write on a fenced node itself, with 503 and the sentence, before Gerrit
 * runs it: REST writes, logins (which write accounts). Pushes pass on to receive-pack, whose
 * validators refuse them in git's own protocol, where git shows the sentence. Reads are never
 * looked at beyond their method and path.
 */
@Singleton
class FenceFilter extends AllRequestFilter {
  private static final FluentLogger logger = FluentLogger.forEnclosingClass();

  private final Fence fence;

  @Inject
  FenceFilter(Fence fence) {
    this.fence = fence;
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    if (request instanceof HttpServletRequest req && response instanceof HttpServletResponse res) {
      String path = req.getRequestURI();
      String context = req.getContextPath();
      if (context != null && !context.isEmpty() && path.startsWith(context)) {
        path = path.substring(context.length());
      }
      if (Writes.http(req.getMethod(), path) == Writes.Http.REFUSE) {
        FenceState state = fence.state();
        if (state.fenced()) {
          logger.atWarning().log("fence: refused %s %s: %s", req.getMethod(), path, state.reason());
          res.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
          res.setContentType("text/plain; charset=UTF-8");
          byte[] body = (state.reason() + "\n").getBytes(StandardCharsets.UTF_8);
          res.setContentLength(body.length);
          res.getOutputStream().write(body);
          return;
        }
      }
    }
    chain.doFilter(request, response);
  }
}
