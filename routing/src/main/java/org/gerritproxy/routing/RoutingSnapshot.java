package org.gerritproxy.routing;

import java.util.Objects;

/**
 * Everything a routing decision reads, captured at one instant and never changed: the
 * configuration-derived table, the health of every node and the write master. Frontends read one
 * snapshot per request, so no decision ever sees half of a reload.
 */
public record RoutingSnapshot(RoutingTable table, HealthView health, WriteMaster master) {

  public RoutingSnapshot {
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(health, "health");
    Objects.requireNonNull(master, "master");
  }

  public RoutingSnapshot withHealth(HealthView newHealth) {
    return new RoutingSnapshot(table, newHealth, master);
  }

  public RoutingSnapshot withMaster(WriteMaster newMaster) {
    return new RoutingSnapshot(table, health, newMaster);
  }
}
