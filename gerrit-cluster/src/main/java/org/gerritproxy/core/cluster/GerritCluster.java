package org.gerritproxy.core.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real Gerrit 3.10 servers, each in its own {@code java} process on loopback ports, that share
 * one git directory (the first node's {@code git/}) and therefore all projects, accounts and
 * changes; for tests, benchmarks and the demo.
 *
 * <pre>
 * try (GerritCluster cluster = GerritCluster.builder().baseDir(dir).start()) {
 *     cluster.node(1).admin().createProject("demo");
 * }
 * </pre>
 */
public final class GerritCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GerritCluster.class);
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(20);

    private final Path baseDir;
    private final List<GerritNode> nodes;
    private final Thread shutdownHook;

    private GerritCluster(Path baseDir, List<GerritNode> nodes) {
        this.baseDir = baseDir;
        this.nodes = List.copyOf(nodes);
        this.shutdownHook = new Thread(this::stopAll, "gerrit-cluster-shutdown");
    }

    public static Builder builder() {
        return new Builder();
    }

    public List<GerritNode> nodes() {
        return nodes;
    }

    /** @param number 1 for {@code gerrit-1}, … */
    public GerritNode node(int number) {
        if (number < 1 || number > nodes.size()) {
            throw new IllegalArgumentException("No node " + number + "; the cluster has nodes 1 to " + nodes.size());
        }
        return nodes.get(number - 1);
    }

    public GerritNode node(String name) {
        return nodes.stream().filter(n -> n.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("No node named " + name + " in " + nodes));
    }

    public Path baseDir() {
        return baseDir;
    }

    /** The repositories every node serves: {@code gerrit.basePath} of all nodes. */
    public Path gitDir() {
        return new NodeSite(node(1).sitePath()).git();
    }

    /**
     * Empties these caches on every running node. Each node keeps its own in-memory caches, and
     * a write through one node does not evict them on the others: after an SSH key is added
     * through node 1, node 2 refuses that key until its {@code sshkeys} cache is flushed; a new
     * project is missing from node 2's project list until {@code project_list} is flushed.
     */
    public void flushCaches(String... caches) {
        for (GerritNode node : nodes) {
            if (node.isRunning()) {
                for (String cache : caches) {
                    node.admin().flushCache(cache);
                }
            }
        }
    }

    /** Stops every node: gracefully, then forcibly after 20 s. */
    @Override
    public void close() {
        stopAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or has run
        }
    }

    private void stopAll() {
        nodes.forEach(GerritNode::requestStop);
        long deadline = System.nanoTime() + CLOSE_GRACE.toNanos();
        nodes.forEach(n -> n.awaitStopped(deadline));
    }

    private void startAll(Duration timeout) {
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        long started = System.nanoTime();
        long deadline = started + timeout.toNanos();
        try {
            List<LogMark> marks = nodes.stream().map(GerritNode::launch).toList();
            for (int i = 0; i < nodes.size(); i++) {
                nodes.get(i).awaitReady(marks.get(i), deadline);
            }
        } catch (RuntimeException e) {
            nodes.forEach(GerritNode::kill);
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
            throw e;
        }
        log.info("Gerrit cluster of {} nodes ready in {} ms: {}", nodes.size(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), nodes);
    }

    /** The cluster's settings; {@link #start} prepares the sites and starts every node. */
    public static final class Builder {
        private int nodes = 2;
        private Path baseDir;
        private Path gerritLib;
        private int[] httpPorts = {};
        private int[] sshPorts = {};
        private URI canonicalWebUrl;
        private String maxHeap = "768m";
        // C1 only and the serial collector: a node is ready in about 4 s instead of 6 on 2 cores.
        private List<String> jvmOptions = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
        private boolean reuseSites;
        private boolean replicated;
        private Path templateDir;
        private final List<Path> plugins = new ArrayList<>();
        private final List<Path> libraries = new ArrayList<>();
        private final List<String> removedPlugins = new ArrayList<>();
        private java.util.function.BiConsumer<String, org.eclipse.jgit.lib.Config> nodeSettings = (n, c) -> { };
        private Duration startTimeout = Duration.ofSeconds(120);

        private Builder() {}

        /** How many nodes, {@code gerrit-1} to {@code gerrit-N}; 2 unless set. */
        public Builder nodes(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("A cluster needs at least one node, not " + count);
            }
            this.nodes = count;
            return this;
        }

        /** Holds the node sites ({@code gerrit-1/}, …) and the initialised site template. Required. */
        public Builder baseDir(Path dir) {
            this.baseDir = dir;
            return this;
        }

        /** The directory of Gerrit jars; by default the system property {@code gerrit.lib}. */
        public Builder gerritLib(Path dir) {
            this.gerritLib = dir;
            return this;
        }

        /** The nodes' HTTP ports in order; 0, or a port not given, picks a free loopback port. */
        public Builder httpPorts(int... ports) {
            this.httpPorts = ports.clone();
            return this;
        }

        /** The nodes' SSH ports in order; 0, or a port not given, picks a free loopback port. */
        public Builder sshPorts(int... ports) {
            this.sshPorts = ports.clone();
            return this;
        }

        /** {@code gerrit.canonicalWebUrl} of every node, e.g. the proxy's URL; by default each node's own. */
        public Builder canonicalWebUrl(URI url) {
            this.canonicalWebUrl = url;
            return this;
        }

        /** {@code -Xmx} of each node, e.g. {@code 768m} (the default). */
        public Builder maxHeap(String size) {
            this.maxHeap = Objects.requireNonNull(size);
            return this;
        }

        /** JVM options of each node besides {@code -Xmx}; replaces the defaults. */
        public Builder jvmOptions(String... options) {
            this.jvmOptions = List.of(options);
            return this;
        }

        /**
         * Keep the sites of an earlier run in the base directory, with their projects and
         * accounts, and skip init (for the demo). Otherwise each start begins from fresh sites.
         */
        public Builder reuseSites(boolean reuse) {
            this.reuseSites = reuse;
            return this;
        }

        /**
         * Each node with a git directory of its own (a copy of the initial one), as in a cluster
         * whose nodes replicate to each other; by default they share node 1's. Nothing copies
         * updates between them: a test does that itself ({@link MirrorReplication}).
         */
        public Builder replicated(boolean separateGitDirectories) {
            this.replicated = separateGitDirectories;
            return this;
        }

        /**
         * Where the initialised site template lives; {@code BASE/template} unless set. Clusters in
         * different base directories may share one (its initialisation is locked), which spares
         * each a Gerrit init.
         */
        public Builder templateDir(Path dir) {
            this.templateDir = Objects.requireNonNull(dir);
            return this;
        }

        /**
         * A Gerrit plugin for every node's {@code plugins/}: a plugin jar, or a directory of
         * compiled classes holding {@code META-INF/MANIFEST.MF} (a Maven module's {@code
         * target/classes} before its jar is packaged), made into a jar named after its {@code
         * Gerrit-PluginName}. Installed at each start.
         */
        public Builder plugin(Path jarOrClasses) {
            this.plugins.add(Objects.requireNonNull(jarOrClasses));
            return this;
        }

        /**
         * Deletes {@code plugins/NAME.jar} from every node at each start: a plugin that an earlier
         * run installed in sites that are reused ({@link #reuseSites}) and that this run must not
         * have.
         */
        public Builder withoutPlugin(String name) {
            this.removedPlugins.add(Objects.requireNonNull(name));
            return this;
        }

        /**
         * A library for Gerrit's own classpath, e.g. one a {@code gerrit.installDbModule} or
         * {@code gerrit.installModule} setting names: a jar, or a directory of compiled classes.
         * It stands for the node's {@code SITE/lib/}: Gerrit run from its jars, as here, is not
         * loaded by its own class loader and cannot add {@code lib/} to it.
         */
        public Builder library(Path jarOrClasses) {
            this.libraries.add(Objects.requireNonNull(jarOrClasses).toAbsolutePath());
            return this;
        }

        /**
         * Settings written into each node's {@code etc/gerrit.config} at each start, given the
         * node's name (e.g. a plugin's {@code [plugin "NAME"]} section).
         */
        public Builder nodeSettings(java.util.function.BiConsumer<String, org.eclipse.jgit.lib.Config> settings) {
            this.nodeSettings = Objects.requireNonNull(settings);
            return this;
        }

        /**
         * The repositories every node will serve (the first node's {@code git/}), known before
         * the start: e.g. for a plugin setting that names the shared All-Projects.
         */
        public Path sharedGitDir() {
            if (baseDir == null) {
                throw new IllegalStateException("Set the cluster's base directory with baseDir(...) first");
            }
            return new NodeSite(baseDir.toAbsolutePath().normalize().resolve(nodeName(0))).git();
        }

        /** How long all nodes together may take to become ready; 120 s unless set. */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /** Prepares the sites, starts every node in parallel and waits until all serve. */
        public GerritCluster start() {
            if (baseDir == null) {
                throw new IllegalStateException("Set the cluster's base directory with baseDir(...)");
            }
            Path lib = gerritLib != null ? gerritLib : gerritLibProperty();
            List<String> options = new ArrayList<>();
            options.add("-Xmx" + maxHeap);
            options.addAll(jvmOptions);
            GerritJvm jvm = GerritJvm.of(lib, options).withLibraries(libraries);
            Path base = baseDir.toAbsolutePath().normalize();
            try {
                List<NodeSite> sites = prepareSites(base, jvm);
                for (int i = 0; i < nodes; i++) {
                    for (String name : removedPlugins) {
                        Files.deleteIfExists(sites.get(i).dir().resolve("plugins").resolve(name + ".jar"));
                    }
                    for (Path plugin : plugins) {
                        sites.get(i).installPlugin(plugin);
                    }
                    sites.get(i).apply(nodeName(i), nodeSettings);
                }
                Path sharedGit = sites.get(0).git();
                List<Integer> ports = pickPorts();
                List<GerritNode> created = new ArrayList<>();
                for (int i = 0; i < nodes; i++) {
                    created.add(new GerritNode(nodeName(i), sites.get(i), ports.get(2 * i), ports.get(2 * i + 1),
                            canonicalWebUrl, replicated ? sites.get(i).git() : sharedGit, jvm, startTimeout));
                }
                GerritCluster cluster = new GerritCluster(base, created);
                cluster.startAll(startTimeout);
                return cluster;
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot prepare the Gerrit sites in " + base + ": " + e.getMessage(), e);
            }
        }

        private List<NodeSite> prepareSites(Path base, GerritJvm jvm) throws IOException {
            List<NodeSite> sites = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                sites.add(new NodeSite(base.resolve(nodeName(i))));
                sites.get(i).killLeftover();
            }
            if (reuseSites && !replicated && reusable(sites)) {
                log.info("Reusing the Gerrit sites in {}", base);
                return sites;
            }
            Path templatePath = templateDir != null ? templateDir.toAbsolutePath().normalize() : base.resolve("template");
            SiteTemplate template = new SiteTemplate(templatePath, jvm, startTimeout);
            template.ensureInitialised();
            for (int i = 0; i < nodes; i++) {
                template.copyTo(sites.get(i).dir(), i == 0 || replicated);
            }
            return sites;
        }

        private static boolean reusable(List<NodeSite> sites) {
            return sites.stream().allMatch(s -> Files.isRegularFile(s.gerritConfig()))
                    && Files.isDirectory(sites.get(0).git().resolve("All-Projects.git"));
        }

        private List<Integer> pickPorts() throws IOException {
            Set<Integer> taken = new HashSet<>();
            Arrays.stream(httpPorts).filter(p -> p != 0).forEach(taken::add);
            Arrays.stream(sshPorts).filter(p -> p != 0).forEach(taken::add);
            List<Integer> ports = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                ports.add(portOrFree(httpPorts, i, taken));
                ports.add(portOrFree(sshPorts, i, taken));
            }
            return ports;
        }

        private static int portOrFree(int[] ports, int index, Set<Integer> taken) throws IOException {
            if (index < ports.length && ports[index] != 0) {
                return ports[index];
            }
            while (true) {
                int port = FreePorts.pick();
                if (taken.add(port)) {
                    return port;
                }
            }
        }

        private static String nodeName(int index) {
            return "gerrit-" + (index + 1);
        }

        private static Path gerritLibProperty() {
            String property = System.getProperty("gerrit.lib");
            if (property == null || property.isBlank()) {
                throw new IllegalStateException("Where are the Gerrit jars? Set the system property gerrit.lib"
                        + " (Maven's surefire sets it to target/gerrit-lib of proxy-core or demo) or call gerritLib(...)");
            }
            return Path.of(property);
        }
    }
}
