package org.gerritproxy.fence;

import org.gerritproxy.record.MasterRecord;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The record as the row {@code id = 1} of the table {@code gerrit_proxy_master} in the proxies'
 * jdbc backdoor. The driver must be on Gerrit's classpath (a jar in {@code SITE/lib/}); a
 * connection is opened for each read, at most once per refresh interval, so that a database that
 * restarted is simply reached again.
 */
final class JdbcRecordSource implements Fence.Source {
  static final String QUERY = "SELECT master, epoch FROM gerrit_proxy_master WHERE id = 1";
  private static final int TIMEOUT_SECONDS = 5;

  private final String url;
  private final String user;
  private final String password;

  JdbcRecordSource(String url, String user, String password) {
    this.url = url;
    this.user = user;
    this.password = password;
  }

  @Override
  public Optional<MasterRecord> read() throws IOException {
    DriverManager.setLoginTimeout(TIMEOUT_SECONDS);
    try (Connection c = DriverManager.getConnection(url, user, password);
        PreparedStatement s = c.prepareStatement(QUERY)) {
      s.setQueryTimeout(TIMEOUT_SECONDS);
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        String master = rs.getString(1);
        return Optional.of(new MasterRecord(
            master == null || master.isEmpty() ? Optional.empty() : Optional.of(master),
            rs.getLong(2)));
      }
    } catch (SQLException e) {
      if ("42S02".equals(e.getSQLState()) || "42P01".equals(e.getSQLState())
          || (e.getSQLState() != null && e.getSQLState().startsWith("42S04"))) {
        return Optional.empty(); // no table yet (H2, PostgreSQL): no proxy has published
      }
      throw new IOException("cannot read gerrit_proxy_master in " + url + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String describe() {
    return "gerrit_proxy_master in " + url;
  }
}
