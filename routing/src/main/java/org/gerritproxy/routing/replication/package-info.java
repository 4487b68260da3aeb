/**
 * Replicated storage ({@code [cluster] storage = replicated}): the updates this proxy knows the
 * master has, which nodes have received them, and the pure parsers that learn them from pushes
 * and check them against a node's ref advertisement. The I/O (events, checks) lives in proxy-core.
 */
package org.gerritproxy.routing.replication;
