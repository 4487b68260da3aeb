package org.gerritproxy.core.cluster;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * How a Gerrit process is launched: this JVM's {@code java}, the Gerrit jars of the gerrit-lib
 * directory as its classpath (never ours), and the JVM options.
 */
final class GerritJvm {
    private static final String LAUNCHER = "com.google.gerrit.launcher.GerritLauncher";

    private final Path java;
    private final List<Path> jars;
    private final List<String> options;
    private final List<Path> libraries;

    private GerritJvm(Path java, List<Path> jars, List<String> options, List<Path> libraries) {
        this.java = java;
        this.jars = jars;
        this.options = options;
        this.libraries = libraries;
    }

    /**
     * The same, with these jars or class directories after Gerrit's own on the classpath: what
     * {@code SITE/lib/} is to a Gerrit started from its WAR, which adds {@code lib/} to its own
     * class loader; run from its jars, as here, Gerrit has no such class loader to add it to.
     */
    GerritJvm withLibraries(List<Path> extra) {
        return new GerritJvm(java, jars, options, List.copyOf(extra));
    }

    static GerritJvm of(Path gerritLib, List<String> options) {
        List<Path> jars;
        try (Stream<Path> files = Files.list(gerritLib)) {
            jars = files.filter(f -> f.getFileName().toString().endsWith(".jar")).sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read the Gerrit jars in " + gerritLib
                    + ": run `mvn process-resources` to copy them there (into proxy-core/target/gerrit-lib and demo/target/gerrit-lib).", e);
        }
        for (String required : List.of("gerrit-plugin-api-", "gerrit-acceptance-framework-", "bcprov-")) {
            if (jars.stream().noneMatch(j -> j.getFileName().toString().startsWith(required))) {
                throw new IllegalStateException("No " + required + "*.jar in " + gerritLib
                        + ": run `mvn process-resources` to copy the Gerrit jars there.");
            }
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return new GerritJvm(java, jars, List.copyOf(options), List.of());
    }

    /** {@code init --batch --dev}: creates a site with the account admin / secret. */
    ProcessBuilder init(Path site) {
        return launcher(List.of(), "init", "--batch", "--dev", "--no-auto-start", "-d", site.toString());
    }

    /** The daemon, logging through the site's own log4j configuration (see {@link NodeSite}). */
    ProcessBuilder daemon(Path site, Path log4jConfig) {
        return launcher(List.of("-Dlog4j.configuration=" + log4jConfig.toUri()),
                "daemon", "-d", site.toString(), "--console-log");
    }

    /** Names and sizes of the jars: an initialised template is reused only by the same Gerrit. */
    String fingerprint() {
        return jars.stream().map(j -> {
            try {
                return j.getFileName() + " " + Files.size(j);
            } catch (IOException e) {
                return j.getFileName() + " ?";
            }
        }).collect(Collectors.joining("\n", "", "\n"));
    }

    private ProcessBuilder launcher(List<String> properties, String... args) {
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.addAll(options);
        command.addAll(properties);
        command.add("-cp");
        command.add(Stream.concat(jars.stream(), libraries.stream()).map(Path::toString)
                .collect(Collectors.joining(File.pathSeparator)));
        command.add(LAUNCHER);
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true);
    }
}
