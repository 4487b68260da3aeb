package org.gerritproxy.core.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One of a node's log files (httpd_log, sshd_log, console.log) read as entries, whole or from a
 * {@link LogMark} on. Gerrit writes its request logs asynchronously: use {@link #await} for an
 * entry that a request just caused.
 *
 * @param <E> the entry type; lines the parser rejects (returns null for) are left out
 */
public final class NodeLog<E> {
    private static final Duration POLL = Duration.ofMillis(50);

    private final Path file;
    private final Function<String, E> parser;

    NodeLog(Path file, Function<String, E> parser) {
        this.file = file;
        this.parser = parser;
    }

    public Path file() {
        return file;
    }

    /** The current end of the file. */
    public LogMark mark() {
        try {
            return new LogMark(file, Files.size(file));
        } catch (NoSuchFileException e) {
            return new LogMark(file, 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<E> entries() {
        return since(new LogMark(file, 0));
    }

    /** The complete lines written after {@code mark}, parsed. */
    public List<E> since(LogMark mark) {
        List<E> entries = new ArrayList<>();
        for (String line : linesSince(mark)) {
            E entry = parser.apply(line);
            if (entry != null) {
                entries.add(entry);
            }
        }
        return entries;
    }

    /** The complete lines written after {@code mark}, as they stand in the file. */
    public List<String> linesSince(LogMark mark) {
        if (!mark.file().equals(file)) {
            throw new IllegalArgumentException("The mark " + mark + " belongs to another log than " + file);
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            long from = mark.offset() <= size ? mark.offset() : 0; // truncated since: read it all
            ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(size - from));
            while (bytes.hasRemaining() && channel.read(bytes, from + bytes.position()) >= 0) {
                // read on to the size seen above
            }
            String text = new String(bytes.array(), 0, bytes.position(), StandardCharsets.UTF_8);
            int end = text.lastIndexOf('\n'); // a line still being written waits for the next read
            return end < 0 ? List.of() : text.substring(0, end).lines().toList();
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits until an entry written after {@code mark} matches, and returns the first that does.
     *
     * @throws IllegalStateException if none appears within {@code timeout}
     */
    public E await(LogMark mark, Predicate<? super E> match, Duration timeout) {
        Objects.requireNonNull(match);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (E entry : since(mark)) {
                if (match.test(entry)) {
                    return entry;
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("No matching entry appeared in " + file + " within "
                        + timeout.toMillis() + " ms; the lines written after the mark:\n"
                        + String.join("\n", linesSince(mark)));
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for an entry in " + file, e);
            }
        }
    }

    /** The last {@code count} lines, for error messages. */
    public List<String> tail(int count) {
        List<String> lines = linesSince(new LogMark(file, 0));
        return lines.subList(Math.max(0, lines.size() - count), lines.size());
    }
}
