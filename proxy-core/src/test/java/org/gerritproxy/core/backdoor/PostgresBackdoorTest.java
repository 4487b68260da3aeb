package org.gerritproxy.core.backdoor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The jdbc backdoor against a real PostgreSQL server (Debian's {@code postgresql} package, which
 * {@code .ci/run} installs); skipped with a message where the package is missing.
 */
class PostgresBackdoorTest {
  private static LocalPostgres postgres;

  @BeforeAll
  static void startPostgres() throws Exception {
    Optional<Path> bin = LocalPostgres.installed();
    Assumptions.assumeTrue(bin.isPresent(),
        "PostgreSQL is not installed (apt-get install postgresql); skipping the PostgreSQL test");
    postgres = LocalPostgres.start(bin.get());
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void jdbcBackdoorCreatesItsTableAndKeepsOneRowPerNodeInPostgres() throws Exception {
    try (JdbcBackdoor agent1 = new JdbcBackdoor(postgres.url(), Optional.of("gp"), Optional.empty());
        JdbcBackdoor agent2 = new JdbcBackdoor(postgres.url(), Optional.of("gp"), Optional.empty());
        JdbcBackdoor proxy = new JdbcBackdoor(postgres.url(), Optional.of("gp"), Optional.empty())) {
      agent1.write(new HeartbeatRecord("gerrit-1", 1, true, ""));
      agent2.write(new HeartbeatRecord("gerrit-2", 1, false, "connection refused"));
      agent1.write(new HeartbeatRecord("gerrit-1", 2, true, ""));
      assertThat(proxy.readAll()).containsOnlyKeys("gerrit-1", "gerrit-2");
      assertThat(proxy.readAll().get("gerrit-1").sequence()).isEqualTo(2);
      assertThat(proxy.readAll().get("gerrit-2").detail()).isEqualTo("connection refused");
    }
    try (var c = DriverManager.getConnection(postgres.url(), "gp", null);
        var rs = c.createStatement().executeQuery(
            "SELECT count(*) FROM " + JdbcBackdoor.TABLE)) {
      rs.next();
      assertThat(rs.getInt(1)).as("one row per node").isEqualTo(2);
    }
  }
}
