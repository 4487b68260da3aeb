package org.gerritproxy.core.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One real Gerrit server of a {@link GerritCluster}, running as its own {@code java} process on
 * fixed loopback ports; it can be stopped, killed and started again on the same ports.
 */
public final class GerritNode {
    private static final Logger log = LoggerFactory.getLogger(GerritNode.class);
    private static final Pattern READY = Pattern.compile(".*Gerrit Code Review .*ready.*");
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);
    private static final HttpClient PROBE = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final NodeSite site;
    private final int httpPort;
    private final int sshPort;
    private final URI canonicalWebUrl;
    private final Path sharedGit;
    private final GerritJvm jvm;
    private final Duration startTimeout;
    private final NodeLog<HttpdLogEntry> httpdLog;
    private final NodeLog<SshdLogEntry> sshdLog;
    private final NodeLog<String> consoleLog;

    private volatile Process process;

    GerritNode(String name, NodeSite site, int httpPort, int sshPort, URI canonicalWebUrl, Path sharedGit,
            GerritJvm jvm, Duration startTimeout) {
        this.name = name;
        this.site = site;
        this.httpPort = httpPort;
        this.sshPort = sshPort;
        this.canonicalWebUrl = canonicalWebUrl != null ? canonicalWebUrl : URI.create(httpUrl() + "/");
        this.sharedGit = sharedGit;
        this.jvm = jvm;
        this.startTimeout = startTimeout;
        this.httpdLog = new NodeLog<>(site.logs().resolve("httpd_log"), HttpdLogEntry::parse);
        this.sshdLog = new NodeLog<>(site.logs().resolve("sshd_log"), SshdLogEntry::parse);
        this.consoleLog = new NodeLog<>(site.logs().resolve("console.log"), Function.identity());
    }

    /** {@code gerrit-1}, {@code gerrit-2}, … */
    public String name() {
        return name;
    }

    /** The node's own base URL, e.g. {@code http://127.0.0.1:8081} (no trailing slash). */
    public URI httpUrl() {
        return URI.create("http://127.0.0.1:" + httpPort);
    }

    public int httpPort() {
        return httpPort;
    }

    public int sshPort() {
        return sshPort;
    }

    public InetSocketAddress sshAddress() {
        return new InetSocketAddress("127.0.0.1", sshPort);
    }

    /** What the node puts in the links it generates: the proxy's URL, or else its own. */
    public URI canonicalWebUrl() {
        return canonicalWebUrl;
    }

    /** The repositories this node serves ({@code gerrit.basePath}). */
    public Path gitDir() {
        return sharedGit;
    }

    public Path sitePath() {
        return site.dir();
    }

    public boolean isRunning() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** A REST client to this node as {@code admin} / {@code secret}. */
    public GerritAdmin admin() {
        return GerritAdmin.asAdmin(httpUrl());
    }

    /**
     * Lets a peer daemon (the proxy's SSH frontend) log in as {@code Gerrit Code Review} and run
     * {@code suexec}: adds its key to {@code SITE/etc/peer_keys}, which Gerrit re-reads when it
     * changes. Adding a key twice is harmless.
     *
     * @param base64 the public key's base64 part only, without the algorithm name (Gerrit rejects
     *     {@code ssh-ed25519 AAAA…} there)
     */
    public synchronized void trustPeerKey(String base64) {
        Path file = site.dir().resolve("etc").resolve("peer_keys");
        try {
            String existing = Files.exists(file) ? Files.readString(file) : "";
            if (existing.lines().anyMatch(l -> l.strip().startsWith(base64.strip()))) {
                return;
            }
            Files.writeString(file, existing + base64.strip() + " gerrit-proxy\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** {@code SITE/logs/httpd_log}: one entry per HTTP request this node served. */
    public NodeLog<HttpdLogEntry> httpdLog() {
        return httpdLog;
    }

    /** {@code SITE/logs/sshd_log}: logins and SSH commands on this node. */
    public NodeLog<SshdLogEntry> sshdLog() {
        return sshdLog;
    }

    /** {@code SITE/logs/console.log}: the process's output, Gerrit's error log at INFO and up. */
    public NodeLog<String> consoleLog() {
        return consoleLog;
    }

    /** Starts the node (again, after {@link #stop} or {@link #kill}) and waits until it serves. */
    public synchronized void start() {
        LogMark mark = launch();
        awaitReady(mark, System.nanoTime() + startTimeout.toNanos());
    }

    /** Stops the node gracefully (SIGTERM), forcibly if it is still running after 30 s. */
    public void stop() {
        requestStop();
        awaitStopped(System.nanoTime() + STOP_GRACE.toNanos());
    }

    /** Kills the node at once, as {@code kill -9} does, and waits until it is gone. */
    public void kill() {
        Process p = process;
        if (p != null) {
            p.destroyForcibly();
            waitUninterruptibly(p);
            deletePidFile();
        }
    }

    /** Starts the process; returns the console mark from which to look for readiness. */
    synchronized LogMark launch() {
        if (isRunning()) {
            throw new IllegalStateException(name + " is already running");
        }
        try {
            site.killLeftover();
            site.deleteStaleLocks();
            site.configure(httpPort, sshPort, canonicalWebUrl, sharedGit);
            LogMark mark = consoleLog.mark();
            Process started = jvm.daemon(site.dir(), site.log4jConfig())
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(consoleLog.file().toFile()))
                    .start();
            process = started;
            Files.writeString(site.pidFile(), started.pid() + "\n", StandardCharsets.UTF_8);
            return mark;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + name + " in " + site.dir() + ": " + e.getMessage(), e);
        }
    }

    /** Waits for Gerrit's "ready" line, then for its HTTP port to answer. */
    void awaitReady(LogMark mark, long deadlineNanos) {
        Process p = process;
        boolean logSaysReady = false;
        while (true) {
            if (!p.isAlive()) {
                throw startFailure("exited with status " + p.exitValue() + " while starting");
            }
            if (!logSaysReady) {
                logSaysReady = consoleLog.linesSince(mark).stream().anyMatch(l -> READY.matcher(l).matches());
            }
            if (logSaysReady && answersVersion()) {
                log.info("{} is ready: {} and ssh {} (site {})", name, httpUrl(), sshPort, site.dir());
                return;
            }
            if (System.nanoTime() - deadlineNanos > 0) {
                kill();
                throw startFailure("did not become ready within " + startTimeout.toSeconds() + " s, and was killed");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                kill();
                throw new IllegalStateException("Interrupted while " + name + " was starting; it was killed", e);
            }
        }
    }

    void requestStop() {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroy();
        }
    }

    void awaitStopped(long deadlineNanos) {
        Process p = process;
        if (p == null) {
            return;
        }
        try {
            long left = Math.max(0, deadlineNanos - System.nanoTime());
            if (!p.waitFor(left, TimeUnit.NANOSECONDS)) {
                log.warn("{} did not stop within its grace period; killing it", name);
                kill();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
        }
        deletePidFile();
    }

    private boolean answersVersion() {
        HttpRequest probe = HttpRequest.newBuilder(URI.create(httpUrl() + "/config/server/version"))
                .timeout(Duration.ofSeconds(2)).GET().build();
        try {
            return PROBE.send(probe, BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private IllegalStateException startFailure(String what) {
        return new IllegalStateException(name + " (" + site.dir() + ") " + what + "; the last lines of "
                + consoleLog.file() + ":\n" + String.join("\n", consoleLog.tail(40)));
    }

    private void deletePidFile() {
        try {
            Files.deleteIfExists(site.pidFile());
        } catch (IOException e) {
            log.debug("Cannot delete {}", site.pidFile(), e);
        }
    }

    private static void waitUninterruptibly(Process p) {
        boolean interrupted = false;
        while (true) {
            try {
                p.waitFor();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return name + " (" + httpUrl() + ", ssh 127.0.0.1:" + sshPort + ")";
    }
}
