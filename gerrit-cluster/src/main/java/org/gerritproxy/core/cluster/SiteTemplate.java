package org.gerritproxy.core.cluster;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An initialised Gerrit site that is never started, kept in the base directory so that each new
 * cluster copies it instead of running {@code init} again (about 10 s).
 */
final class SiteTemplate {
    private static final Logger log = LoggerFactory.getLogger(SiteTemplate.class);
    private static final String MARKER = ".gerrit-template";
    /** Never copied into a node: the marker and run-time state. */
    private static final Set<Path> SKIPPED = Set.of(Path.of(MARKER), Path.of("logs"), Path.of("cache"), Path.of("tmp"));

    private final Path dir;
    private final GerritJvm jvm;
    private final Duration timeout;

    SiteTemplate(Path dir, GerritJvm jvm, Duration timeout) {
        this.dir = dir;
        this.jvm = jvm;
        this.timeout = timeout;
    }

    /** Runs {@code init} unless a template made by the same Gerrit jars is already there. */
    void ensureInitialised() throws IOException {
        Files.createDirectories(dir.getParent());
        Path lockFile = dir.resolveSibling(dir.getFileName() + ".lock");
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock = channel.lock(); // another JVM may be initialising the same template
            try {
                if (isInitialised()) {
                    return;
                }
                deleteTree(dir);
                Path fresh = dir.resolveSibling(dir.getFileName() + ".init");
                deleteTree(fresh);
                runInit(fresh);
                Files.deleteIfExists(fresh.resolve("bin").resolve("gerrit.war")); // 60 MB, a copy of a jar we run anyway
                Files.writeString(fresh.resolve(MARKER), jvm.fingerprint(), StandardCharsets.UTF_8);
                Files.move(fresh, dir, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                lock.release();
            }
        }
    }

    /** Copies the template into {@code site}; only the first node keeps {@code git/}, the shared one. */
    void copyTo(Path site, boolean withGit) throws IOException {
        deleteTree(site);
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path from, BasicFileAttributes attrs) throws IOException {
                Path relative = dir.relativize(from);
                if (!withGit && relative.equals(Path.of("git"))) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                Files.createDirectories(site.resolve(relative.toString()));
                return SKIPPED.contains(relative) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path from, BasicFileAttributes attrs) throws IOException {
                if (!SKIPPED.contains(dir.relativize(from))) {
                    Files.copy(from, site.resolve(dir.relativize(from).toString()), StandardCopyOption.COPY_ATTRIBUTES);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private boolean isInitialised() throws IOException {
        Path marker = dir.resolve(MARKER);
        return Files.isRegularFile(marker)
                && Files.readString(marker, StandardCharsets.UTF_8).equals(jvm.fingerprint());
    }

    private void runInit(Path site) throws IOException {
        Path output = dir.resolveSibling(dir.getFileName() + "-init.log");
        long started = System.nanoTime();
        Process init = jvm.init(site).redirectOutput(output.toFile()).start();
        try {
            if (!init.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                init.destroyForcibly().waitFor();
                throw new IllegalStateException("Gerrit init of " + site + " did not finish within "
                        + timeout.toSeconds() + " s; the last lines of " + output + ":\n" + tail(output));
            }
        } catch (InterruptedException e) {
            init.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while Gerrit init ran in " + site, e);
        }
        if (init.exitValue() != 0) {
            throw new IllegalStateException("Gerrit init of " + site + " failed with exit status "
                    + init.exitValue() + "; the last lines of " + output + ":\n" + tail(output));
        }
        log.info("Initialised the Gerrit site template {} in {} ms", dir,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
