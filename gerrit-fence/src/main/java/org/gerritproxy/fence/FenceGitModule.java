package org.gerritproxy.fence;

import com.google.gerrit.server.ModuleImpl;
import com.google.gerrit.server.config.GerritServerConfig;
import com.google.gerrit.server.config.RepositoryConfig;
import com.google.gerrit.server.git.GitRepositoryManager;
import com.google.gerrit.server.git.GitRepositoryManagerModule;
import com.google.gerrit.server.git.LocalDiskRepositoryManager;
import com.google.gerrit.server.git.MultiBaseLocalDiskRepositoryManager;
import com.google.gerrit.server.securestore.SecureStore;
import com.google.inject.AbstractModule;
import com.google.inject.Inject;
import com.google.inject.name.Names;
import com.google.inject.util.Modules;
import org.eclipse.jgit.lib.Config;

/**
 * The fence below every door: Gerrit's repositories themselves refuse ref updates on a node that
 * is not the write master, whoever asks (a scheduled job, an account or NoteDb update Gerrit makes
 * for itself, another plugin's background work). The plugin's filter, validators and command
 * interceptor refuse requests at the door with a clear answer; this catches what has no door.
 *
 * <p>A library module, not part of the plugin: Gerrit loads it at start, into the injector that
 * owns the {@link GitRepositoryManager}, when etc/gerrit.config says
 *
 * <pre>
 * [gerrit]
 *   installDbModule = org.gerritproxy.fence.FenceGitModule
 * </pre>
 *
 * and fence.jar is on Gerrit's classpath (SITE/lib/). It replaces Gerrit's own repository manager
 * module (the {@code git-manager} {@link ModuleImpl}) by the same module with the manager wrapped
 * in {@link FencedRepositoryManager}. It reads {@code [plugin "fence"]} like the plugin; the
 * plugin, started later, takes this fence from the repository manager instead of building its own
 * (binding the fence itself here would clash with the plugin's binding of the same key).
 */
@ModuleImpl(name = GitRepositoryManagerModule.MANAGER_MODULE)
public class FenceGitModule extends AbstractModule {
  static final String DELEGATE = "fence-delegate";

  private final RepositoryConfig repositoryConfig;
  private final RefGuard guard;

  @Inject
  FenceGitModule(RepositoryConfig repositoryConfig, @GerritServerConfig Config config,
      SecureStore secureStore) {
    this.repositoryConfig = repositoryConfig;
    // Bad settings stop Gerrit with the sentence naming the key: an operator who installed the
    // module asked for the fence, and a node without it would take every background write.
    FenceSettings settings = FenceSettings.read(key -> {
      String secure = key.equals("password") ? secureStore.get("plugin", "fence", key) : null;
      return secure != null ? secure : config.getString("plugin", "fence", key);
    });
    this.guard = new RefGuard(new Fence(settings.node(), settings.source(), settings.refresh(),
        settings.failClosedAfter(), System::nanoTime));
  }

  @Override
  protected void configure() {
    // Gerrit's own module, unchanged but for the one binding: the lifecycle of the local disk
    // manager and whichever manager it picks (one base path or several) stay Gerrit's.
    install(Modules.override(new GitRepositoryManagerModule(repositoryConfig)).with(
        new AbstractModule() {
          @Override
          protected void configure() {
            bind(GitRepositoryManager.class).to(FencedRepositoryManager.class);
          }
        }));
    bind(GitRepositoryManager.class).annotatedWith(Names.named(DELEGATE))
        .to(repositoryConfig.getAllBasePaths().isEmpty()
            ? LocalDiskRepositoryManager.class
            : MultiBaseLocalDiskRepositoryManager.class);
    bind(RefGuard.class).toInstance(guard);
  }
}
