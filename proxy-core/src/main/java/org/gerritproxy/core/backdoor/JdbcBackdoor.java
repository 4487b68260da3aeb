package org.gerritproxy.core.backdoor;

import org.gerritproxy.record.MasterRecord;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Heartbeats as rows of a table in the cluster's shared database (PostgreSQL; H2 embedded), one
 * row per node, created if missing. The schema is {@link #SCHEMA}, documented in docs/health-and-election.md.
 */
public final class JdbcBackdoor implements Backdoor {
  public static final String TABLE = "gerrit_proxy_heartbeat";
  public static final String SCHEMA = "CREATE TABLE IF NOT EXISTS " + TABLE + " ("
      + "node VARCHAR(255) NOT NULL PRIMARY KEY, "
      + "sequence BIGINT NOT NULL, "
      + "healthy BOOLEAN NOT NULL, "
      + "detail VARCHAR(1000) NOT NULL, "
      + "written_at TIMESTAMP NOT NULL)";
  /** The write master record, one row ({@code id = 1}); docs/fence.md. */
  public static final String MASTER_TABLE = "gerrit_proxy_master";
  public static final String MASTER_SCHEMA = "CREATE TABLE IF NOT EXISTS " + MASTER_TABLE + " ("
      + "id INTEGER NOT NULL PRIMARY KEY, "
      + "master VARCHAR(255) NOT NULL, "
      + "epoch BIGINT NOT NULL, "
      + "written_at TIMESTAMP NOT NULL)";
  private static final int QUERY_TIMEOUT_SECONDS = 5;

  private final String url;
  private final Optional<String> user;
  private final Optional<String> password;
  private Connection connection;

  public JdbcBackdoor(String url, Optional<String> user, Optional<String> password) {
    this.url = url;
    this.user = user;
    this.password = password;
  }

  @Override
  public synchronized void write(HeartbeatRecord beat) throws IOException {
    String detail = beat.detail().length() > 1000 ? beat.detail().substring(0, 1000) : beat.detail();
    try {
      Connection c = connection();
      // UPDATE first, INSERT when there is no row: portable across H2 and PostgreSQL, and only
      // this node's agent ever writes this row, so the two steps cannot race with another writer.
      try (PreparedStatement update = c.prepareStatement("UPDATE " + TABLE
          + " SET sequence = ?, healthy = ?, detail = ?, written_at = CURRENT_TIMESTAMP"
          + " WHERE node = ?")) {
        update.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
        update.setLong(1, beat.sequence());
        update.setBoolean(2, beat.healthy());
        update.setString(3, detail);
        update.setString(4, beat.node());
        if (update.executeUpdate() > 0) {
          return;
        }
      }
      try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + TABLE
          + " (node, sequence, healthy, detail, written_at) VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP)")) {
        insert.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
        insert.setString(1, beat.node());
        insert.setLong(2, beat.sequence());
        insert.setBoolean(3, beat.healthy());
        insert.setString(4, detail);
        insert.executeUpdate();
      }
    } catch (SQLException e) {
      throw failed("write the heartbeat of " + beat.node(), e);
    }
  }

  @Override
  public synchronized Map<String, HeartbeatRecord> readAll() throws IOException {
    try (Statement s = connection().createStatement()) {
      s.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
      Map<String, HeartbeatRecord> beats = new LinkedHashMap<>();
      try (ResultSet rs = s.executeQuery(
          "SELECT node, sequence, healthy, detail FROM " + TABLE + " ORDER BY node")) {
        while (rs.next()) {
          beats.put(rs.getString(1), new HeartbeatRecord(rs.getString(1), rs.getLong(2),
              rs.getBoolean(3), rs.getString(4)));
        }
      }
      return beats;
    } catch (SQLException e) {
      throw failed("read the heartbeats", e);
    }
  }

  @Override
  public synchronized Optional<MasterRecord> readMaster() throws IOException {
    try (Statement s = connection().createStatement()) {
      s.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
      try (ResultSet rs = s.executeQuery(
          "SELECT master, epoch FROM " + MASTER_TABLE + " WHERE id = 1")) {
        if (!rs.next()) {
          return Optional.empty();
        }
        String master = rs.getString(1);
        return Optional.of(new MasterRecord(
            master.isEmpty() ? Optional.empty() : Optional.of(master), rs.getLong(2)));
      }
    } catch (SQLException e) {
      throw failed("read the write master record", e);
    }
  }

  @Override
  public synchronized boolean compareAndSetMaster(Optional<MasterRecord> expected, MasterRecord next)
      throws IOException {
    try {
      Connection c = connection();
      if (expected.isEmpty()) {
        // The primary key lets one of two racing first writers in; the other gets false.
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + MASTER_TABLE
            + " (id, master, epoch, written_at) VALUES (1, ?, ?, CURRENT_TIMESTAMP)")) {
          insert.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
          insert.setString(1, next.master().orElse(""));
          insert.setLong(2, next.epoch());
          return insert.executeUpdate() == 1;
        } catch (SQLException e) {
          if (e.getSQLState() != null && e.getSQLState().startsWith("23")) {
            return false; // integrity constraint: a row is there already
          }
          throw e;
        }
      }
      try (PreparedStatement update = c.prepareStatement("UPDATE " + MASTER_TABLE
          + " SET master = ?, epoch = ?, written_at = CURRENT_TIMESTAMP"
          + " WHERE id = 1 AND master = ? AND epoch = ?")) {
        update.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
        update.setString(1, next.master().orElse(""));
        update.setLong(2, next.epoch());
        update.setString(3, expected.get().master().orElse(""));
        update.setLong(4, expected.get().epoch());
        return update.executeUpdate() == 1;
      }
    } catch (SQLException e) {
      throw failed("write the write master record", e);
    }
  }

  @Override
  public String describe() {
    return "jdbc " + url;
  }

  @Override
  public synchronized void close() {
    closeConnection();
  }

  private Connection connection() throws SQLException {
    if (connection == null || connection.isClosed()) {
      connection = DriverManager.getConnection(url, user.orElse(null), password.orElse(null));
      connection.setAutoCommit(true);
      try (Statement s = connection.createStatement()) {
        s.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
        s.execute(SCHEMA);
        s.execute(MASTER_SCHEMA);
      }
    }
    return connection;
  }

  private IOException failed(String what, SQLException e) {
    closeConnection(); // a broken connection is reopened on the next call
    return new IOException("could not " + what + " in " + url + ": " + e.getMessage(), e);
  }

  private void closeConnection() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // already broken; nothing more to release
      }
      connection = null;
    }
  }
}
