package org.gerritproxy.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Read-your-writes as one rule for both frontends: who counts as the same writer over SSH and
 * HTTP, how long the window lasts, what a reload does, and that memory stays bounded.
 */
class ReadYourWritesTest {

  private final AtomicLong nanos = new AtomicLong(-5_000_000_000L); // a clock reading may be negative

  private ReadYourWrites store(int maxWriters) {
    return new ReadYourWrites(nanos::get, maxWriters);
  }

  private void at(String seconds) {
    nanos.set(-5_000_000_000L + new BigDecimal(seconds).movePointRight(9).longValueExact());
  }

  /**
   * The writer of a request described as {@code ssh USER}, or {@code http} followed by any of
   * {@code cookie=VALUE}, {@code basic=USER} and {@code addr=ADDRESS}, derived as the frontends
   * derive it.
   */
  static String writerOf(String request) {
    String[] words = request.strip().split("\\s+");
    if (words[0].equals("ssh")) {
      return ReadYourWrites.writer(Optional.of(words[1]), SessionKey.forSsh(words[1]));
    }
    String cookie = null;
    String authorization = null;
    String address = null;
    for (int i = 1; i < words.length; i++) {
      String[] kv = words[i].split("=", 2);
      switch (kv[0]) {
        case "cookie" -> cookie = "GerritAccount=" + kv[1];
        case "basic" -> authorization = "Basic " + Base64.getEncoder()
            .encodeToString((kv[1] + ":pw").getBytes(StandardCharsets.UTF_8));
        case "addr" -> address = kv[1] + ":51234";
        default -> throw new IllegalArgumentException("unknown part " + words[i]);
      }
    }
    return ReadYourWrites.writer(SessionKey.userFromAuthorization(authorization),
        SessionKey.forHttp(cookie, authorization, address));
  }

  /** Who is the same writer: a write at 0 s, a read at 1 s, a window of 10 s. */
  @ParameterizedTest(name = "{0} wrote, {1} reads: master {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          ssh alice                          | ssh alice                          | true
          ssh alice                          | http basic=alice                   | true
          http basic=alice                   | ssh alice                          | true
          http basic=alice addr=10.0.0.7     | http basic=alice addr=10.0.0.8     | true
          http cookie=c1 basic=alice         | ssh alice                          | true
          ssh alice                          | http cookie=c1 basic=alice         | true
          http cookie=c1                     | http cookie=c1                     | true
          http cookie=c1 addr=10.0.0.7       | http cookie=c1 addr=10.0.0.8       | true
          http addr=10.0.0.7                 | http addr=10.0.0.7                 | true
          ssh alice                          | ssh bob                            | false
          ssh alice                          | http basic=bob                     | false
          http basic=alice                   | http basic=alice2                  | false
          ssh alice                          | http addr=10.0.0.7                 | false
          ssh alice                          | http cookie=c1                     | false
          http cookie=c1 basic=alice         | http cookie=c1                     | false
          http cookie=c1                     | http cookie=c2                     | false
          http cookie=c1                     | http cookie=c1 basic=alice         | false
          http addr=10.0.0.7                 | http addr=10.0.0.8                 | false
          http addr=10.0.0.7                 | http basic=alice addr=10.0.0.7     | false
          http addr=10.0.0.7                 | ssh 10.0.0.7                       | false
          http basic=10.0.0.7                | http addr=10.0.0.7                 | false
          """)
  void theSameUserIsTheSameWriterOnEitherFrontend(String writeBy, String readBy, boolean master) {
    ReadYourWrites ryw = store(100);
    Duration window = Duration.ofSeconds(10);
    at("0");
    ryw.wrote(writerOf(writeBy), window);
    at("1");

    assertThat(ryw.readsFromMaster(writerOf(readBy), window)).isEqualTo(master);
  }

  /**
   * When the rule holds: writes by one writer at the given seconds, then a read. Each write moves
   * the deadline; the deadline itself is past.
   */
  @ParameterizedTest(name = "window {0}, writes at {1}, read at {2}: master {3}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          10s   |            | 0            | false
          10s   | 0          | 0            | true
          10s   | 0          | 9.999999999  | true
          10s   | 0          | 10           | false
          10s   | 0          | 3600         | false
          10s   | 0 8        | 17.5         | true
          10s   | 0 8        | 18           | false
          10s   | 0 8 16     | 25           | true
          1s    | 0          | 0.5          | true
          1s    | 0          | 1            | false
          500ms | 0          | 0.499        | true
          500ms | 0          | 0.5          | false
          1h    | 0          | 3599         | true
          1h    | 0          | 3600         | false
          0s    | 0          | 0            | false
          0s    | 0 1 2      | 2            | false
          """)
  void readsGoToTheMasterUntilTheWindowAfterTheLastWrite(
      String window, String writesAt, String readAt, boolean master) {
    ReadYourWrites ryw = store(100);
    Duration w = duration(window);
    for (String t : words(writesAt)) {
      at(t);
      ryw.wrote("user:alice", w);
    }
    at(readAt);

    assertThat(ryw.readsFromMaster("user:alice", w)).isEqualTo(master);
  }

  /**
   * A reload changes the window between a write and a read: the window in force at the read
   * decides, except that writes made while the rule was off were never remembered.
   */
  @ParameterizedTest(name = "written under {0}, read under {1} at {2}: master {3}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          10s | 30s | 20 | true
          30s | 10s | 20 | false
          30s | 10s | 5  | true
          10s | 0s  | 1  | false
          0s  | 10s | 1  | false
          """)
  void aReloadAppliesTheNewWindowAtOnce(
      String writeWindow, String readWindow, String readAt, boolean master) {
    ReadYourWrites ryw = store(100);
    at("0");
    ryw.wrote("user:alice", duration(writeWindow));
    at(readAt);

    assertThat(ryw.readsFromMaster("user:alice", duration(readWindow))).isEqualTo(master);
  }

  @Test
  void aZeroWindowRemembersNothing() {
    ReadYourWrites ryw = store(100);
    for (int i = 0; i < 50; i++) {
      ryw.wrote("user:u" + i, Duration.ZERO);
    }

    assertThat(ryw.size()).isZero();
  }

  @Test
  void expiredWritesAreForgottenWithinAWindowOfTheirDeadline() {
    ReadYourWrites ryw = store(10_000);
    Duration window = Duration.ofSeconds(10);
    at("0");
    for (int i = 0; i < 1000; i++) {
      ryw.wrote("user:u" + i, window);
    }
    assertThat(ryw.size()).isEqualTo(1000);
    at("20");
    ryw.wrote("user:late", window);

    assertThat(ryw.size()).isEqualTo(1);
    assertThat(ryw.readsFromMaster("user:late", window)).isTrue();
  }

  @Test
  void beyondTheCapTheOldestWritesAreForgottenFirst() {
    ReadYourWrites ryw = store(100);
    Duration window = Duration.ofHours(1);
    for (int i = 0; i < 101; i++) {
      at(Integer.toString(i));
      ryw.wrote("user:u" + i, window);
    }

    assertThat(ryw.size()).isEqualTo(90);
    assertThat(ryw.readsFromMaster("user:u10", window)).isFalse();
    assertThat(ryw.readsFromMaster("user:u11", window)).isTrue();
    assertThat(ryw.readsFromMaster("user:u100", window)).isTrue();
  }

  @Test
  void aCapBelowOneIsRefused() {
    assertThatThrownBy(() -> new ReadYourWrites(System::nanoTime, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxWriters");
  }

  /** Runs {@code threads} threads that each write {@code writesEach} writers of their own. */
  private static void writeFromThreads(ReadYourWrites ryw, Duration window, int threads,
      int writesEach) throws InterruptedException {
    List<Thread> started = new ArrayList<>();
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < threads; t++) {
      int id = t;
      Thread thread = new Thread(() -> {
        for (int i = 0; i < writesEach; i++) {
          ryw.wrote("user:t" + id + "-" + i, window);
          ryw.readsFromMaster("user:t" + id + "-" + (i / 2), window);
        }
      });
      thread.setUncaughtExceptionHandler((th, e) -> failures.add(e));
      thread.start();
      started.add(thread);
    }
    for (Thread thread : started) {
      thread.join();
    }
    assertThat(failures).isEmpty();
  }

  @Test
  void writesFromManyThreadsAreAllRememberedBelowTheCap() throws InterruptedException {
    ReadYourWrites ryw = new ReadYourWrites(System::nanoTime, 100_000);
    Duration window = Duration.ofMinutes(10);

    writeFromThreads(ryw, window, 4, 10_000);

    assertThat(ryw.size()).isEqualTo(40_000);
    for (int t = 0; t < 4; t++) {
      for (int i = 0; i < 10_000; i++) {
        assertThat(ryw.readsFromMaster("user:t" + t + "-" + i, window)).isTrue();
      }
    }
  }

  @Test
  void writesFromManyThreadsStayWithinTheCap() throws InterruptedException {
    ReadYourWrites ryw = new ReadYourWrites(System::nanoTime, 1000);
    Duration window = Duration.ofMinutes(10);

    writeFromThreads(ryw, window, 4, 20_000);
    ryw.wrote("user:main", window);

    assertThat(ryw.size()).isLessThanOrEqualTo(1000);
    assertThat(ryw.readsFromMaster("user:main", window)).isTrue();
  }

  /** One step of a random history: a write or a read by one of a few writers, after a pause. */
  record Step(boolean write, int writer, int millisLater) {}

  @Provide
  Arbitrary<List<Step>> histories() {
    Arbitrary<Step> step = Combinators.combine(
        Arbitraries.of(true, false), Arbitraries.integers().between(0, 29),
        Arbitraries.integers().between(0, 3000)).as(Step::new);
    return step.list().ofMaxSize(300);
  }

  /**
   * Against a plain model of every write ever made: the store never sends a read to the master
   * without a write inside the window, never exceeds its cap, and forgets only writers older than
   * the newest nine tenths of the cap.
   */
  @Property(shrinking = ShrinkingMode.BOUNDED)
  void agreesWithTheModelWithinItsCap(@ForAll("histories") List<Step> history,
      @ForAll @IntRange(min = 1, max = 20) int maxWriters,
      @ForAll @IntRange(min = 0, max = 10) int windowSeconds) {
    ReadYourWrites ryw = store(maxWriters);
    Duration window = Duration.ofSeconds(windowSeconds);
    Map<String, Long> model = new HashMap<>();
    LinkedHashSet<String> byRecency = new LinkedHashSet<>(); // oldest first
    int kept = Math.max(maxWriters - maxWriters / 10, 1);
    for (Step s : history) {
      nanos.addAndGet(s.millisLater() * 1_000_000L);
      String writer = "user:w" + s.writer();
      if (s.write()) {
        ryw.wrote(writer, window);
        if (!window.isZero()) {
          model.put(writer, nanos.get());
          byRecency.remove(writer);
          byRecency.add(writer);
        }
        assertThat(ryw.size()).isLessThanOrEqualTo(maxWriters);
        continue;
      }
      boolean recent = model.containsKey(writer)
          && nanos.get() - model.get(writer) < window.toNanos();
      boolean master = ryw.readsFromMaster(writer, window);
      if (!recent) {
        assertThat(master).as("%s has no write within %s", writer, window).isFalse();
      } else if (newerThan(byRecency, writer) < kept) {
        assertThat(master).as("%s wrote within %s and is among the newest", writer, window).isTrue();
      }
    }
  }

  /** How many writers in {@code oldestFirst} wrote after {@code writer}. */
  private static int newerThan(LinkedHashSet<String> oldestFirst, String writer) {
    List<String> order = new ArrayList<>(oldestFirst);
    return order.size() - 1 - order.indexOf(writer);
  }

  private static Duration duration(String text) {
    String t = text.strip();
    if (t.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
    }
    long n = Long.parseLong(t.substring(0, t.length() - 1));
    return switch (t.charAt(t.length() - 1)) {
      case 's' -> Duration.ofSeconds(n);
      case 'h' -> Duration.ofHours(n);
      default -> throw new IllegalArgumentException("unknown duration " + text);
    };
  }

  private static List<String> words(String text) {
    return text == null || text.isBlank() ? List.of() : List.of(text.strip().split("\\s+"));
  }
}
