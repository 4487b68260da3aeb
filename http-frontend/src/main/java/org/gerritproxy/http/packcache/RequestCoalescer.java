package org.gerritproxy.http.packcache;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Identical requests (equal {@link org.gerritproxy.routing.packcache.Coalescing} keys) asked of
 * Gerrit once per round: the first goes to the node, and those that arrived <em>before it was
 * sent</em> get its answer.
 *
 * <p>A request that arrives while one is already under way does not join it: that answer may
 * have been made before this request came (a push finished meanwhile, a permission changed), and
 * the client must get what Gerrit would tell it at some moment after it asked. So it waits for
 * the next round, which starts when the current one ends, with the first of those waiting as its
 * leader and the others as its followers. Gerrit then sees at most one such request per key at a
 * time, and each client an answer made after it asked.
 *
 * <p>Thread-safe; every member is told its part once, outside the lock, and hops to its own
 * event loop itself.
 */
public final class RequestCoalescer {

  /** A member's part, told once. */
  public sealed interface Part {
    /** Send the request to the node; then {@link Round#publish} what it answered. */
    record Lead(Round round) implements Part {}

    /** The leader's answer, to send as if it were this request's own. */
    record Answer(SharedAnswer answer) implements Part {}

    /** No answer may be shared: send the request to the node on its own. */
    record Alone() implements Part {}
  }

  /**
   * A node's answer that may be given to every identical request of its round.
   *
   * @param status the HTTP status (200)
   * @param headers the node's end-to-end headers, in order, without the length and framing
   * @param body the whole body; never changed once made
   * @param node the node that answered
   */
  public record SharedAnswer(int status, List<Map.Entry<String, String>> headers, byte[] body,
      String node) {
    public SharedAnswer {
      headers = List.copyOf(headers);
    }
  }

  /** One request sent to the node for all the members that came before it was sent. */
  public final class Round {
    private final String key;
    private final List<Member> followers = new ArrayList<>();
    private boolean published;

    private Round(String key) {
      this.key = key;
    }

    /**
     * The leader's answer is complete (or will never be): followers get it when it is shared,
     * else each goes alone; the members that came meanwhile start the next round. Only the first
     * call counts.
     */
    public void publish(Optional<SharedAnswer> answer) {
      List<Member> told;
      Member nextLeader = null;
      Round next = null;
      synchronized (RequestCoalescer.this) {
        if (published) {
          return;
        }
        published = true;
        told = List.copyOf(followers);
        Group g = groups.get(key);
        if (g != null && g.current == this) {
          List<Member> waiting = new ArrayList<>(g.waiting);
          g.waiting.clear();
          waiting.removeIf(m -> !m.alive.getAsBoolean());
          if (waiting.isEmpty()) {
            groups.remove(key);
          } else {
            next = new Round(key);
            nextLeader = waiting.remove(0);
            next.followers.addAll(waiting);
            g.current = next;
          }
        }
      }
      Part part = answer.<Part>map(Part.Answer::new).orElse(new Part.Alone());
      for (Member m : told) {
        m.tell.accept(part);
      }
      if (nextLeader != null) {
        nextLeader.tell.accept(new Part.Lead(next));
      }
    }

    /** Members answered along with the leader (for a test). */
    int followers() {
      synchronized (RequestCoalescer.this) {
        return followers.size();
      }
    }
  }

  private record Member(Consumer<Part> tell, BooleanSupplier alive) {}

  /** The rounds of one key: the one under way, and who came since it was sent. */
  private static final class Group {
    Round current;
    final List<Member> waiting = new ArrayList<>();
  }

  private final Map<String, Group> groups = new HashMap<>();

  /**
   * A request with {@code key} asks to be answered: at once ({@code tell} gets {@link Part.Lead})
   * when no identical request is under way, else later, with the next round's leader's answer or
   * its lead. {@code alive} is asked before a waiting member is made a leader: a client that hung
   * up is passed over.
   */
  public void join(String key, Consumer<Part> tell, BooleanSupplier alive) {
    Round lead;
    synchronized (this) {
      Group g = groups.get(key);
      if (g != null) {
        g.waiting.add(new Member(tell, alive));
        return;
      }
      g = new Group();
      g.current = new Round(key);
      groups.put(key, g);
      lead = g.current;
    }
    tell.accept(new Part.Lead(lead));
  }

  /** Keys with a round under way (for a test). */
  synchronized int rounds() {
    return groups.size();
  }
}
