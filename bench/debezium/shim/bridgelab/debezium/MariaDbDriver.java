package bridgelab.debezium;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;

/**
 * The MySQL JDBC driver with one statement translated for MariaDB, for
 * bench/debezium.sh (database.jdbc.driver=bridgelab.debezium.MariaDbDriver).
 *
 * Debezium 3.6's MySQL connector reads the binlog position with
 * SHOW BINARY LOG STATUS, and refuses a server whose version is above 8.4
 * when that fails, as MariaDB's "10.11" does; MariaDB has SHOW MASTER STATUS
 * (same columns). Debezium's own MariaDB connector would do that, but it is
 * not to be had from Maven Central here. Debezium strips queryInterceptors
 * from the JDBC properties it is given, so this driver adds the interceptor
 * itself and hands everything else to com.mysql.cj.jdbc.Driver unchanged.
 * The binlog is read by Debezium's binlog client, not through JDBC: nothing
 * of the streaming path goes through here.
 */
public final class MariaDbDriver implements Driver {
    private final Driver mysql;

    public MariaDbDriver() throws SQLException {
        this.mysql = new com.mysql.cj.jdbc.Driver();
    }

    @Override
    public Connection connect(String url, Properties info) throws SQLException {
        if (!mysql.acceptsURL(url)) {
            return null;
        }
        Properties props = new Properties();
        if (info != null) {
            props.putAll(info);
        }
        props.setProperty("queryInterceptors", BinlogStatusInterceptor.class.getName());
        return mysql.connect(url, props);
    }

    @Override
    public boolean acceptsURL(String url) throws SQLException {
        return mysql.acceptsURL(url);
    }

    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) throws SQLException {
        return mysql.getPropertyInfo(url, info);
    }

    @Override
    public int getMajorVersion() {
        return mysql.getMajorVersion();
    }

    @Override
    public int getMinorVersion() {
        return mysql.getMinorVersion();
    }

    @Override
    public boolean jdbcCompliant() {
        return mysql.jdbcCompliant();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return mysql.getParentLogger();
    }
}
