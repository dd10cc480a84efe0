package bridgelab.debezium;

import com.mysql.cj.MysqlConnection;
import com.mysql.cj.Query;
import com.mysql.cj.interceptors.QueryInterceptor;
import com.mysql.cj.log.Log;
import com.mysql.cj.protocol.Resultset;
import com.mysql.cj.protocol.ServerSession;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.function.Supplier;

/**
 * Answers MySQL 8.4's SHOW BINARY LOG STATUS with MariaDB's SHOW MASTER
 * STATUS (see MariaDbDriver). Every other statement passes untouched.
 */
public final class BinlogStatusInterceptor implements QueryInterceptor {
    private MysqlConnection connection;

    @Override
    public QueryInterceptor init(MysqlConnection conn, Properties props, Log log) {
        this.connection = conn;
        return this;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends Resultset> T preProcess(Supplier<String> sql, Query interceptedQuery) {
        String s = sql.get();
        if (s == null || !s.trim().equalsIgnoreCase("SHOW BINARY LOG STATUS")) {
            return null;
        }
        try {
            // Not closed here: the caller reads and closes the result set.
            Statement statement = ((java.sql.Connection) connection).createStatement();
            return (T) statement.executeQuery("SHOW MASTER STATUS");
        } catch (SQLException e) {
            throw new IllegalStateException("SHOW MASTER STATUS failed: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean executeTopLevelOnly() {
        return true;
    }

    @Override
    public void destroy() {
        connection = null;
    }

    @Override
    public <T extends Resultset> T postProcess(Supplier<String> sql, Query interceptedQuery, T originalResultSet,
            ServerSession serverSession) {
        return originalResultSet;
    }
}
