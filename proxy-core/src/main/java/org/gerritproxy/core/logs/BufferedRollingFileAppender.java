package org.gerritproxy.core.logs;

import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.util.Duration;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Logback's {@link RollingFileAppender} for the access logs, buffered: lines are written in the
 * caller's thread into the file's buffer ({@code bufferSize}, 8 KB by default) and reach the file
 * when the buffer is full or, at the latest, every {@code flushInterval} (1 s by default), and
 * when the appender stops.
 *
 * <p>Why not {@code AsyncAppender} in front of an unbuffered file: one line per request then costs
 * a hand-off to Logback's worker thread (a wake-up and two context switches when the queue ran
 * empty, as it does between requests) and one write system call. On the 2-core benchmark machine
 * that was a fifth to a third of the proxy's CPU per small request (bench/NOTES.md). Here a
 * request costs formatting its line and copying it into the buffer; a write system call carries
 * about a hundred lines. What is given up: up to one interval of lines is lost if the process is
 * killed with {@code kill -9}; a normal stop writes everything.
 *
 * <p>Configured like {@code RollingFileAppender}, plus {@code <flushInterval>1 second</flushInterval>}.
 * {@code immediateFlush} is always off, since flushing each line is what this appender avoids.
 */
public class BufferedRollingFileAppender<E> extends RollingFileAppender<E> {

  private Duration flushInterval = Duration.buildBySeconds(1);
  private ScheduledFuture<?> flusher;

  public Duration getFlushInterval() {
    return flushInterval;
  }

  public void setFlushInterval(Duration flushInterval) {
    this.flushInterval = flushInterval;
  }

  @Override
  public void start() {
    if (flushInterval == null || flushInterval.getMilliseconds() <= 0) {
      addError("flushInterval must be positive for the appender named [" + name + "]");
      return;
    }
    setImmediateFlush(false);
    super.start();
    if (isStarted()) {
      long ms = flushInterval.getMilliseconds();
      flusher = getContext().getScheduledExecutorService()
          .scheduleWithFixedDelay(this::flush, ms, ms, TimeUnit.MILLISECONDS);
      getContext().addScheduledFuture(flusher);
    }
  }

  @Override
  public void stop() {
    ScheduledFuture<?> f = flusher;
    if (f != null) {
      f.cancel(false);
      flusher = null;
    }
    flush();
    super.stop();
  }

  /** Writes what the buffer holds to the file now. */
  public void flush() {
    streamWriteLock.lock();
    try {
      OutputStream out = getOutputStream();
      if (out != null) {
        out.flush();
      }
    } catch (IOException e) {
      addError("cannot write the buffered lines of [" + name + "] to " + getFile(), e);
    } finally {
      streamWriteLock.unlock();
    }
  }
}
