package org.gerritproxy.core.election;

import org.gerritproxy.routing.HealthView;
import org.gerritproxy.routing.MasterElection;
import org.gerritproxy.routing.RoutingTable;
import org.gerritproxy.routing.WriteMaster;

/**
 * Decides the write master from this proxy's view. The {@code local} and {@code static} modes
 * apply the pure policy of {@link MasterElection} on the spot; a distributed mode would consult
 * its peers instead.
 */
@FunctionalInterface
public interface WriteMasterElector {

  WriteMaster next(WriteMaster current, RoutingTable table, HealthView health);

  /** This proxy alone decides ({@code election.mode = local} or {@code static}). */
  static WriteMasterElector alone() {
    return MasterElection::next;
  }
}
