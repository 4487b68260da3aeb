package org.gerritproxy.core.cluster;

import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests the one real two-node Gerrit cluster of this test JVM: started on first use,
 * shared by every test class, stopped when the JUnit run ends. Use it with
 * {@code @ExtendWith(GerritClusterExtension.class)} and a {@link GerritCluster} parameter (of a
 * constructor, a {@code @BeforeAll} or a test method). Its sites are under
 * {@code proxy-core/target/gerrit-cluster/}.
 */
public final class GerritClusterExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(GerritClusterExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == GerritCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return shared(context);
    }

    /**
     * The shared cluster, started now if this is the first use in this JVM. A node that an
     * earlier test stopped or killed is started again first, so every test begins with all up.
     */
    public static GerritCluster shared(ExtensionContext context) {
        GerritCluster cluster = context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(SharedCluster.class, k -> SharedCluster.start(), SharedCluster.class)
                .cluster();
        for (GerritNode node : cluster.nodes()) {
            if (!node.isRunning()) {
                node.start();
            }
        }
        return cluster;
    }

    /** The started cluster, or why it failed to start: later classes fail at once instead of retrying. */
    private static final class SharedCluster implements AutoCloseable {
        private final GerritCluster cluster;
        private final RuntimeException failure;

        private SharedCluster(GerritCluster cluster, RuntimeException failure) {
            this.cluster = cluster;
            this.failure = failure;
        }

        static SharedCluster start() {
            try {
                return new SharedCluster(GerritCluster.builder().baseDir(baseDir()).start(), null);
            } catch (RuntimeException e) {
                return new SharedCluster(null, e);
            }
        }

        GerritCluster cluster() {
            if (failure != null) {
                throw new IllegalStateException("The shared Gerrit cluster failed to start: " + failure.getMessage(), failure);
            }
            return cluster;
        }

        /** JUnit closes what its root store holds when the run ends. */
        @Override
        public void close() {
            if (cluster != null) {
                cluster.close();
            }
        }

        /** {@code -Dgerrit.cluster.dir} lets two test runs on one machine keep their clusters apart. */
        private static Path baseDir() {
            String dir = System.getProperty("gerrit.cluster.dir");
            if (dir != null && !dir.isBlank()) {
                return Path.of(dir).toAbsolutePath();
            }
            String lib = System.getProperty("gerrit.lib");
            Path target = lib != null ? Path.of(lib).toAbsolutePath().getParent() : Path.of("target");
            return target.resolve("gerrit-cluster");
        }
    }
}
