package org.gerritproxy.fence;

import com.google.gerrit.extensions.annotations.PluginName;
import com.google.gerrit.extensions.events.LifecycleListener;
import com.google.gerrit.extensions.registration.DynamicSet;
import com.google.gerrit.server.config.PluginConfig;
import com.google.gerrit.server.config.PluginConfigFactory;
import com.google.gerrit.server.git.GitRepositoryManager;
import com.google.gerrit.server.git.validators.CommitValidationListener;
import com.google.gerrit.server.git.validators.RefOperationValidationListener;
import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;

/**
 * The plugin's server module: the fence itself, read from {@code [plugin "fence"]} of
 * gerrit.config, and the validators that refuse pushes (over HTTP and SSH alike) inside git's
 * protocol. The HTTP and SSH modules see these bindings, being child injectors of this one.
 */
public class FenceModule extends AbstractModule {
  @Override
  protected void configure() {
    DynamicSet.bind(binder(), RefOperationValidationListener.class).to(FenceValidator.class);
    DynamicSet.bind(binder(), CommitValidationListener.class).to(FenceValidator.class);
    DynamicSet.bind(binder(), LifecycleListener.class).to(FenceStartup.class);
  }

  @Provides
  @Singleton
  Fence fence(PluginConfigFactory configs, @PluginName String pluginName,
      GitRepositoryManager repositories) {
    if (repositories instanceof FencedRepositoryManager fenced) {
      // The library module is installed (FenceGitModule) and built its fence from the same
      // settings before any plugin: one fence, so that the doors and the repositories decide
      // from the same read of the record and never disagree for a refresh interval after it
      // changes (a request let in by one and refused by the other would fail with a 500).
      return fenced.fence();
    }
    // true: [plugin "fence"] password may be kept in secure.config.
    PluginConfig config = configs.getFromGerritConfig(pluginName, true);
    FenceSettings settings = FenceSettings.read(key -> config.getString(key));
    return new Fence(settings.node(), settings.source(), settings.refresh(),
        settings.failClosedAfter(), System::nanoTime);
  }
}
