package org.gerritproxy.routing.admission;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code [fetch]} section: how many {@code git-upload-pack}s may run at once, how long one may
 * wait for a slot, and which fetches are batch work. Immutable; a reload swaps it whole.
 *
 * @param maxPerNode fetches running at once on one Gerrit node; 0 for no limit
 * @param maxPerAccount fetches of one account running at once, over all nodes; 0 for no limit
 * @param maxQueued fetches waiting at once, over all accounts; beyond it a fetch is refused at once
 * @param queueTimeout the longest a fetch waits for a slot before it is refused
 * @param batchAccounts accounts whose fetches are batch work (compared without case)
 * @param batchUserAgent a client whose User-Agent (HTTP) or SSH version string has a match is batch
 * @param batchGroups Gerrit groups whose members' fetches are batch work; who the members are is
 *     learned from Gerrit, not configured, and passed to {@link #classify(Optional, Optional, Set)}
 * @param maxBatchPerNode a batch fetch starts on a Gerrit node only while the node runs fewer than
 *     this many fetches, people's included; 0 for no limit of their own (then only {@code
 *     maxPerNode}). Below {@code maxPerNode}, it keeps slots, and the node's CPU, free for people:
 *     a person's fetch never waits for a robot's to end, and takes the place of the robots' next
 *     one rather than running beside it
 */
public record FetchLimits(int maxPerNode, int maxPerAccount, int maxQueued, Duration queueTimeout,
    Set<String> batchAccounts, Optional<Pattern> batchUserAgent, Set<String> batchGroups,
    int maxBatchPerNode) {

  public FetchLimits {
    if (maxPerNode < 0 || maxPerAccount < 0 || maxQueued < 0 || maxBatchPerNode < 0) {
      throw new IllegalArgumentException("fetch limits must not be negative");
    }
    Objects.requireNonNull(queueTimeout, "queueTimeout");
    if (queueTimeout.isNegative() || queueTimeout.isZero()) {
      throw new IllegalArgumentException("queueTimeout must be positive");
    }
    batchAccounts = batchAccounts.stream().map(a -> a.toLowerCase(Locale.ROOT))
        .collect(java.util.stream.Collectors.toUnmodifiableSet());
    Objects.requireNonNull(batchUserAgent, "batchUserAgent");
    batchGroups = Set.copyOf(batchGroups);
  }

  /** The same limits with {@code maxBatchPerNode} batch fetches at most on one node. */
  public FetchLimits withMaxBatchPerNode(int max) {
    return new FetchLimits(maxPerNode, maxPerAccount, maxQueued, queueTimeout, batchAccounts,
        batchUserAgent, batchGroups, max);
  }

  /** No limits and no batch class: every fetch runs at once, as before fair shares existed. */
  public static FetchLimits unlimited() {
    return new FetchLimits(0, 0, 1000, Duration.ofMinutes(5), Set.of(), Optional.empty(),
        Set.of(), 0);
  }

  /** True when no limit is set: the gate then only counts. */
  public boolean isUnlimited() {
    return maxPerNode == 0 && maxPerAccount == 0 && maxBatchPerNode == 0;
  }

  /**
   * The class of a fetch by {@code account} (empty when anonymous) from a client that calls
   * itself {@code userAgent} (empty when it sent none).
   */
  public FetchClass classify(Optional<String> account, Optional<String> userAgent) {
    return classify(account, userAgent, Set.of());
  }

  /**
   * The class of a fetch, as {@link #classify(Optional, Optional)}, where
   * {@code batchGroupMembers} are the user names (lower case) last read of the members of
   * {@link #batchGroups}.
   */
  public FetchClass classify(Optional<String> account, Optional<String> userAgent,
      Set<String> batchGroupMembers) {
    if (account.isPresent()) {
      String name = account.get().toLowerCase(Locale.ROOT);
      if (batchAccounts.contains(name) || batchGroupMembers.contains(name)) {
        return FetchClass.BATCH;
      }
    }
    if (batchUserAgent.isPresent() && userAgent.isPresent()
        && batchUserAgent.get().matcher(userAgent.get()).find()) {
      return FetchClass.BATCH;
    }
    return FetchClass.INTERACTIVE;
  }

  /** Whether a node with {@code running} fetches may start one more. */
  boolean nodeHasRoom(int running) {
    return maxPerNode == 0 || running < maxPerNode;
  }

  /**
   * Whether a node running {@code running} fetches may start one more of class {@code c}: a slot,
   * and for batch work fewer than {@code maxBatchPerNode} fetches of any class. People's fetches
   * count against the batch limit so that a person's fetch lowers the robots' share of the node
   * while it runs: on a node whose cores the robots keep busy, running beside as many robots as
   * before would make it slow even though it never waited.
   */
  boolean nodeHasRoomFor(FetchClass c, int running) {
    return nodeHasRoom(running)
        && (c != FetchClass.BATCH || maxBatchPerNode == 0 || running < maxBatchPerNode);
  }

  /** Whether an account with {@code running} fetches may start one more. */
  boolean accountHasRoom(int running) {
    return maxPerAccount == 0 || running < maxPerAccount;
  }

  // Pattern has no value equality: compare by its source, so that an unchanged reload is equal.
  @Override
  public boolean equals(Object o) {
    return o instanceof FetchLimits f && maxPerNode == f.maxPerNode
        && maxPerAccount == f.maxPerAccount && maxQueued == f.maxQueued
        && maxBatchPerNode == f.maxBatchPerNode
        && queueTimeout.equals(f.queueTimeout) && batchAccounts.equals(f.batchAccounts)
        && batchGroups.equals(f.batchGroups)
        && batchUserAgent.map(Pattern::pattern).equals(f.batchUserAgent.map(Pattern::pattern));
  }

  @Override
  public int hashCode() {
    return Objects.hash(maxPerNode, maxPerAccount, maxQueued, queueTimeout, batchAccounts,
        batchUserAgent.map(Pattern::pattern), batchGroups, maxBatchPerNode);
  }
}
