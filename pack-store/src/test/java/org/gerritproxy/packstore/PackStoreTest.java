package org.gerritproxy.packstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.gerritproxy.routing.git.PktLines;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disk store: one fill per key however many ask at once, readers that tail it, an entry only
 * when the answer was whole, a bound on size, and a directory that cannot be written as no cache.
 */
class PackStoreTest {

  static final String K1 = "1".repeat(64);
  static final String K2 = "2".repeat(64);
  static final String K3 = "3".repeat(64);

  @TempDir Path dir;

  static byte[] answer(int packBytes) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(PktLines.data("packfile\n"));
    for (int left = packBytes; left > 0; left -= 65000) {
      byte[] data = new byte[Math.min(left, 65000) + 1];
      data[0] = 1; // side-band 1
      for (int i = 1; i < data.length; i++) {
        data[i] = (byte) (left + i);
      }
      b.writeBytes(String.format("%04x", data.length + 4).getBytes());
      b.writeBytes(data);
    }
    b.writeBytes(PktLines.FLUSH);
    return b.toByteArray();
  }

  static byte[] readAll(PackSource s) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate((int) s.available());
    long at = 0;
    while (buf.hasRemaining()) {
      at += s.read(buf, at);
    }
    return buf.array();
  }

  @Test
  void identicalRequestsShareOneFillAndReadAlongAsItIsWritten() throws IOException {
    PackStore store = PackStore.open(dir, 1 << 20, PackCacheObserver.NONE);
    PackStore.Lookup first = store.lookup(K1);
    assertThat(first).isInstanceOf(PackStore.Lookup.Lead.class);
    PackFill fill = ((PackStore.Lookup.Lead) first).fill();
    PackStore.Lookup second = store.lookup(K1);
    assertThat(second).isInstanceOf(PackStore.Lookup.Follow.class);
    PackSource follower = ((PackStore.Lookup.Follow) second).source();

    byte[] whole = answer(1000);
    AtomicInteger woken = new AtomicInteger();
    assertThat(follower.awaitBeyond(0, woken::incrementAndGet)).as("nothing written yet").isTrue();
    fill.append(whole, 500);
    assertThat(woken).hasValue(1);
    assertThat(follower.available()).isEqualTo(500);
    assertThat(follower.state()).isEqualTo(PackFill.State.WRITING);
    byte[] rest = java.util.Arrays.copyOfRange(whole, 500, whole.length);
    fill.append(rest, rest.length);
    assertThat(fill.finish()).isTrue();
    assertThat(follower.state()).isEqualTo(PackFill.State.COMPLETE);
    assertThat(readAll(follower)).isEqualTo(whole);

    PackStore.Lookup later = store.lookup(K1);
    assertThat(later).isInstanceOf(PackStore.Lookup.Hit.class);
    assertThat(readAll(((PackStore.Lookup.Hit) later).source())).isEqualTo(whole);
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly(K1);
    }
  }

  @Test
  void aCutAnswerIsNeverKeptAndItsReadersAreTold() throws IOException {
    PackStore store = PackStore.open(dir, 1 << 20, PackCacheObserver.NONE);
    PackStore.Lookup.Lead lead = (PackStore.Lookup.Lead) store.lookup(K1);
    PackSource follower = ((PackStore.Lookup.Follow) store.lookup(K1)).source();
    byte[] whole = answer(1000);
    lead.fill().append(whole, whole.length - 4); // no final flush-pkt
    AtomicInteger woken = new AtomicInteger();
    follower.awaitBeyond(follower.available(), woken::incrementAndGet);
    assertThat(lead.fill().finish()).isFalse();
    assertThat(woken).hasValue(1);
    assertThat(follower.state()).isEqualTo(PackFill.State.FAILED);
    assertThat(store.lookup(K1)).as("the next asker fetches again")
        .isInstanceOf(PackStore.Lookup.Lead.class);
    try (var files = Files.list(dir)) {
      assertThat(files.filter(p -> p.getFileName().toString().equals(K1))).isEmpty();
    }
  }

  @Test
  void acknowledgmentsWithoutAPackReachTheirReadersButAreNotKept() throws IOException {
    PackStore store = PackStore.open(dir, 1 << 20, PackCacheObserver.NONE);
    PackStore.Lookup.Lead lead = (PackStore.Lookup.Lead) store.lookup(K1);
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(PktLines.data("acknowledgments\n"));
    b.writeBytes(PktLines.data("NAK\n"));
    b.writeBytes(PktLines.FLUSH);
    byte[] acks = b.toByteArray();
    lead.fill().append(acks, acks.length);
    assertThat(lead.fill().finish()).as("not kept").isFalse();
    assertThat(lead.source().state()).isEqualTo(PackFill.State.COMPLETE);
    assertThat(readAll(lead.source())).isEqualTo(acks);
    assertThat(store.lookup(K1)).isInstanceOf(PackStore.Lookup.Lead.class);
  }

  @Test
  void aNodeThatFailsMidwayLeavesNoEntry() throws IOException {
    PackStore store = PackStore.open(dir, 1 << 20, PackCacheObserver.NONE);
    PackStore.Lookup.Lead lead = (PackStore.Lookup.Lead) store.lookup(K1);
    byte[] whole = answer(1000);
    lead.fill().append(whole, 100);
    lead.fill().fail();
    assertThat(lead.source().state()).isEqualTo(PackFill.State.FAILED);
    try (var files = Files.list(dir)) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void theLeastUsedEntriesGoBeyondTheSizeAndTheirFilesWithThem() throws IOException {
    byte[] whole = answer(400_000);
    PackStore store = PackStore.open(dir, 1_000_000, PackCacheObserver.NONE);
    for (String k : List.of(K1, K2, K3)) {
      PackStore.Lookup.Lead lead = (PackStore.Lookup.Lead) store.lookup(k);
      lead.fill().append(whole, whole.length);
      assertThat(lead.fill().finish()).isTrue();
      lead.source().close();
    }
    assertThat(store.sizeBytes()).isLessThanOrEqualTo(1_000_000);
    List<String> left = new ArrayList<>();
    try (var files = Files.list(dir)) {
      files.forEach(p -> left.add(p.getFileName().toString()));
    }
    assertThat(left).hasSize(2);
    assertThat(store.entries()).isEqualTo(2);
  }

  @Test
  void aRestartKeepsWholeEntriesAndDropsHalfWrittenOnes() throws IOException {
    byte[] whole = answer(1000);
    Files.write(dir.resolve(K1), whole);
    Files.write(dir.resolve(K2 + ".7.tmp"), new byte[10]);
    PackStore store = PackStore.open(dir, 1 << 20, PackCacheObserver.NONE);
    assertThat(store.lookup(K1)).isInstanceOf(PackStore.Lookup.Hit.class);
    assertThat(dir.resolve(K2 + ".7.tmp")).doesNotExist();
  }

  @Test
  void aDirectoryThatCannotBeWrittenIsNoCacheAndSaysSoOnce() throws IOException {
    Path file = Files.writeString(dir.resolve("file"), "x");
    List<String> told = new ArrayList<>();
    PackCacheObserver observer = new PackCacheObserver() {
      @Override
      public void unavailable(String why) {
        told.add(why);
      }
    };
    PackStore store = PackStore.open(file.resolve("cache"), 1 << 20, observer);
    assertThat(store.lookup(K1)).isInstanceOf(PackStore.Lookup.Unavailable.class);
    assertThat(store.lookup(K2)).isInstanceOf(PackStore.Lookup.Unavailable.class);
    assertThat(told).hasSize(1);
    assertThat(told.get(0)).contains("cannot be written").contains("pass through");
  }
}
