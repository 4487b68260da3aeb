package org.gerritproxy.fence;

import org.gerritproxy.record.MasterRecord;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The record in the jdbc backdoor's table, as the proxy's JdbcBackdoor writes it (H2 here). */
class JdbcRecordSourceTest {
  @Test
  void readsTheRowTheProxiesWriteAndNoTableMeansNothingPublished(@TempDir Path dir)
      throws Exception {
    String url = "jdbc:h2:file:" + dir.resolve("record").toAbsolutePath();
    Fence.Source source = FenceSettings.read(
        Map.of("node", "gerrit-1", "url", url, "user", "sa", "password", "")::get).source();
    assertThat(source.read()).as("no table yet").isEmpty();
    try (Connection c = DriverManager.getConnection(url, "sa", "");
        Statement s = c.createStatement()) {
      // The proxy's JdbcBackdoor.MASTER_SCHEMA.
      s.execute("CREATE TABLE IF NOT EXISTS gerrit_proxy_master (id INTEGER NOT NULL PRIMARY KEY,"
          + " master VARCHAR(255) NOT NULL, epoch BIGINT NOT NULL, written_at TIMESTAMP NOT NULL)");
      assertThat(source.read()).as("no row yet").isEmpty();
      s.execute("INSERT INTO gerrit_proxy_master VALUES (1, 'gerrit-2', 7, CURRENT_TIMESTAMP)");
      assertThat(source.read()).contains(new MasterRecord(Optional.of("gerrit-2"), 7));
      s.execute("UPDATE gerrit_proxy_master SET master = '', epoch = 8");
      assertThat(source.read()).contains(new MasterRecord(Optional.empty(), 8));
    }
    assertThatThrownBy(() -> new JdbcRecordSource("jdbc:nosuchdriver:x", null, null).read())
        .isInstanceOf(IOException.class).hasMessageContaining("cannot read gerrit_proxy_master");
  }
}
