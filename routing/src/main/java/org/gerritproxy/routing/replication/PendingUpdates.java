package org.gerritproxy.routing.replication;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The master's updates this proxy knows of that some node has not yet received, per project: the
 * one piece of state of replicated storage. A project is remembered from its first update until
 * every node other than the master has been seen to have its latest one, so memory is bounded by
 * the projects with something pending (and capped at {@code maxProjects}: beyond it the oldest
 * pending project is forgotten, which costs no more than a read that may miss that update).
 *
 * <p>Thread-safe: each project's state is an immutable {@link Project} replaced whole, so a read
 * never sees half an update. With nothing pending, a read costs one map lookup.
 */
public final class PendingUpdates {
  public static final int MAX_PROJECTS = 10_000;
  /** Per project; an update beyond it makes the project unresolved (checked against the master). */
  static final int MAX_TARGETS = 1_000;

  private final LongSupplier nanoClock;
  private final int maxProjects;
  private final Map<String, Project> projects = new ConcurrentHashMap<>();
  private final AtomicLong versions = new AtomicLong();

  /** The key an update of unknown refs is filed under until the master's refs resolve it. */
  static final String UNKNOWN = "*";

  /**
   * One project with something pending.
   *
   * @param version changes with each update learned
   * @param targets the latest known value of each ref updated, by {@link RefTarget#key}
   * @param unresolved an update is known without its refs (a push the proxy could not read): the
   *     master's refs, once read, become the targets
   * @param behind each replica not yet seen to have every target: per target key it lacks, since
   *     when (a nanosecond clock reading) it has lacked that ref's updates. A ref updated again
   *     keeps its first time, so a replica that stopped receiving updates keeps ageing however
   *     often the ref moves; one that received some updates is behind only on the rest.
   * @param pushesInFlight pushes forwarded to the master and not yet answered: their targets may
   *     not be on the master yet, so none is dropped as never made
   */
  public record Project(String name, long version, Map<String, RefTarget> targets,
      boolean unresolved, Map<String, Map<String, Long>> behind, int pushesInFlight) {
    public Project {
      targets = Map.copyOf(targets);
      Map<String, Map<String, Long>> copy = new HashMap<>();
      behind.forEach((node, keys) -> {
        if (!keys.isEmpty()) {
          copy.put(node, Map.copyOf(keys));
        }
      });
      behind = Map.copyOf(copy);
    }

    boolean settled() {
      return behind.isEmpty() && pushesInFlight == 0;
    }

    /** Since when {@code node} has lacked an update of this project, if it does. */
    public Optional<Long> behindSince(String node) {
      Map<String, Long> keys = behind.get(node);
      return keys == null ? Optional.empty()
          : keys.values().stream().min((a, b) -> Long.compare(a - b, 0L));
    }
  }

  /** How far behind one node is: the age of the oldest update it lacks, over how many projects. */
  public record NodeLag(Duration behind, int projects) {}

  public PendingUpdates(LongSupplier nanoClock, int maxProjects) {
    this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    if (maxProjects < 1) {
      throw new IllegalArgumentException("maxProjects must be at least 1, not " + maxProjects);
    }
    this.maxProjects = maxProjects;
  }

  public static PendingUpdates onSystemClock() {
    return new PendingUpdates(System::nanoTime, MAX_PROJECTS);
  }

  /**
   * The master has these updates of {@code project} (a {@code ref-updated} event, a push
   * answered); every one of {@code replicas} is behind on them until seen to have them. No targets
   * means the refs are unknown: the project is then judged against the master's refs.
   */
  public void learned(String project, Collection<RefTarget> targets, Collection<String> replicas) {
    update(project, targets, replicas, 0);
  }

  /**
   * A push is on its way to the master: its updates count from now, before the client hears of
   * them (a client woken by an event about this push must not read from a node without it).
   * Call {@link Push#finished} when the master has answered.
   */
  public Push pushStarted(String project, Collection<RefTarget> targets,
      Collection<String> replicas) {
    update(project, targets, replicas, 1);
    return new Push(project);
  }

  /** A push forwarded to the master; {@link #finished} once, when it is answered or cut off. */
  public final class Push {
    private final String project;
    private boolean finished;

    private Push(String project) {
      this.project = project;
    }

    public synchronized void finished() {
      if (finished) {
        return;
      }
      finished = true;
      change(project, p -> new Project(p.name(), p.version(), p.targets(), p.unresolved(),
          p.behind(), Math.max(0, p.pushesInFlight() - 1)));
    }
  }

  private void update(String project, Collection<RefTarget> targets, Collection<String> replicas,
      int pushes) {
    Objects.requireNonNull(project, "project");
    if (replicas.isEmpty()) {
      return; // no node but the master: nothing can lag
    }
    long now = nanoClock.getAsLong();
    long version = versions.incrementAndGet();
    if (!projects.containsKey(project) && projects.size() >= maxProjects) {
      forgetOldest();
    }
    projects.compute(project, (name, p) -> {
      Map<String, RefTarget> t = new LinkedHashMap<>(p == null ? Map.of() : p.targets());
      boolean unresolved = (p != null && p.unresolved()) || targets.isEmpty();
      List<String> keys = new ArrayList<>();
      for (RefTarget target : targets) {
        t.put(target.key(), target);
        keys.add(target.key());
      }
      if (targets.isEmpty()) {
        keys.add(UNKNOWN);
      }
      Map<String, Map<String, Long>> behind = new HashMap<>();
      if (p != null) {
        p.behind().forEach((node, k) -> behind.put(node, new HashMap<>(k)));
      }
      if (t.size() > MAX_TARGETS) {
        // Too many refs to follow one by one: judge the project by the master's refs instead.
        t.clear();
        unresolved = true;
        behind.replaceAll((node, k) -> {
          Map<String, Long> one = new HashMap<>();
          one.put(UNKNOWN, k.values().stream().min((a, b) -> Long.compare(a - b, 0L)).orElse(now));
          return one;
        });
        keys = List.of(UNKNOWN);
      }
      for (String r : replicas) {
        Map<String, Long> k = behind.computeIfAbsent(r, n -> new HashMap<>());
        for (String key : keys) {
          k.putIfAbsent(key, now); // a ref it already lacked keeps its first time
        }
      }
      return new Project(name, version, t, unresolved, behind,
          (p == null ? 0 : p.pushesInFlight()) + pushes);
    });
  }

  /**
   * {@code node} advertises {@code refs} for {@code project}: every update among them is no longer
   * pending for it. Read before or after a newer update, the refs are judged against the latest
   * known value of each ref, so an old reading never confirms a new update.
   */
  public void seen(String node, String project, Map<String, String> refs) {
    change(project, p -> {
      Map<String, Long> lacks = p.behind().get(node);
      if (lacks == null) {
        return p;
      }
      Map<String, Long> still = new HashMap<>();
      lacks.forEach((key, since) -> {
        RefTarget t = p.targets().get(key);
        if (t == null || !t.metBy(refs)) {
          still.put(key, since);
        }
      });
      Map<String, Map<String, Long>> behind = new HashMap<>(p.behind());
      behind.put(node, still);
      return new Project(p.name(), p.version(), p.targets(), p.unresolved(), behind,
          p.pushesInFlight());
    });
  }

  /**
   * The master itself lacks these targets (a push it refused, a ref Gerrit never shows): they are
   * dropped, unless replaced meanwhile or a push to the project is still in flight.
   */
  public void notOnMaster(String project, Collection<RefTarget> missing) {
    change(project, p -> {
      if (p.pushesInFlight() > 0) {
        return p;
      }
      Map<String, RefTarget> t = new LinkedHashMap<>(p.targets());
      List<String> dropped = new ArrayList<>();
      for (RefTarget m : missing) {
        if (t.remove(m.key(), m)) {
          dropped.add(m.key());
        }
      }
      Map<String, Map<String, Long>> behind = new HashMap<>();
      p.behind().forEach((node, keys) -> {
        Map<String, Long> k = new HashMap<>(keys);
        dropped.forEach(k::remove);
        behind.put(node, k);
      });
      return new Project(p.name(), p.version(), t, p.unresolved(), behind, 0);
    });
  }

  /**
   * Resolves an update known without its refs: the master's refs, read after it was learned, are
   * what the replicas must have, each lacked since the unknown update. Ignored if a push to the
   * project is in flight.
   */
  public void resolved(String project, Map<String, String> masterRefs) {
    change(project, p -> {
      if (!p.unresolved() || p.pushesInFlight() > 0) {
        return p;
      }
      Map<String, RefTarget> t = new LinkedHashMap<>(p.targets());
      List<String> keys = new ArrayList<>();
      masterRefs.forEach((ref, id) -> {
        if (ref.startsWith("refs/")) {
          RefTarget target = new RefTarget(ref, id);
          t.put(target.key(), target);
          keys.add(target.key());
        }
      });
      Map<String, Map<String, Long>> behind = new HashMap<>();
      p.behind().forEach((node, k) -> {
        Map<String, Long> n = new HashMap<>(k);
        Long since = n.remove(UNKNOWN);
        if (since != null) {
          for (String key : keys) {
            n.merge(key, since, (a, b) -> a - b < 0 ? a : b);
          }
        }
        behind.put(node, n);
      });
      return new Project(p.name(), versions.incrementAndGet(), t, false, behind, 0);
    });
  }

  /**
   * Replaces a push's magic target ({@code refs/for/…}) by the refs the master shows for it once
   * the push is answered (the change's patch set ref and NoteDb ref, at the master's values): a
   * node is then judged on the whole change, not on a copy caught while Gerrit still wrote it.
   * Each node lacking the magic target lacks these since the same time.
   */
  public void refined(String project, RefTarget magic, Collection<RefTarget> exact) {
    change(project, p -> {
      if (p.pushesInFlight() > 0 || !magic.equals(p.targets().get(magic.key()))) {
        return p;
      }
      Map<String, RefTarget> t = new LinkedHashMap<>(p.targets());
      t.remove(magic.key());
      for (RefTarget e : exact) {
        t.put(e.key(), e);
      }
      Map<String, Map<String, Long>> behind = new HashMap<>();
      p.behind().forEach((node, k) -> {
        Map<String, Long> n = new HashMap<>(k);
        Long since = n.remove(magic.key());
        if (since != null) {
          for (RefTarget e : exact) {
            n.merge(e.key(), since, (a, b) -> a - b < 0 ? a : b);
          }
        }
        behind.put(node, n);
      });
      return new Project(p.name(), versions.incrementAndGet(), t, p.unresolved(), behind, 0);
    });
  }

  /** Removes a node from every project (it left the configuration, or became the master). */
  public void notAReplica(String node) {
    for (String name : List.copyOf(projects.keySet())) {
      change(name, p -> {
        Map<String, Map<String, Long>> behind = new HashMap<>(p.behind());
        behind.remove(node);
        return new Project(p.name(), p.version(), p.targets(), p.unresolved(), behind,
            p.pushesInFlight());
      });
    }
  }

  private void change(String project, java.util.function.UnaryOperator<Project> f) {
    projects.computeIfPresent(project, (name, p) -> {
      Project next = f.apply(p);
      return next == null || next.settled() ? null : next;
    });
  }

  private void forgetOldest() {
    String oldest = null;
    long oldestAge = -1;
    long now = nanoClock.getAsLong();
    for (Project p : projects.values()) {
      for (String node : p.behind().keySet()) {
        long age = now - p.behindSince(node).orElse(now);
        if (age > oldestAge) {
          oldest = p.name();
          oldestAge = age;
        }
      }
    }
    if (oldest != null) {
      projects.remove(oldest);
    }
  }

  /** The pending state of {@code project}, if something of it is pending. */
  public Optional<Project> pending(String project) {
    return project == null ? Optional.empty() : Optional.ofNullable(projects.get(project));
  }

  /** Every project with something pending. */
  public List<Project> all() {
    return new ArrayList<>(projects.values());
  }

  public int size() {
    return projects.size();
  }

  /** What a read of {@code project} (null for a read that names none) needs to know. */
  public ReplicaFreshness freshness(Optional<String> project, Set<String> lagging) {
    if (projects.isEmpty()) {
      return lagging.isEmpty() ? ReplicaFreshness.NONE : new ReplicaFreshness(lagging, Set.of());
    }
    Project p = project.map(projects::get).orElse(null);
    return new ReplicaFreshness(lagging, p == null ? Set.of() : p.behind().keySet());
  }

  /** Each node that is behind on something, with how far. */
  public Map<String, NodeLag> lag() {
    long now = nanoClock.getAsLong();
    Map<String, long[]> acc = new TreeMap<>();
    for (Project p : projects.values()) {
      for (String node : p.behind().keySet()) {
        long[] a = acc.computeIfAbsent(node, n -> new long[2]);
        a[0] = Math.max(a[0], now - p.behindSince(node).orElse(now));
        a[1]++;
      }
    }
    Map<String, NodeLag> out = new LinkedHashMap<>();
    acc.forEach((node, a) -> out.put(node, new NodeLag(Duration.ofNanos(a[0]), (int) a[1])));
    return out;
  }

  /** The nodes behind by more than {@code maxLag}: out of the read pool. */
  public Set<String> lagging(Duration maxLag) {
    Set<String> out = new java.util.TreeSet<>();
    lag().forEach((node, l) -> {
      if (l.behind().compareTo(maxLag) > 0) {
        out.add(node);
      }
    });
    return out;
  }
}
