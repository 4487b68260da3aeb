package org.gerritproxy.core.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replication from one node's repositories to another's, for tests, in place of Gerrit's
 * replication plugin (which is not in Maven Central): a repository whose refs changed is copied
 * with {@code git push --mirror} (every ref, NoteDb's {@code refs/changes/…/meta} included) a set
 * delay after the change was first seen. It can be paused, to play a replica that has stopped
 * receiving updates, and resumed. The replica's Gerrit reads the new refs from disk; a repository
 * new to it has Gerrit's {@code projects} cache flushed, since Gerrit remembers a project it did not
 * find.
 */
public final class MirrorReplication implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MirrorReplication.class);
    private static final long POLL_MILLIS = 100;

    private final Path from;
    private final GerritNode to;
    private final Thread thread;
    private volatile Duration delay;
    private volatile boolean paused;
    private volatile boolean closed;
    /** Each repository's refs as last copied; confined to the thread. */
    private final Map<Path, String> copied = new HashMap<>();
    /** When a repository's change was first seen, not yet copied; confined to the thread. */
    private final Map<Path, Long> changedAt = new HashMap<>();
    private final AtomicLong copies = new AtomicLong();
    private volatile long maxLagNanos;

    /**
     * @param from the source node (the master); its git directory is read
     * @param to the replica; updates are pushed into its git directory
     */
    public MirrorReplication(GerritNode from, GerritNode to, Duration delay) {
        this.from = from.gitDir();
        this.to = to;
        this.delay = delay;
        this.thread = new Thread(this::run, "mirror-" + from.name() + "-to-" + to.name());
        this.thread.setDaemon(true);
    }

    public MirrorReplication start() {
        thread.start();
        return this;
    }

    /** From now on, changes are copied this long after they were first seen. */
    public void delay(Duration d) {
        this.delay = d;
    }

    /** Stops copying until {@link #resume}: the replica falls behind. */
    public void pause() {
        paused = true;
    }

    public void resume() {
        paused = false;
    }

    /** Repositories copied so far. */
    public long copies() {
        return copies.get();
    }

    /** The longest time a change waited before it was copied. */
    public Duration maxLag() {
        return Duration.ofNanos(maxLagNanos);
    }

    /**
     * Copies every repository now, whether changed or not (paused or not), on the calling thread;
     * for a test's set-up, before anything reads from the replica.
     */
    public synchronized void copyAll() {
        for (Path repo : repositories()) {
            copy(repo, fingerprint(repo));
        }
    }

    private void run() {
        while (!closed) {
            try {
                if (!paused) {
                    round();
                }
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("mirror replication failed; retrying", e);
            }
        }
    }

    private synchronized void round() {
        long now = System.nanoTime();
        for (Path repo : repositories()) {
            String refs = fingerprint(repo);
            if (refs.equals(copied.get(repo))) {
                changedAt.remove(repo);
                continue;
            }
            long seen = changedAt.computeIfAbsent(repo, r -> now);
            if (now - seen >= delay.toNanos()) {
                copy(repo, refs);
                maxLagNanos = Math.max(maxLagNanos, System.nanoTime() - seen);
                changedAt.remove(repo);
            }
        }
    }

    private void copy(Path repo, String refs) {
        Path target = to.gitDir().resolve(from.relativize(repo).toString());
        boolean created = !Files.isDirectory(target);
        if (created) {
            git(null, "init", "-q", "--bare", target.toString());
        }
        // Atomic, as one ref update of the replication plugin: no replica with half a change.
        git(repo, "push", "-q", "--atomic", "--mirror", target.toString());
        copied.put(repo, refs);
        copies.incrementAndGet();
        if (created && to.isRunning()) {
            to.admin().flushCache("projects");
        }
    }

    /** The bare repositories under the source's git directory, {@code a/b.git} included. */
    private List<Path> repositories() {
        List<Path> out = new ArrayList<>();
        try {
            Files.walkFileTree(from, new java.nio.file.SimpleFileVisitor<>() {
                @Override
                public java.nio.file.FileVisitResult preVisitDirectory(Path d,
                        java.nio.file.attribute.BasicFileAttributes attrs) {
                    if (d.getFileName().toString().endsWith(".git")) {
                        out.add(d);
                        return java.nio.file.FileVisitResult.SKIP_SUBTREE; // never into a repository
                    }
                    return java.nio.file.FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.stream().sorted().toList();
    }

    /** The repository's refs, cheaply: packed-refs and every loose ref's name, size and time. */
    private static String fingerprint(Path repo) {
        StringBuilder b = new StringBuilder();
        try {
            Path packed = repo.resolve("packed-refs");
            if (Files.exists(packed)) {
                b.append(Files.getLastModifiedTime(packed).toMillis()).append(Files.size(packed));
            }
            try (Stream<Path> s = Files.walk(repo.resolve("refs"))) {
                for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
                    b.append(repo.relativize(p)).append(Files.readString(p, StandardCharsets.UTF_8));
                }
            }
        } catch (IOException e) {
            // A ref moved while it was read: changed, then; the next round sees it settled.
            b.append(System.nanoTime());
        }
        return b.toString();
    }

    private static void git(Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        try {
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("git " + String.join(" ", args) + " failed: "
                        + new String(out, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
