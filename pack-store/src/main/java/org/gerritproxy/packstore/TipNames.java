package org.gerritproxy.packstore;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import org.gerritproxy.routing.packcache.FetchRequest;
import org.gerritproxy.routing.packcache.VisibleRefs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Under which ref names object ids were last seen, per project, in the ls-refs answers that passed
 * the proxy: the names a pack cache check asks Gerrit about ({@link VisibleRefs#checkPrefixes}),
 * so that Gerrit decides the read permission of a few refs instead of every ref of the project.
 *
 * <p>A hint and nothing more: it is never a reason to serve anything. It holds no user's view
 * either (the names only travel to Gerrit, in the check of a user who then sees what Gerrit shows
 * that user). Bounded; thread-safe; lost on restart, and learnt again from the clients' next
 * ls-refs answers.
 */
public final class TipNames {

  private static final Logger LOG = LoggerFactory.getLogger(TipNames.class);

  /**
   * A client's ls-refs answer larger than this (a clone's every branch and tag) is not read for
   * names: it would be read on an I/O thread, and a fetch of few tips asks about few refs.
   */
  public static final int MAX_ANSWER_READ = 256 * 1024;

  /** Names kept per object id: a tip under more names than this keeps the latest seen. */
  static final int MAX_NAMES_PER_TIP = 8;

  private record Tip(String project, String id) {}

  private final Cache<Tip, Set<String>> names;

  /** @param maxTips how many (project, object id) pairs are kept, the least recently used go */
  public TipNames(long maxTips) {
    this.names = Caffeine.newBuilder().maximumSize(maxTips).executor(Runnable::run).build();
  }

  /**
   * Reads a client's own ls-refs answer, as it passed the proxy, for names: every ref of it under
   * the id it points at. An answer over {@link #MAX_ANSWER_READ} is not read, and one that is not
   * an ls-refs answer is left alone (logged at debug): a hint missed costs one check of every ref.
   *
   * @return whether the answer was read
   */
  public boolean learn(String project, byte[] lsRefsAnswer) {
    if (lsRefsAnswer.length > MAX_ANSWER_READ) {
      return false;
    }
    try {
      learn(project, VisibleRefs.parseLsRefs(lsRefsAnswer));
      return true;
    } catch (IllegalArgumentException e) {
      LOG.debug("pack cache: an ls-refs answer of {} was not read for names: {}", project,
          e.getMessage());
      return false;
    }
  }

  /** Remembers every ref of {@code answer} under the ids it points at. */
  public void learn(String project, VisibleRefs answer) {
    answer.namesByTip().forEach((id, seen) -> remember(new Tip(project, id), seen));
  }

  /** The refs a check of {@code request} asks about ({@code ref-prefix}); none for every ref. */
  public SortedSet<String> checkPrefixes(FetchRequest request) {
    return VisibleRefs.checkPrefixes(request,
        id -> names.getIfPresent(new Tip(request.project(), id)))
        .orElse(java.util.Collections.emptySortedSet());
  }

  /**
   * A check of {@code request} was answered: each want Gerrit showed as a tip is remembered under
   * its names; a want it did not show under the names asked is forgotten, so that the next check
   * of it asks about every ref (the ref moved, or this user may not see it).
   */
  public void checked(FetchRequest request, VisibleRefs answer) {
    Map<String, Set<String>> byTip = answer.namesByTip();
    for (String want : request.wants()) {
      Tip tip = new Tip(request.project(), want);
      Set<String> seen = byTip.get(want);
      if (seen == null) {
        names.invalidate(tip);
      } else {
        remember(tip, seen);
      }
    }
  }

  private void remember(Tip tip, Set<String> seen) {
    Set<String> latest = seen.size() <= MAX_NAMES_PER_TIP ? Set.copyOf(seen)
        : Set.copyOf(new TreeSet<>(seen).stream().limit(MAX_NAMES_PER_TIP).toList());
    names.asMap().merge(tip, latest, (old, now) -> {
      if (now.containsAll(old)) {
        return now;
      }
      SortedSet<String> both = new TreeSet<>(now);
      for (String n : old) {
        if (both.size() >= MAX_NAMES_PER_TIP) {
          break;
        }
        both.add(n);
      }
      return Set.copyOf(both);
    });
  }

  /** The names kept for {@code id} in {@code project} (for a test). */
  Set<String> namesOf(String project, String id) {
    Set<String> s = names.getIfPresent(new Tip(project, id));
    return s == null ? Set.of() : s;
  }
}
