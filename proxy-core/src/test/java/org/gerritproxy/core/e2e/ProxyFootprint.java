package org.gerritproxy.core.e2e;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The resources of the test JVM that a proxy running in it holds: live heap after garbage
 * collection, threads, and open file descriptors ({@code /proc/self/fd}). Threads of the test's
 * own harness (relays standing in for the network, client threads, the JDK's process reapers
 * and common pool, which idle out after a minute) are left out of the thread count.
 */
record ProxyFootprint(long heapBytes, int threads, int fds, Map<String, Integer> threadFamilies,
    Map<String, Integer> fdKinds) {

  private static final List<String> HARNESS_THREADS = List.of("tcp-relay", "chaos-",
      "process reaper", "ForkJoinPool.commonPool-worker");

  static ProxyFootprint measure() throws InterruptedException {
    var memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    long heap = memory.getHeapMemoryUsage().getUsed();
    Map<String, Integer> families = new TreeMap<>();
    int threads = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      String name = t.getName();
      if (!t.isAlive() || HARNESS_THREADS.stream().anyMatch(name::startsWith)) {
        continue;
      }
      threads++;
      families.merge(name.replaceAll("\\d+", "N"), 1, Integer::sum);
    }
    Map<String, Integer> kinds = new TreeMap<>();
    int fds = 0;
    try (Stream<Path> list = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : list.toList()) {
        fds++;
        kinds.merge(kindOf(fd), 1, Integer::sum);
      }
    } catch (IOException e) {
      throw new AssertionError("cannot list /proc/self/fd: " + e.getMessage(), e);
    }
    return new ProxyFootprint(heap, threads, fds, families, kinds);
  }

  private static String kindOf(Path fd) {
    try {
      String target = Files.readSymbolicLink(fd).toString();
      if (target.startsWith("socket:")) {
        return "socket";
      }
      if (target.startsWith("pipe:")) {
        return "pipe";
      }
      if (target.startsWith("anon_inode:")) {
        return target;
      }
      return target.endsWith(".jar") ? "jar" : "file";
    } catch (IOException e) {
      return "gone"; // closed while listing, e.g. the directory stream's own descriptor
    }
  }

  long heapMegabytes() {
    return heapBytes / (1024 * 1024);
  }

  @Override
  public String toString() {
    return "heap " + heapMegabytes() + " MB, " + threads + " threads, " + fds + " fds";
  }
}
