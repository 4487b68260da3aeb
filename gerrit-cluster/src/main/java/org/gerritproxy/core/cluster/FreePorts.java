package org.gerritproxy.core.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for listeners that another process opens later (a Gerrit node, a proxy in its own JVM, a
 * PostgreSQL server), chosen below the kernel's ephemeral range.
 *
 * <p>A port from {@code new ServerSocket(0)} comes from the ephemeral range, the same range the
 * kernel gives the local end of every outgoing connection. Between the moment it is chosen and
 * the moment the other process binds it (seconds, for a JVM that starts), any connection the
 * machine makes may take it, and the listener then fails with "Address already in use": a test
 * that fails on a busy machine only. Outgoing connections never take a port below the range, so
 * a port chosen there stays free unless another process chooses it too; a port is handed out
 * once per JVM, and checked to be bindable when handed out.
 */
public final class FreePorts {
  private static final Path RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
  /** Above the well-known and most registered service ports. */
  private static final int LOWEST = 10_000;
  private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();

  private FreePorts() {}

  /** A loopback port nobody listens on now, not handed out before in this JVM. */
  public static int pick() throws IOException {
    int below = ephemeralRangeStart();
    if (below - LOWEST >= 1_000) {
      for (int attempt = 0; attempt < 200; attempt++) {
        int port = ThreadLocalRandom.current().nextInt(LOWEST, below);
        if (GIVEN.add(port)) {
          if (bindable(port)) {
            return port;
          }
        }
      }
    }
    // No room below the range (an unusual kernel setting): the ephemeral range, as before.
    while (true) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        if (GIVEN.add(s.getLocalPort())) {
          return s.getLocalPort();
        }
      }
    }
  }

  private static boolean bindable(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException taken) {
      return false;
    }
  }

  /** The first port of the kernel's ephemeral range; Linux's default where it cannot be read. */
  static int ephemeralRangeStart() {
    try {
      String[] range = Files.readString(RANGE).trim().split("\\s+");
      return Integer.parseInt(range[0]);
    } catch (IOException | RuntimeException e) {
      return 32_768;
    }
  }
}
