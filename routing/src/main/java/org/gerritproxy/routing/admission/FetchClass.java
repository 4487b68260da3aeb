package org.gerritproxy.routing.admission;

/**
 * The two classes of fetches, as Gerrit's "Non-Interactive Users" group separates them: a person
 * waiting at a terminal, and a robot that can wait. Interactive work never waits behind batch work.
 */
public enum FetchClass {
  INTERACTIVE,
  BATCH;

  /** The lower-case name used in metrics and on the dashboard. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
