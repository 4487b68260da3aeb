package org.gerritproxy.core.cluster;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jgit.errors.ConfigInvalidException;
import org.eclipse.jgit.storage.file.FileBasedConfig;
import org.eclipse.jgit.util.FS;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's Gerrit site directory: where its files are, and the settings the cluster writes
 * into it before each start (its ports, the shared git directory, its logging).
 */
record NodeSite(Path dir) {
    private static final Logger log = LoggerFactory.getLogger(NodeSite.class);

    Path gerritConfig() {
        return dir.resolve("etc").resolve("gerrit.config");
    }

    Path log4jConfig() {
        return dir.resolve("etc").resolve("log4j.properties");
    }

    Path logs() {
        return dir.resolve("logs");
    }

    Path git() {
        return dir.resolve("git");
    }

    /** gerrit.sh's pid file: lets a later start kill a node that a killed JVM left behind. */
    Path pidFile() {
        return logs().resolve("gerrit.pid");
    }

    /**
     * A node whose JVM was killed (kill -9, an IDE's stop button) outlives it, holding its ports
     * and files: end it before this site is started or replaced.
     */
    void killLeftover() throws IOException {
        Path pidFile = pidFile();
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        String siteDir = dir.toString();
        Optional<ProcessHandle> leftover;
        try {
            leftover = ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip()))
                    .filter(ProcessHandle::isAlive)
                    .filter(h -> h.info().commandLine().orElse("").contains(siteDir));
        } catch (NumberFormatException e) {
            leftover = Optional.empty();
        }
        if (leftover.isPresent()) {
            ProcessHandle process = leftover.get();
            log.warn("Killing the Gerrit process {} that an earlier run left in {}", process.pid(), dir);
            process.destroyForcibly();
            try {
                process.onExit().get(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("Interrupted while the leftover Gerrit process " + process.pid() + " exited", e);
            } catch (ExecutionException | TimeoutException e) {
                throw new IOException("The leftover Gerrit process " + process.pid() + " in " + dir
                        + " did not exit; kill it and try again", e);
            }
        }
        Files.delete(pidFile);
    }

    /**
     * H2's lock files in {@code db/} (the reviewed-files database) outlive a killed node, and H2
     * waits on them at the next start. Call only while no process runs this site.
     */
    void deleteStaleLocks() throws IOException {
        Path db = dir.resolve("db");
        if (!Files.isDirectory(db)) {
            return;
        }
        try (DirectoryStream<Path> locks = Files.newDirectoryStream(db, "*.lock.db")) {
            for (Path lock : locks) {
                Files.deleteIfExists(lock);
            }
        }
    }

    /**
     * Copies a plugin jar into {@code plugins/}, or makes one there from a directory of classes
     * with its {@code META-INF/MANIFEST.MF}, named after the manifest's {@code Gerrit-PluginName}.
     */
    void installPlugin(Path jarOrClasses) throws IOException {
        Path plugins = dir.resolve("plugins");
        Files.createDirectories(plugins);
        if (Files.isRegularFile(jarOrClasses)) {
            Files.copy(jarOrClasses, plugins.resolve(jarOrClasses.getFileName().toString()),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return;
        }
        Path manifestFile = jarOrClasses.resolve("META-INF").resolve("MANIFEST.MF");
        if (!Files.isRegularFile(manifestFile)) {
            throw new IOException("No plugin jar and no compiled plugin (META-INF/MANIFEST.MF) at " + jarOrClasses);
        }
        java.util.jar.Manifest manifest;
        try (var in = Files.newInputStream(manifestFile)) {
            manifest = new java.util.jar.Manifest(in);
        }
        String name = manifest.getMainAttributes().getValue("Gerrit-PluginName");
        if (name == null || name.isBlank()) {
            throw new IOException(manifestFile + " names no Gerrit-PluginName");
        }
        Path jar = plugins.resolve(name + ".jar");
        Path partial = plugins.resolve(name + ".jar.tmp");
        try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(partial), manifest);
                var files = Files.walk(jarOrClasses)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                String entry = jarOrClasses.relativize(file).toString().replace('\\', '/');
                if (entry.equals("META-INF/MANIFEST.MF")) {
                    continue;
                }
                out.putNextEntry(new java.util.jar.JarEntry(entry));
                Files.copy(file, out);
                out.closeEntry();
            }
        }
        // Gerrit scans plugins/ for *.jar: never let it see a half-written one.
        Files.move(partial, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Lets {@code settings} change this node's gerrit.config, given the node's name. */
    void apply(String node, java.util.function.BiConsumer<String, org.eclipse.jgit.lib.Config> settings)
            throws IOException {
        FileBasedConfig config = new FileBasedConfig(gerritConfig().toFile(), FS.DETECTED);
        try {
            config.load();
        } catch (ConfigInvalidException e) {
            throw new IOException("Cannot parse " + gerritConfig() + ": " + e.getMessage(), e);
        }
        settings.accept(node, config);
        config.save();
    }

    /** Loopback ports, the shared repositories, no mail. */
    void configure(int httpPort, int sshPort, URI canonicalWebUrl, Path sharedGit) throws IOException {
        FileBasedConfig config = new FileBasedConfig(gerritConfig().toFile(), FS.DETECTED);
        try {
            config.load();
        } catch (ConfigInvalidException e) {
            throw new IOException("Cannot parse " + gerritConfig() + ": " + e.getMessage(), e);
        }
        config.setString("gerrit", null, "basePath", sharedGit.toAbsolutePath().toString());
        config.setString("gerrit", null, "canonicalWebUrl", canonicalWebUrl.toString());
        config.setString("httpd", null, "listenUrl", "http://127.0.0.1:" + httpPort + "/");
        config.setString("sshd", null, "listenAddress", "127.0.0.1:" + sshPort);
        config.setBoolean("sendemail", null, "enable", false);
        // Persistent caches are H2 files; after a kill -9 their stale locks made the next graceful
        // stop hang for up to 30 s. In memory they cost nothing and start empty on each restart.
        config.unset("cache", null, "directory");
        config.save();
        Files.createDirectories(logs());
        Files.writeString(log4jConfig(), log4jProperties(), StandardCharsets.UTF_8);
    }

    /**
     * Left to itself, Gerrit leaves log4j's root logger at DEBUG when it runs from the jars: its
     * error_log then grows by megabytes of Jetty and JGit detail a minute. With this file the
     * console (logs/console.log) gets INFO and up, and httpd_log and sshd_log are written as usual
     * (Gerrit looks its request logs up by these appender names).
     */
    private String log4jProperties() {
        return """
                log4j.rootLogger=INFO, stderr
                log4j.appender.stderr=org.apache.log4j.ConsoleAppender
                log4j.appender.stderr.Target=System.err
                log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
                log4j.appender.stderr.layout.ConversionPattern=[%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX}] [%t] %-5p %c %x: %m%n
                """
                + requestLog("httpd_log", "com.google.gerrit.pgm.http.jetty.HttpLogLayout")
                + requestLog("sshd_log", "com.google.gerrit.sshd.SshLogLayout");
    }

    private String requestLog(String name, String layout) {
        String file = logs().toAbsolutePath().resolve(name).toString().replace("\\", "\\\\");
        return "log4j.logger." + name + "=INFO, " + name + "\n"
                + "log4j.additivity." + name + "=false\n"
                + "log4j.appender." + name + "=org.apache.log4j.FileAppender\n"
                + "log4j.appender." + name + ".File=" + file + "\n"
                + "log4j.appender." + name + ".layout=" + layout + "\n";
    }
}
