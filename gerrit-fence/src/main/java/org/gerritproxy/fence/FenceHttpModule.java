package org.gerritproxy.fence;

import com.google.gerrit.extensions.registration.DynamicSet;
import com.google.gerrit.httpd.AllRequestFilter;
import com.google.inject.Scopes;
import com.google.inject.servlet.ServletModule;

/** The filter in front of every HTTP request, and {@code GET /plugins/fence/status}. */
public class FenceHttpModule extends ServletModule {
  @Override
  protected void configureServlets() {
    DynamicSet.bind(binder(), AllRequestFilter.class).to(FenceFilter.class).in(Scopes.SINGLETON);
    serve("/status").with(StatusServlet.class);
  }
}
