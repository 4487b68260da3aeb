package org.gerritproxy.routing;

/** How the cluster's nodes hold their repositories ({@code [cluster] storage}). */
public enum StorageMode {
  /** One set of repositories for every node: a push is visible everywhere at once. */
  SHARED,
  /**
   * Each node has its own repositories and replication copies the master's updates to the
   * others: a node may lag, so a read goes only to a node that has the project's latest update.
   */
  REPLICATED
}
