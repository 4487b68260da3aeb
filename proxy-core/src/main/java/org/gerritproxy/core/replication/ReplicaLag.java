package org.gerritproxy.core.replication;

/**
 * How far one node is behind the master, as this proxy knows it, for {@code /health}, the
 * dashboard and {@code /metrics}.
 *
 * @param lagSeconds the age of the oldest update of the master's it has not been seen to have
 * @param pendingProjects the projects with such an update
 * @param lagging behind more than {@code maxReplicationLag}: out of the read pool
 * @param readsHeldBack reads that went to the master because this node lacked an update
 */
public record ReplicaLag(double lagSeconds, int pendingProjects, boolean lagging,
    long readsHeldBack) {
  public static final ReplicaLag NONE = new ReplicaLag(0, 0, false, 0);
}
