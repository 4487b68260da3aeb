package org.gerritproxy.fence;

import com.google.gerrit.extensions.annotations.PluginName;
import com.google.gerrit.extensions.registration.DynamicItem;
import com.google.gerrit.sshd.PluginCommandModule;
import com.google.gerrit.sshd.SshCreateCommandInterceptor;
import com.google.inject.Inject;

/** The SSH command interceptor, and {@code fence status} / {@code fence refused}. */
public class FenceSshModule extends PluginCommandModule {
  @Inject
  FenceSshModule(@PluginName String pluginName) {
    super(pluginName);
  }

  @Override
  protected void configureCommands() {
    DynamicItem.bind(binder(), SshCreateCommandInterceptor.class).to(FenceCommandInterceptor.class);
    command(RefusedCommand.class);
    command(StatusCommand.class);
  }
}
