package org.gerritproxy.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.gerritproxy.packstore.PackCacheObserver;
import org.gerritproxy.packstore.PackCacheScope;
import org.gerritproxy.packstore.PackStore;
import org.gerritproxy.packstore.TipNames;
import org.gerritproxy.routing.git.PktLines;
import org.gerritproxy.routing.packcache.ProjectPatterns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pack cache's reading of a protocol v2 upload-pack over SSH, against a real store on disk
 * and a scripted node: what goes to the node, what the client gets, and when each side's window
 * comes back. The same against real Gerrit nodes and git is PackCacheOverSshTest (proxy-core).
 */
class CachedFetchesTest {

  private static final String TIP = "1111111111111111111111111111111111111111";
  private static final String SECRET = "2222222222222222222222222222222222222222";
  private static final byte[] ADVERTISEMENT = concat(PktLines.data("version 2\n"),
      PktLines.data("ls-refs=unborn\n"), PktLines.data("fetch=shallow\n"), PktLines.FLUSH);
  private static final byte[] LS_REFS_OF_CLIENT = concat(PktLines.data("command=ls-refs\n"),
      PktLines.DELIM, PktLines.data("ref-prefix refs/heads/\n"), PktLines.FLUSH);
  /** What the node answers the cache's check: the user sees TIP only. */
  private static final byte[] VISIBLE = concat(PktLines.data(TIP + " refs/heads/main\n"),
      PktLines.FLUSH);
  private static final byte[] PACK_ANSWER = concat(PktLines.data("packfile\n"),
      sideBand(1, "PACK and some objects"), sideBand(2, "Total 3 (delta 0)\n"), PktLines.FLUSH);
  private static final byte[] END = PktLines.FLUSH;

  @TempDir Path dir;
  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stopTimers() {
    timers.shutdownNow();
  }

  /** The node and client as the relay sees them. */
  static final class Sides implements CachedFetches.Relay {
    final ByteArrayOutputStream toNode = new ByteArrayOutputStream();
    final ByteArrayOutputStream toClient = new ByteArrayOutputStream();
    long clientWindowBack;
    long nodeWindowBack;
    String cut;

    @Override
    public void toNode(byte[] bytes, int off, int len, int release) {
      toNode.write(bytes, off, len);
      clientWindowBack += release;
    }

    @Override
    public void toClient(byte[] bytes, int off, int len) {
      toClient.write(bytes, off, len);
      nodeWindowBack += len;
    }

    @Override
    public void fromCache(byte[] bytes, int len, Runnable written) {
      toClient.write(bytes, 0, len);
      written.run();
    }

    @Override
    public void nodeConsumed(int len) {
      nodeWindowBack += len;
    }

    @Override
    public void clientConsumed(int len) {
      clientWindowBack += len;
    }

    @Override
    public void cutClient(String why) {
      cut = why;
    }

    int held;

    @Override
    public Runnable holdNode() {
      held++;
      return () -> held--;
    }

    String nodeSaw() {
      return toNode.toString(StandardCharsets.ISO_8859_1);
    }
  }

  /** Counts what the cache tells the metrics. */
  static final class Told implements PackCacheObserver {
    final List<String> said = new ArrayList<>();

    @Override
    public void answered(Outcome outcome, long bytes) {
      said.add(outcome.name());
    }

    @Override
    public void passed(String reason) {
      said.add("passed " + reason);
    }
  }

  private final Told told = new Told();

  private PackCacheScope scope(PackStore store) {
    return new PackCacheScope(new ProjectPatterns(List.of("ci/*")), Optional.of(store), told,
        new TipNames(1000));
  }

  private CachedFetches session(PackCacheScope scope, Sides sides) {
    CachedFetches f = new CachedFetches("ci/app", scope, sides, Runnable::run, timers,
        new AtomicLong());
    f.fromNode(ADVERTISEMENT, 0, ADVERTISEMENT.length);
    return f;
  }

  private static void send(CachedFetches f, byte[] request) {
    f.fromClient(request, 0, request.length);
  }

  private static void answer(CachedFetches f, byte[] answer) {
    f.fromNode(answer, 0, answer.length);
  }

  @Test
  void aRepeatedFetchIsAnsweredFromTheCacheAfterTheUsersOwnLsRefs() {
    PackStore store = PackStore.open(dir, 1 << 20, PackCacheObserver.NONE);
    Sides first = new Sides();
    CachedFetches one = session(scope(store), first);
    send(one, LS_REFS_OF_CLIENT);
    assertThat(first.nodeSaw()).isEqualTo(new String(LS_REFS_OF_CLIENT,
        StandardCharsets.ISO_8859_1));
    answer(one, VISIBLE); // the client's own ls-refs answer, relayed
    send(one, fetch(TIP));
    assertThat(first.nodeSaw())
        .as("the check, on the same upload-pack, of the ref the client's own ls-refs showed")
        .endsWith("0014command=ls-refs\n" + "0022agent=gerrit-proxy-pack-cache\n"
            + "0017object-format=sha1\n0001" + "0009peel\n001fref-prefix refs/heads/main\n0000");
    answer(one, VISIBLE); // kept from the client
    assertThat(first.nodeSaw()).as("then the fetch itself, to fill the entry")
        .endsWith(new String(fetch(TIP), StandardCharsets.ISO_8859_1));
    answer(one, PACK_ANSWER);
    send(one, END);

    assertThat(first.toClient.toByteArray()).isEqualTo(
        concat(ADVERTISEMENT, VISIBLE, PACK_ANSWER));
    long sent = LS_REFS_OF_CLIENT.length + fetch(TIP).length + END.length;
    assertThat(first.clientWindowBack).isEqualTo(sent);
    assertThat(first.nodeWindowBack).isEqualTo(
        ADVERTISEMENT.length + 2L * VISIBLE.length + PACK_ANSWER.length);
    assertThat(told.said).containsExactly("MISS");

    Sides second = new Sides();
    CachedFetches two = session(scope(store), second);
    send(two, fetch(TIP));
    answer(two, VISIBLE);
    send(two, END);
    assertThat(second.nodeSaw()).as("the node checks the user's refs and builds no pack")
        .doesNotContain("command=fetch").contains("command=ls-refs").endsWith("0000");
    assertThat(second.toClient.toByteArray()).isEqualTo(concat(ADVERTISEMENT, PACK_ANSWER));
    assertThat(second.clientWindowBack).isEqualTo(fetch(TIP).length + END.length);
    assertThat(told.said).containsExactly("MISS", "HIT");
  }

  /**
   * A check asks Gerrit about the refs its wants were last seen under, when they are known; a
   * check that no longer shows the want there sends the fetch to the node, and the next asks about
   * every ref again.
   */
  @Test
  void aCheckAsksOnlyAboutTheRefsItsWantsWereSeenUnder() {
    PackStore store = PackStore.open(dir, 1 << 20, PackCacheObserver.NONE);
    PackCacheScope scope = scope(store);
    String everyRef = "0009peel\n0000";
    String named = "0009peel\n001fref-prefix refs/heads/main\n0000";

    Sides first = new Sides();
    CachedFetches one = session(scope, first);
    send(one, fetch(TIP));
    assertThat(first.nodeSaw()).as("nothing known yet: every ref").endsWith(everyRef);
    answer(one, VISIBLE);
    answer(one, PACK_ANSWER);

    Sides second = new Sides();
    CachedFetches two = session(scope, second);
    send(two, fetch(TIP));
    assertThat(second.nodeSaw()).as("the name the first check showed").endsWith(named);
    // The branch moved on: Gerrit shows another id under that name.
    answer(two, concat(PktLines.data(SECRET + " refs/heads/main\n"), PktLines.FLUSH));
    assertThat(second.nodeSaw()).as("the node decides")
        .endsWith(new String(fetch(TIP), StandardCharsets.ISO_8859_1));
    assertThat(told.said).containsExactly("MISS", "passed not_visible");

    Sides third = new Sides();
    CachedFetches three = session(scope, third);
    send(three, fetch(TIP));
    assertThat(third.nodeSaw()).as("the stale name was forgotten").endsWith(everyRef);
  }

  @Test
  void aWantThatIsNoTipTheUserSeesGoesToTheNodeWhichDecides() {
    PackStore store = PackStore.open(dir, 1 << 20, PackCacheObserver.NONE);
    Sides sides = new Sides();
    CachedFetches f = session(scope(store), sides);
    send(f, fetch(SECRET));
    answer(f, VISIBLE);
    assertThat(sides.nodeSaw()).endsWith(new String(fetch(SECRET), StandardCharsets.ISO_8859_1));
    byte[] refusal = concat(PktLines.data("ERR upload-pack: not our ref " + SECRET + "\n"));
    answer(f, refusal);
    assertThat(sides.toClient.toByteArray()).isEqualTo(concat(ADVERTISEMENT, refusal));
    assertThat(told.said).containsExactly("passed not_visible");
    assertThat(store.entries()).isZero();
  }

  @Test
  void aFetchWaitsForTheNodesEarlierAnswerBeforeItIsChecked() {
    PackStore store = PackStore.open(dir, 1 << 20, PackCacheObserver.NONE);
    Sides sides = new Sides();
    CachedFetches f = session(scope(store), sides);
    // A client that sends its fetch before its ls-refs was answered.
    send(f, concat(LS_REFS_OF_CLIENT, fetch(TIP)));
    assertThat(sides.nodeSaw()).as("nothing of the proxy's own before the answer")
        .isEqualTo(new String(LS_REFS_OF_CLIENT, StandardCharsets.ISO_8859_1));
    answer(f, VISIBLE);
    assertThat(sides.nodeSaw()).contains("command=ls-refs\n0022agent=gerrit-proxy-pack-cache");
    assertThat(sides.toClient.toByteArray()).isEqualTo(concat(ADVERTISEMENT, VISIBLE));
  }

  @Test
  void aRequestInPiecesOfOneByteIsReadTheSame() {
    PackStore store = PackStore.open(dir, 1 << 20, PackCacheObserver.NONE);
    Sides sides = new Sides();
    CachedFetches f = session(scope(store), sides);
    byte[] request = fetch(TIP);
    for (int i = 0; i < request.length; i++) {
      f.fromClient(request, i, 1);
    }
    byte[] check = VISIBLE;
    for (int i = 0; i < check.length; i++) {
      f.fromNode(check, i, 1);
    }
    answer(f, PACK_ANSWER);
    assertThat(sides.toClient.toByteArray()).isEqualTo(concat(ADVERTISEMENT, PACK_ANSWER));
    assertThat(told.said).containsExactly("MISS");
  }

  @Test
  void aNodeAnswerCutOffMidFillCutsTheClientAndKeepsNothing() {
    PackStore store = PackStore.open(dir, 1 << 20, PackCacheObserver.NONE);
    Sides sides = new Sides();
    CachedFetches f = session(scope(store), sides);
    send(f, fetch(TIP));
    answer(f, VISIBLE);
    f.fromNode(PACK_ANSWER, 0, PACK_ANSWER.length / 2);
    f.ended(); // the node's channel closed
    assertThat(store.entries()).isZero();
    assertThat(sides.toClient.size()).as("never the whole answer")
        .isLessThan(ADVERTISEMENT.length + PACK_ANSWER.length);
    assertThat(told.said).as("counted, as over HTTP, though cut").containsExactly("MISS");
  }

  @Test
  void aCommandThatEndsWhileItsCheckIsAnsweredLeavesNoFillForOthersToWaitOn() {
    PackStore store = PackStore.open(dir, 1 << 20, PackCacheObserver.NONE);
    java.util.ArrayDeque<Runnable> later = new java.util.ArrayDeque<>();
    Sides gone = new Sides();
    CachedFetches f = new CachedFetches("ci/app", scope(store), gone, later::add, timers,
        new AtomicLong());
    f.fromNode(ADVERTISEMENT, 0, ADVERTISEMENT.length);
    send(f, fetch(TIP));
    answer(f, VISIBLE); // the check's answer is in; deciding on it is queued
    f.ended(); // and the client hangs up before it runs
    while (!later.isEmpty()) {
      later.poll().run();
    }
    assertThat(gone.nodeSaw()).doesNotContain("command=fetch");

    Sides next = new Sides();
    CachedFetches g = session(scope(store), next);
    send(g, fetch(TIP));
    answer(g, VISIBLE);
    assertThat(next.nodeSaw()).as("the next identical fetch fills the entry itself")
        .contains("command=fetch");
    answer(g, PACK_ANSWER);
    assertThat(next.toClient.toByteArray()).isEqualTo(concat(ADVERTISEMENT, PACK_ANSWER));
    assertThat(told.said).containsExactly("MISS");
  }

  @Test
  void aRequestCutOffByTheClientsEofGoesToTheNodeBeforeItsEof() {
    PackStore store = PackStore.open(dir, 1 << 20, PackCacheObserver.NONE);
    Sides sides = new Sides();
    CachedFetches f = session(scope(store), sides);
    byte[] request = fetch(TIP);
    f.fromClient(request, 0, 20);
    List<String> order = new ArrayList<>();
    f.clientEof(() -> order.add("EOF after " + sides.toNode.size() + " bytes"));
    assertThat(order).containsExactly("EOF after 20 bytes");
  }

  @Test
  void aFillGoesOnForTheOthersWhenItsClientLeaves() throws Exception {
    PackStore store = PackStore.open(dir, 1 << 20, PackCacheObserver.NONE);
    Sides first = new Sides();
    CachedFetches leader = session(scope(store), first);
    send(leader, fetch(TIP));
    answer(leader, VISIBLE);
    assertThat(first.held).as("the node's session is held while the fill runs").isEqualTo(1);
    leader.fromNode(PACK_ANSWER, 0, 10);

    Sides second = new Sides();
    CachedFetches follower = session(scope(store), second);
    send(follower, fetch(TIP));
    answer(follower, VISIBLE); // reads along the fill

    List<String> closed = new ArrayList<>();
    assertThat(leader.clientGone(new CachedFetches.Orphan(() -> closed.add("EOF to the node"),
        () -> closed.add("node channel closed")))).isTrue();
    assertThat(closed).as("not while the answer comes").isEmpty();
    leader.fromNode(PACK_ANSWER, 10, PACK_ANSWER.length - 10);
    assertThat(closed).as("ended as git ends it").containsExactly("EOF to the node");
    assertThat(first.held).as("until the node's channel closes").isEqualTo(1);
    assertThat(leader.orphaned()).isTrue();
    assertThat(second.toClient.toByteArray()).isEqualTo(concat(ADVERTISEMENT, PACK_ANSWER));
    assertThat(store.entries()).isEqualTo(1);
    assertThat(told.said).containsExactly("MISS", "COALESCED");
  }

  @Test
  void aClientThatLeavesWithNoFillUnderWayHasItsNodeChannelClosedAtOnce() {
    PackStore store = PackStore.open(dir, 1 << 20, PackCacheObserver.NONE);
    Sides sides = new Sides();
    CachedFetches f = session(scope(store), sides);
    send(f, LS_REFS_OF_CLIENT);
    assertThat(f.clientGone(new CachedFetches.Orphan(() -> { }, () -> { }))).isFalse();
    assertThat(f.orphaned()).isFalse();
  }

  @Test
  void anUncacheableFetchPassesAsItCame() {
    PackStore store = PackStore.open(dir, 1 << 20, PackCacheObserver.NONE);
    Sides sides = new Sides();
    CachedFetches f = session(scope(store), sides);
    byte[] wantRef = concat(PktLines.data("command=fetch\n"), PktLines.DELIM,
        PktLines.data("want-ref refs/heads/main\n"), PktLines.data("done\n"), PktLines.FLUSH);
    send(f, wantRef);
    assertThat(sides.nodeSaw()).isEqualTo(new String(wantRef, StandardCharsets.ISO_8859_1));
    assertThat(told.said).containsExactly("passed uncacheable");
  }

  @Test
  void aStreamThatIsNoPktLineStreamPassesThroughWhole() {
    PackStore store = PackStore.open(dir, 1 << 20, PackCacheObserver.NONE);
    Sides sides = new Sides();
    CachedFetches f = session(scope(store), sides);
    byte[] junk = "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    send(f, junk);
    send(f, fetch(TIP));
    assertThat(sides.toNode.toByteArray()).isEqualTo(concat(junk, fetch(TIP)));
    assertThat(sides.clientWindowBack).isEqualTo(junk.length + fetch(TIP).length);
  }

  @Test
  void junkFromTheClientDuringACheckCutsNothingAndFollowsTheFetch() {
    PackStore store = PackStore.open(dir, 1 << 20, PackCacheObserver.NONE);
    Sides sides = new Sides();
    CachedFetches f = session(scope(store), sides);
    send(f, fetch(TIP));
    byte[] junk = "not git\n".getBytes(StandardCharsets.US_ASCII);
    send(f, junk);
    for (int i = 0; i < VISIBLE.length; i++) {
      f.fromNode(VISIBLE, i, 1); // the check's answer in pieces
    }
    assertThat(sides.cut).isNull();
    answer(f, PACK_ANSWER);
    assertThat(sides.toClient.toByteArray()).isEqualTo(concat(ADVERTISEMENT, PACK_ANSWER));
    assertThat(sides.nodeSaw()).as("the junk goes on after the fetch, as it came")
        .endsWith(new String(fetch(TIP), StandardCharsets.ISO_8859_1) + "not git\n");
  }

  static byte[] fetch(String want) {
    return concat(PktLines.data("command=fetch\n"), PktLines.data("agent=git/2.39.5\n"),
        PktLines.data("object-format=sha1\n"), PktLines.DELIM, PktLines.data("thin-pack\n"),
        PktLines.data("ofs-delta\n"), PktLines.data("want " + want + "\n"),
        PktLines.data("done\n"), PktLines.FLUSH);
  }

  private static byte[] sideBand(int band, String text) {
    byte[] t = text.getBytes(StandardCharsets.ISO_8859_1);
    byte[] line = new byte[t.length + 5];
    System.arraycopy(String.format("%04x", line.length).getBytes(StandardCharsets.US_ASCII), 0,
        line, 0, 4);
    line[4] = (byte) band;
    System.arraycopy(t, 0, line, 5, t.length);
    return line;
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      o.writeBytes(p);
    }
    return o.toByteArray();
  }
}
