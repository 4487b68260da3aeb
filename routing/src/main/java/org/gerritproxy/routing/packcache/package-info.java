/**
 * The pack cache's decisions for git protocol v2 {@code fetch}: what a request is ({@link
 * org.gerritproxy.routing.packcache.FetchRequest}, parsed from its pkt-lines, with a canonical key),
 * whether it may be answered from a cache at all, whether a given user may be served an entry
 * ({@link org.gerritproxy.routing.packcache.VisibleRefs}, from that user's own {@code ls-refs}),
 * and whether a node's response is complete enough to keep ({@link
 * org.gerritproxy.routing.packcache.FetchResponseCheck}). Files, sockets and coalescing belong to
 * the HTTP frontend.
 */
package org.gerritproxy.routing.packcache;
