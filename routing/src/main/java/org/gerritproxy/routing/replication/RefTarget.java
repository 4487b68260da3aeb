package org.gerritproxy.routing.replication;

import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One update the master is known to have: {@code ref} now points at {@code newId} (or is gone,
 * when {@code newId} is all zeros). A push to Gerrit's magic {@code refs/for/…} creates a change
 * ref Gerrit names itself, so for it any ref pointing at {@code newId} counts.
 */
public record RefTarget(String ref, String newId) {
  private static final Pattern OBJECT_ID = Pattern.compile("[0-9a-f]{40}");
  public static final String ZERO_ID = "0".repeat(40);

  public RefTarget {
    Objects.requireNonNull(ref, "ref");
    Objects.requireNonNull(newId, "newId");
    if (!ref.startsWith("refs/")) {
      throw new IllegalArgumentException("not a ref name: " + ref);
    }
    if (!OBJECT_ID.matcher(newId).matches()) {
      throw new IllegalArgumentException("not an object id: " + newId);
    }
  }

  /** True for pushes that Gerrit turns into a change: the ref named is not the ref written. */
  public boolean magic() {
    return ref.startsWith("refs/for/") || ref.startsWith("refs/drafts/")
        || ref.startsWith("refs/publish/");
  }

  public boolean deletion() {
    return newId.equals(ZERO_ID);
  }

  /**
   * What a later target replaces: the same ref's earlier value; a magic push only itself.
   */
  public String key() {
    return magic() ? "@" + newId : ref;
  }

  /**
   * True when a node advertising {@code refs} (ref name to object id) has this update. A patch
   * set ref ({@code refs/changes/NN/C/P}) counts only with its change's NoteDb ref ({@code
   * refs/changes/NN/C/meta}) beside it: a node that received the one without the other (a
   * replication caught half-way) advertises the ref, yet Gerrit refuses to serve it. (When the
   * advertisement shows no NoteDb ref at all, the account that reads it cannot see them, and the
   * patch set ref alone decides.)
   */
  public boolean metBy(Map<String, String> refs) {
    if (magic()) {
      for (Map.Entry<String, String> r : refs.entrySet()) {
        if (r.getValue().equals(newId) && withItsChange(r.getKey(), refs)) {
          return true;
        }
      }
      return false;
    }
    if (deletion()) {
      return !refs.containsKey(ref);
    }
    return newId.equals(refs.get(ref)) && withItsChange(ref, refs);
  }

  private static final Pattern PATCH_SET = Pattern.compile("(refs/changes/\\d\\d/\\d+/)\\d+");

  /**
   * For a magic push the master has: the change Gerrit made of it, as the master shows it (the
   * patch set ref and the change's NoteDb ref); empty when the master shows no such change.
   */
  public java.util.List<RefTarget> changeOn(Map<String, String> masterRefs) {
    java.util.List<RefTarget> out = new java.util.ArrayList<>();
    for (Map.Entry<String, String> r : masterRefs.entrySet()) {
      java.util.regex.Matcher m = PATCH_SET.matcher(r.getKey());
      if (r.getValue().equals(newId) && m.matches()) {
        out.add(new RefTarget(r.getKey(), newId));
        String meta = masterRefs.get(m.group(1) + "meta");
        if (meta != null) {
          out.add(new RefTarget(m.group(1) + "meta", meta));
        }
        break;
      }
    }
    return out;
  }

  private static boolean withItsChange(String ref, Map<String, String> refs) {
    java.util.regex.Matcher m = PATCH_SET.matcher(ref);
    return !m.matches() || refs.containsKey(m.group(1) + "meta")
        || refs.keySet().stream()
            .noneMatch(r -> r.startsWith("refs/changes/") && r.endsWith("/meta"));
  }
}
