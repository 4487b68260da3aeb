package org.gerritproxy.ssh;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.sshd.server.channel.ChannelSession;
import org.gerritproxy.packstore.PackCacheObserver.Outcome;
import org.gerritproxy.packstore.PackCacheScope;
import org.gerritproxy.packstore.PackFill;
import org.gerritproxy.packstore.PackSource;
import org.gerritproxy.packstore.PackStore;
import org.gerritproxy.packstore.TipNames;
import org.gerritproxy.routing.git.PktMessages;
import org.gerritproxy.routing.packcache.FetchRequest;
import org.gerritproxy.routing.packcache.VisibleRefs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pack cache on a protocol v2 {@code git-upload-pack} over SSH: the same entries, keys and
 * check as over HTTP (docs/pack-cache.md), on the one upload-pack the user's command runs on its
 * node as that user ({@code suexec}).
 *
 * <p>Protocol v2 is stateless between commands: every request (command, capabilities, arguments,
 * flush-pkt) carries all its answer depends on, and the node answers each with one message ending
 * in a flush-pkt. So the client's requests are read whole here, one at a time:
 * <ul>
 *   <li>a request the cache does not answer ({@code ls-refs}, an uncacheable fetch, the final
 *       flush-pkt) goes on to the node as it came;
 *   <li>a cacheable {@code fetch} waits until the node has answered everything before it, then
 *       the proxy asks the node, on the same upload-pack and so as the same user, for that user's
 *       {@code ls-refs} (peeled), and keeps the answer to itself. Only when every want is the tip
 *       of a ref in it is the fetch answered from the cache: a whole entry, one being filled (read
 *       along), or a new one that the node's answer to this request fills as it is relayed.
 *       Otherwise the request goes to the node, which decides.
 * </ul>
 *
 * <p>Backpressure: the client's window for a request is given back only once the request went to
 * the node or its answer was sent; an answer from the cache goes out a few packets at a time, the
 * next once those were written within the client's window. The node's answer to a request that
 * fills an entry is written to disk as it comes (the disk is the buffer, as over HTTP), so a slow
 * client never holds the node back from the others reading along.
 *
 * <p>The fill rides on the first client's own upload-pack: when that client hangs up mid-fill, the
 * node's answer still goes on into the entry for the clients reading along ({@link #clientGone});
 * once it is in, the node's command is ended with EOF, as git ends it, and its session let go.
 */
final class CachedFetches {
  private static final Logger log = LoggerFactory.getLogger(CachedFetches.class);
  /** A request longer than this is no fetch the cache answers: from there on all passes through. */
  static final int MAX_REQUEST = 1024 * 1024;
  /** How much of an entry is queued for the client at a time. */
  private static final int SERVE_CHUNK = 256 * 1024;

  /** How bytes leave: the command's ordinary relay, which gives the sender's window back. */
  interface Relay {
    /**
     * Sends client bytes to the node; {@code release} bytes of the client's window come back once
     * they are written. Called under this object's lock: it must not wait.
     */
    void toNode(byte[] bytes, int off, int len, int release);

    /** Sends node bytes to the client, giving the node its window back once written. */
    void toClient(byte[] bytes, int off, int len);

    /** Sends cache bytes to the client; {@code written} runs once they are out. */
    void fromCache(byte[] bytes, int len, Runnable written);

    /** Gives the node back {@code len} bytes of window (bytes the proxy kept for itself). */
    void nodeConsumed(int len);

    /** Gives the client back {@code len} bytes of window. */
    void clientConsumed(int len);

    /** Ends the client's command abruptly: its answer cannot be completed. */
    void cutClient(String why);

    /**
     * Keeps the node's session open even when the client's connection closes, until the returned
     * release runs or the node's channel closes: an entry's fill goes on for the clients reading
     * along.
     */
    Runnable holdNode();
  }

  /** A request read whole, or raw bytes once the stream is no longer read. */
  private record Pending(byte[] bytes, boolean raw) {}

  private final String project;
  private final PackCacheScope scope;
  private final Relay relay;
  private final Executor threads;
  private final ScheduledExecutorService timers;
  private final AtomicLong bytesOut;

  private final PktMessages requests = new PktMessages();
  private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private final PktMessages answers = new PktMessages();
  /** Answers the node still owes: its capability advertisement, then one per request sent. */
  private int owed = 1;
  /** Where the node's current answer goes, when the proxy asked for it itself. */
  private Capture capture;
  /**
   * The node's answer to the client's own ls-refs, copied as it is relayed: the names in it are
   * what the check of the fetch that follows asks about ({@link TipNames}). Null when not copying.
   */
  private ByteArrayOutputStream names;
  /** A cacheable fetch is being checked or served: nothing else goes to the node meanwhile. */
  private boolean busy;
  /** The stream could not be read as protocol v2: everything passes through from here. */
  private boolean passThrough;
  private Runnable endOfInput;
  private Serving serving;
  private boolean over;
  /** The client left while this command's answer was filling an entry. */
  private boolean orphaned;

  CachedFetches(String project, PackCacheScope scope, Relay relay, Executor threads,
      ScheduledExecutorService timers, AtomicLong bytesOut) {
    this.project = project;
    this.scope = scope;
    this.relay = relay;
    this.threads = threads;
    this.timers = timers;
    this.bytesOut = bytesOut;
  }

  // ------------------------------------------------------------------ the client's requests

  /** Bytes of the client's stdin; their window is given back as they are sent or answered. */
  void fromClient(byte[] buf, int start, int len) {
    synchronized (this) {
      if (passThrough) {
        queue.add(new Pending(Arrays.copyOfRange(buf, start, start + len), true));
      } else {
        read(buf, start, start + len);
      }
    }
    pump();
  }

  private void read(byte[] buf, int at, int end) {
    while (at < end) {
      int e;
      try {
        e = requests.endOfMessage(buf, at, end);
      } catch (IllegalArgumentException bad) {
        giveUp(buf, at, end, "the client's stream is no pkt-line stream");
        return;
      }
      int stop = e < 0 ? end : e;
      partial.write(buf, at, stop - at);
      at = stop;
      if (e >= 0) {
        queue.add(new Pending(partial.toByteArray(), false));
        partial.reset();
      } else if (partial.size() > MAX_REQUEST) {
        giveUp(buf, at, end, "a request is larger than " + MAX_REQUEST + " bytes");
        return;
      }
    }
  }

  /** From here on the client's bytes go to the node as they come. */
  private void giveUp(byte[] buf, int at, int end, String why) {
    log.debug("pack cache over SSH: {} in {}; passing the rest on", why, project);
    passThrough = true;
    partial.write(buf, at, end - at);
    queue.add(new Pending(partial.toByteArray(), true));
    partial.reset();
  }

  /** The client sent EOF: {@code end} tells the node, once everything before it went on. */
  void clientEof(Runnable end) {
    synchronized (this) {
      if (partial.size() > 0) {
        // A request cut off by the client's EOF: the node gets it as it is, and judges it.
        queue.add(new Pending(partial.toByteArray(), true));
        partial.reset();
      }
      endOfInput = end;
    }
    pump();
  }

  /**
   * Sends on what can go now, up to the next cacheable fetch, which it starts checking. Bytes for
   * the node are handed on under the lock, so that they reach it in the order the client sent them
   * whichever thread pumps.
   */
  private void pump() {
    Runnable end = null;
    synchronized (this) {
      while (!busy && !over) {
        Pending p = queue.peek();
        if (p == null) {
          if (endOfInput != null) {
            end = endOfInput;
            endOfInput = null;
          }
          break;
        }
        FetchRequest parsed = p.raw() || passThrough ? null : parse(p.bytes());
        FetchRequest fetch = parsed == null ? null : cacheable(parsed);
        if (fetch != null && owed > 0) {
          break; // the node is still answering earlier requests; their end resumes this
        }
        queue.poll();
        if (fetch != null) {
          busy = true;
          check(fetch, p.bytes());
          break;
        }
        if (!p.raw()) {
          if (parsed != null && parsed.command().equals("ls-refs") && owed == 0
              && capture == null) {
            names = new ByteArrayOutputStream(); // its answer is the next the node sends
          }
          owed++;
        }
        relay.toNode(p.bytes(), 0, p.bytes().length, p.bytes().length);
      }
    }
    if (end != null) {
      end.run();
    }
  }

  /** The request as a v2 command request, or null. */
  private FetchRequest parse(byte[] request) {
    try {
      return FetchRequest.parse(project, request);
    } catch (IllegalArgumentException e) {
      return null; // the final flush-pkt, or something the node will judge
    }
  }

  /** The request as a fetch the cache may answer, or null. */
  private FetchRequest cacheable(FetchRequest f) {
    if (!f.command().equals("fetch")) {
      return null;
    }
    Optional<String> why = f.uncacheableBecause();
    if (why.isPresent()) {
      log.debug("pack cache over SSH: a fetch of {} is passed on: {}", project, why.get());
      scope.observer().passed("uncacheable");
      return null;
    }
    return f;
  }

  // ------------------------------------------------------------------ the check

  /**
   * Asks the node for the user's ls-refs, on the user's own upload-pack: of the refs the wants were
   * last seen under, when they are known ({@link org.gerritproxy.packstore.TipNames}). Under the
   * lock.
   */
  private void check(FetchRequest fetch, byte[] request) {
    capture = new LsRefs(fetch, request);
    owed++;
    byte[] b = VisibleRefs.lsRefsRequest(PackCacheScope.AGENT, fetch.objectFormat(),
        scope.tipNames().checkPrefixes(fetch));
    relay.toNode(b, 0, b.length, 0);
  }

  private void checked(FetchRequest fetch, byte[] request, Optional<VisibleRefs> refs) {
    if (refs.isEmpty()) {
      pass(request, "check_failed");
      return;
    }
    scope.tipNames().checked(fetch, refs.get());
    if (!refs.get().mayBeServed(fetch)) {
      pass(request, "not_visible"); // Gerrit decides whether this user may have these objects
      return;
    }
    PackStore store = scope.store().orElseThrow();
    PackStore.Lookup found = store.lookup(refs.get().entryKey(fetch));
    if (found instanceof PackStore.Lookup.Hit hit) {
      serve(hit.source(), Outcome.HIT, request.length);
    } else if (found instanceof PackStore.Lookup.Follow follow) {
      serve(follow.source(), Outcome.COALESCED, request.length);
    } else if (found instanceof PackStore.Lookup.Lead lead) {
      Runnable release = relay.holdNode(); // before the lock, given back if the command ended
      synchronized (this) {
        if (over) {
          // The command ended while its check was under way: nobody will fill this entry, and
          // identical fetches must not wait for it.
          release.run();
          lead.fill().fail();
          lead.source().close();
          return;
        }
        capture = new Fill(lead.fill(), watch(lead.fill()), release);
        owed++;
        relay.toNode(request, 0, request.length, 0);
      }
      serve(lead.source(), Outcome.MISS, request.length);
    } else {
      log.debug("pack cache over SSH: a fetch of {} is passed on: {}", project,
          ((PackStore.Lookup.Unavailable) found).why());
      pass(request, "unavailable");
    }
  }

  /** The request goes to the node after all. */
  private void pass(byte[] request, String reason) {
    scope.observer().passed(reason);
    synchronized (this) {
      owed++;
      busy = false;
      relay.toNode(request, 0, request.length, request.length);
    }
    pump();
  }

  // ------------------------------------------------------------------ the node's answers

  /** Bytes of the node's stdout. */
  void fromNode(byte[] data, int off, int len) {
    int at = off;
    int end = off + len;
    while (at < end) {
      Capture c;
      ByteArrayOutputStream copy;
      int e;
      boolean unreadable = false;
      synchronized (this) {
        c = capture;
        copy = names;
        try {
          e = passThrough && c == null ? -1 : answers.endOfMessage(data, at, end);
        } catch (IllegalArgumentException bad) {
          log.debug("pack cache over SSH: the node's stream is no pkt-line stream ({})", project);
          passThrough = true;
          capture = null;
          unreadable = true;
          e = -1;
        }
      }
      int stop = e < 0 ? end : e;
      if (c != null) {
        c.take(data, at, stop - at);
        relay.nodeConsumed(stop - at);
      } else {
        if (copy != null) {
          copyNames(copy, data, at, stop - at);
        }
        relay.toClient(data, at, stop - at);
      }
      at = stop;
      if (e >= 0) {
        boolean resume;
        synchronized (this) {
          owed--;
          if (c != null) {
            capture = null;
          } else if (copy != null && names == copy) {
            names = null;
          } else {
            copy = null;
          }
          resume = owed == 0;
        }
        if (c == null && copy != null) {
          scope.tipNames().learn(project, copy.toByteArray());
        }
        if (c != null) {
          threads.execute(c::ended);
        }
        if (resume) {
          threads.execute(this::pump);
        }
      } else if (c != null && unreadable) {
        c.abandoned();
        relay.cutClient("fatal: Gerrit node answered in something other than git's protocol;"
            + " retry the fetch.");
        return;
      }
    }
  }

  private void copyNames(ByteArrayOutputStream copy, byte[] data, int off, int len) {
    if (copy.size() + len > TipNames.MAX_ANSWER_READ) {
      synchronized (this) {
        if (names == copy) {
          names = null; // a clone's every branch and tag: not read for names
        }
      }
      copy.reset();
      return;
    }
    copy.write(data, off, len);
  }

  /** How the node's command of a client that left is ended once its fill is in, or failed. */
  record Orphan(Runnable endInput, Runnable close) {}

  /**
   * The client's channel went away. Its answer stops; but when the node is still sending the
   * answer that fills an entry, that goes on for the clients reading along, and {@code ends} ends
   * the node's command once it is in (or failed).
   *
   * @return true when the node's channel is to stay open until then
   */
  boolean clientGone(Orphan ends) {
    Serving s;
    boolean filling;
    synchronized (this) {
      over = true;
      queue.clear();
      s = serving;
      serving = null;
      filling = capture instanceof Fill;
      if (filling) {
        ((Fill) capture).orphan(ends);
        orphaned = true;
      }
    }
    if (s != null) {
      s.cut();
    }
    return filling;
  }

  /** True when the client left while this command's node answer was filling an entry. */
  synchronized boolean orphaned() {
    return orphaned;
  }

  /** The node's channel ended (or the client's did): what was under way cannot complete. */
  void ended() {
    Capture c;
    Serving s;
    synchronized (this) {
      over = true;
      c = capture;
      capture = null;
      s = serving;
      serving = null;
    }
    if (c != null) {
      c.abandoned();
    }
    if (s != null) {
      s.cut();
    }
  }

  /** An answer the proxy asked for itself, kept from the client. */
  private interface Capture {
    void take(byte[] data, int off, int len);

    /** Its flush-pkt came: the answer is whole (as pkt-lines go). */
    void ended();

    /** It will never end. */
    void abandoned();
  }

  private final class LsRefs implements Capture {
    private final FetchRequest fetch;
    private final byte[] request;
    private final ByteArrayOutputStream answer = new ByteArrayOutputStream();
    private boolean tooLarge;

    LsRefs(FetchRequest fetch, byte[] request) {
      this.fetch = fetch;
      this.request = request;
    }

    @Override
    public void take(byte[] data, int off, int len) {
      if (answer.size() + len > VisibleRefs.MAX_ANSWER) {
        tooLarge = true;
        answer.reset();
      }
      if (!tooLarge) {
        answer.write(data, off, len);
      }
    }

    @Override
    public void ended() {
      Optional<VisibleRefs> refs = Optional.empty();
      if (!tooLarge) {
        try {
          refs = Optional.of(VisibleRefs.parseLsRefs(answer.toByteArray()));
        } catch (IllegalArgumentException e) {
          log.info("pack cache over SSH: the ls-refs check of {} failed ({}); passing the fetch"
              + " on", project, e.getMessage());
        }
      }
      checked(fetch, request, refs);
    }

    @Override
    public void abandoned() {
      // The node went away mid-check: the command ends, with nothing sent for this request.
    }
  }

  /**
   * Cuts the command off when the node sends nothing for {@link PackFill#IDLE_LIMIT} in the middle
   * of the answer that fills an entry: the clients reading along would otherwise wait for good.
   */
  private ScheduledFuture<?> watch(PackFill fill) {
    long every = PackFill.IDLE_LIMIT.toMillis();
    long[] seen = {-1};
    return timers.scheduleAtFixedRate(() -> {
      long now = fill.written();
      if (now == seen[0]) {
        log.warn("pack cache over SSH: the node sent nothing for {} in the middle of a pack for {};"
            + " giving the fetch up", PackFill.IDLE_LIMIT, project);
        ended();
        relay.cutClient("fatal: Gerrit node sent nothing for " + PackFill.IDLE_LIMIT.toMinutes()
            + " minutes in the middle of this fetch's pack; retry the fetch.");
      }
      seen[0] = now;
    }, every, every, TimeUnit.MILLISECONDS);
  }

  private static final class Fill implements Capture {
    private final PackFill fill;
    private final ScheduledFuture<?> watch;
    /** Lets the node's session close, when the client's connection is gone. */
    private final Runnable release;
    /** Set when the client left meanwhile: how the node's command is ended, once or failed. */
    private volatile Orphan orphaned;
    private boolean failed;

    Fill(PackFill fill, ScheduledFuture<?> watch, Runnable release) {
      this.fill = fill;
      this.watch = watch;
      this.release = release;
    }

    void orphan(Orphan ends) {
      orphaned = ends;
    }

    /**
     * The answer is in ({@code whole}) or failed. Left by its client, the node's command is ended
     * as git ends it (EOF: upload-pack exits, and the session is let go when the channel closes),
     * or closed when the node failed.
     */
    private void over(boolean whole) {
      watch.cancel(false);
      Orphan o = orphaned;
      if (o == null) {
        release.run();
      } else if (whole) {
        o.endInput().run();
      } else {
        o.close().run();
        release.run();
      }
    }

    @Override
    public void take(byte[] data, int off, int len) {
      if (failed) {
        return; // the disk refused: the rest of the answer is drained, not kept
      }
      try {
        fill.append(off == 0 ? data : Arrays.copyOfRange(data, off, off + len), len);
      } catch (IOException e) {
        failed = true; // the fill failed itself, and told its readers
      }
    }

    @Override
    public void ended() {
      if (!failed) {
        fill.finish();
      }
      over(true);
    }

    @Override
    public void abandoned() {
      fill.fail();
      over(false);
    }
  }

  // ------------------------------------------------------------------ answering from the cache

  /** Sends {@code source} to the client, then goes on with the next request. */
  private void serve(PackSource source, Outcome outcome, int requestLength) {
    Serving s = new Serving(source, outcome, requestLength);
    synchronized (this) {
      if (over) {
        source.close();
        return;
      }
      serving = s;
    }
    s.more();
  }

  /** One answer from the cache on its way to the client, a chunk at a time. */
  private final class Serving {
    private final PackSource source;
    private final Outcome outcome;
    private final int requestLength;
    private volatile long position;
    private boolean counted;

    Serving(PackSource source, Outcome outcome, int requestLength) {
      this.source = source;
      this.outcome = outcome;
      this.requestLength = requestLength;
    }

    void more() {
      try {
        while (true) {
          synchronized (CachedFetches.this) {
            if (over) {
              return;
            }
          }
          long available = source.available();
          if (position < available) {
            int n = (int) Math.min(SERVE_CHUNK, available - position);
            ByteBuffer b = ByteBuffer.allocate(n);
            while (b.hasRemaining()) {
              if (source.read(b, position + b.position()) < 0) {
                throw new IOException("the cache entry ended early");
              }
            }
            position += n;
            bytesOut.addAndGet(n);
            relay.fromCache(b.array(), n, () -> threads.execute(this::more));
            return;
          }
          PackFill.State state = source.state();
          if (state == PackFill.State.FAILED) {
            finished(false);
            relay.cutClient("fatal: the pack for this fetch broke off on its way from Gerrit"
                + " node; retry the fetch.");
            return;
          }
          if (state == PackFill.State.COMPLETE && position >= source.available()) {
            finished(true);
            return;
          }
          if (source.awaitBeyond(position, () -> threads.execute(this::more))) {
            return;
          }
        }
      } catch (IOException | RuntimeException e) {
        log.info("pack cache over SSH: reading an entry for {} failed: {}", project, e.toString());
        finished(false);
        relay.cutClient("fatal: the proxy could not read its cached pack for this fetch ("
            + e.getMessage() + "); retry the fetch.");
      }
    }

    private void finished(boolean whole) {
      synchronized (CachedFetches.this) {
        if (serving == this) {
          serving = null;
        }
        if (!whole) {
          over = true;
        } else {
          busy = false;
        }
      }
      count();
      if (whole) {
        relay.clientConsumed(requestLength);
        pump();
      }
    }

    /** The client went away mid-answer. */
    void cut() {
      count();
    }

    /**
     * Counted once, whole or cut, as over HTTP: a miss whose client left still filled an entry
     * from the node.
     */
    private void count() {
      synchronized (this) {
        if (counted) {
          return;
        }
        counted = true;
      }
      source.close();
      scope.observer().answered(outcome, position);
    }
  }
}
