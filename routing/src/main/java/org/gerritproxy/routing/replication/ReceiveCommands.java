package org.gerritproxy.routing.replication;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the command list at the start of a {@code git-receive-pack} request ({@code OLD NEW
 * REF\0CAPS}, one pkt-line each, up to the flush packet), fed in pieces as the bytes pass through
 * the proxy, so that the proxy learns what a push updates before the pack follows. It copies
 * nothing it does not need and stops looking once the list has ended or turned out unreadable.
 */
public final class ReceiveCommands {
  /** More than any real push names; beyond it the push counts as unreadable. */
  static final int MAX_BYTES = 1 << 20;

  /** Where the reading stands. */
  public enum State { READING, DONE, UNREADABLE }

  private State state = State.READING;
  private final List<RefTarget> commands = new ArrayList<>();
  /** The bytes of the pkt-line read so far, length header included. */
  private byte[] line = new byte[64];
  private int have;
  private long total;

  public State state() {
    return state;
  }

  /** The commands, once {@link State#DONE}. */
  public Optional<List<RefTarget>> commands() {
    return state == State.DONE ? Optional.of(List.copyOf(commands)) : Optional.empty();
  }

  /** Feeds the next bytes of the request body; ignored once the list has ended. */
  public void feed(byte[] bytes, int offset, int length) {
    int i = offset;
    int end = offset + length;
    while (state == State.READING && i < end) {
      int want = have < 4 ? 4 : lineLength();
      if (want < 0) {
        return;
      }
      int n = Math.min(want - have, end - i);
      ensure(have + n);
      System.arraycopy(bytes, i, line, have, n);
      have += n;
      i += n;
      total += n;
      if (total > MAX_BYTES) {
        state = State.UNREADABLE;
        return;
      }
      if (have == 4) {
        int len = lineLength();
        if (len == 0) {
          // The flush packet: the list has ended (an empty one updates nothing).
          state = State.DONE;
          return;
        }
        if (len < 0 || len < 4) {
          state = State.UNREADABLE;
          return;
        }
      }
      if (have >= 4 && have == lineLength()) {
        command(new String(line, 4, have - 4, StandardCharsets.UTF_8));
        have = 0;
      }
    }
  }

  public void feed(byte[] bytes) {
    feed(bytes, 0, bytes.length);
  }

  /** The length the pkt-line header announces, or -1 when it is not hexadecimal. */
  private int lineLength() {
    int n = 0;
    for (int k = 0; k < 4; k++) {
      int d = Character.digit(line[k], 16);
      if (d < 0) {
        state = State.UNREADABLE;
        return -1;
      }
      n = n * 16 + d;
    }
    return n;
  }

  private void ensure(int size) {
    if (size > line.length) {
      line = java.util.Arrays.copyOf(line, Math.max(size, line.length * 2));
    }
  }

  private void command(String text) {
    int nul = text.indexOf('\0');
    String c = (nul >= 0 ? text.substring(0, nul) : text).strip();
    if (c.startsWith("shallow ")) {
      return; // a shallow client names its boundary first; not an update
    }
    String[] parts = c.split(" ");
    if (parts.length != 3) {
      state = State.UNREADABLE; // a signed push (push-cert) or something this reader does not know
      return;
    }
    try {
      new RefTarget(parts[2], parts[0]); // the old id must be one too
      commands.add(new RefTarget(parts[2], parts[1]));
    } catch (IllegalArgumentException e) {
      state = State.UNREADABLE;
    }
  }
}
