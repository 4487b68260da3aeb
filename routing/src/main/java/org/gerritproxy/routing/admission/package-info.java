/**
 * Fair shares for {@code git-upload-pack}: who may fetch now, who waits, and who goes next.
 *
 * <p>{@link org.gerritproxy.routing.admission.AdmissionQueue} is the decision, an immutable value
 * with pure transitions; {@link org.gerritproxy.routing.admission.FetchGate} holds the current
 * queue for both frontends and completes the waiters' futures, so that waiting never occupies a
 * thread. Timers and progress lines belong to the frontends.
 */
package org.gerritproxy.routing.admission;
