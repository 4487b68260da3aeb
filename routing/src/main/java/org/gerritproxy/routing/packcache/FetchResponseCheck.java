package org.gerritproxy.routing.packcache;

import org.gerritproxy.routing.git.PktLines;

import java.nio.charset.StandardCharsets;

/**
 * Watches a node's answer to a v2 {@code fetch} go by, pkt-line by pkt-line, and says whether it
 * ended as a whole answer: sections, then a {@code packfile} section whose side-band lines carry
 * no error, closed by a flush-pkt and followed by nothing. Only such an answer is kept in the
 * cache. An answer of acknowledgments alone (a negotiation round the node was not ready to end)
 * is whole too, and goes to the clients that asked, but is not kept: the next round asks
 * something else. An {@code ERR} line, a side-band error, a cut or anything unexpected fails it.
 *
 * <p>Not thread-safe: one writer feeds it in order.
 */
public final class FetchResponseCheck {

  /** Where the answer stands. */
  public enum State {
    READING,
    /** Whole, with a pack: worth keeping. */
    COMPLETE,
    /** Whole, but sections without a pack (acknowledgments of a negotiation round). */
    WITHOUT_PACK,
    FAILED
  }

  /** Enough of a line's start to read a section header, an ERR line or a side-band byte. */
  private static final int PREFIX = 16;

  private State state = State.READING;
  private String failure = "";
  private final byte[] header = new byte[4];
  private int headerFill;
  /** Payload bytes of the current line still to come; -1 between lines. */
  private int remaining = -1;
  private final byte[] prefix = new byte[PREFIX];
  private int prefixFill;
  private int lineLength;
  private boolean atSectionStart = true;
  private boolean inPackfile;
  private int sections;

  public State state() {
    return state;
  }

  /** Why the answer failed; empty unless {@link #state()} is FAILED. */
  public String failure() {
    return failure;
  }

  /** Takes the next {@code length} bytes of the answer. */
  public State feed(byte[] bytes, int offset, int length) {
    int at = offset;
    int end = offset + length;
    while (at < end && state != State.FAILED) {
      if (state == State.COMPLETE || state == State.WITHOUT_PACK) {
        return fail("bytes follow the final flush-pkt");
      }
      if (remaining < 0) {
        header[headerFill++] = bytes[at++];
        if (headerFill == 4) {
          headerFill = 0;
          startLine();
        }
      } else {
        int n = Math.min(remaining, end - at);
        int keep = Math.min(n, PREFIX - prefixFill);
        System.arraycopy(bytes, at, prefix, prefixFill, Math.max(keep, 0));
        prefixFill += Math.max(keep, 0);
        at += n;
        remaining -= n;
        if (remaining == 0) {
          remaining = -1;
          endLine();
        }
      }
    }
    return state;
  }

  /** The answer ended (the node's response is over): anything short of COMPLETE is a failure. */
  public State finish() {
    if (state == State.READING) {
      fail("the answer ended before its final flush-pkt");
    }
    return state;
  }

  private void startLine() {
    int n;
    try {
      n = PktLines.length(header, 0);
    } catch (IllegalArgumentException e) {
      fail(e.getMessage());
      return;
    }
    switch (n) {
      case 0 -> {
        if (inPackfile) {
          state = State.COMPLETE;
        } else if (sections > 0 && !atSectionStart) {
          state = State.WITHOUT_PACK;
        } else {
          fail("the answer ended without a section");
        }
      }
      case 1 -> {
        if (inPackfile) {
          fail("the packfile section is not the last");
        }
        atSectionStart = true;
      }
      case 2 -> fail("a fetch answer has no response-end");
      case 4 -> fail("an empty pkt-line");
      default -> {
        remaining = n - 4;
        lineLength = n - 4;
        prefixFill = 0;
      }
    }
  }

  private void endLine() {
    String start = new String(prefix, 0, prefixFill, StandardCharsets.UTF_8);
    if (start.startsWith("ERR ")) {
      fail("the node answered " + start.strip() + "...");
      return;
    }
    if (atSectionStart) {
      atSectionStart = false;
      sections++;
      inPackfile = start.equals("packfile\n") || start.equals("packfile");
      return;
    }
    if (inPackfile) {
      byte band = prefix[0];
      if (band == 3) {
        fail("the node sent an error on side-band 3");
      } else if (band != 1 && band != 2) {
        fail("a packfile line on unknown side-band " + band);
      }
    }
  }

  private State fail(String why) {
    state = State.FAILED;
    failure = why;
    return state;
  }
}
