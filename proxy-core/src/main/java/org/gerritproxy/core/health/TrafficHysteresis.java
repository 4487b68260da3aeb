package org.gerritproxy.core.health;

/**
 * What live traffic says of one node: evidence, never a verdict. {@code trafficFall} failures in
 * a row, with no success between, take the node out of the read pool; {@code rise} successful
 * probes after that bring it back. It never makes a node DOWN and so never moves the write
 * master: only probes (and the backdoor) do. Immutable; each event yields the next value.
 *
 * @param outOfReadPool true while the node takes no new reads
 * @param failures failures on live traffic since the last success
 * @param vouchingProbes successful probes since the node left the read pool
 */
public record TrafficHysteresis(boolean outOfReadPool, int failures, int vouchingProbes) {

  public static TrafficHysteresis clean() {
    return new TrafficHysteresis(false, 0, 0);
  }

  /**
   * A proxied request failed on the node.
   *
   * @param succeededSince true when a proxied request succeeded on it since the last failure,
   *     which breaks the run
   */
  public TrafficHysteresis onFailure(boolean succeededSince, int trafficFall) {
    int run = succeededSince && !outOfReadPool ? 1 : failures + 1;
    return new TrafficHysteresis(outOfReadPool || run >= trafficFall, run, 0);
  }

  public TrafficHysteresis onProbeSuccess(int rise) {
    if (!outOfReadPool) {
      return this;
    }
    int vouching = vouchingProbes + 1;
    return vouching >= rise ? clean() : new TrafficHysteresis(true, failures, vouching);
  }

  public TrafficHysteresis onProbeFailure() {
    return outOfReadPool ? new TrafficHysteresis(true, failures, 0) : this;
  }
}
