/* The replication connection to MariaDB: see binlog_client.h. */
#include "binlog_client.h"

#include <errmsg.h>
#include <mysqld_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sql_value.h"

struct binlog_client {
    struct binlog_source source;
    MYSQL *sql;    /* plain queries */
    MYSQL *stream; /* the replication connection */
    MARIADB_RPL *rpl;
    MARIADB_RPL_EVENT *event;
    char file[256];
};

struct binlog_client *binlog_client_new(const struct binlog_source *source) {
    struct binlog_client *c = calloc(1, sizeof *c);
    if (c)
        c->source = *source;
    return c;
}

void binlog_client_free(struct binlog_client *c) {
    if (!c)
        return;
    binlog_client_close(c);
    binlog_client_sql_close(c);
    free(c);
}

static int is_connection_error(unsigned code) {
    return code == CR_CONNECTION_ERROR || code == CR_CONN_HOST_ERROR || code == CR_SERVER_GONE_ERROR ||
           code == CR_SERVER_LOST || code == CR_SERVER_LOST_EXTENDED || code == ER_SERVER_SHUTDOWN ||
           code == ER_CONNECTION_KILLED || code == 0;
}

static MYSQL *connect_to(const struct binlog_source *s, enum binlog_status *status, char *err, size_t errlen) {
    MYSQL *m = mysql_init(NULL);
    if (!m) {
        snprintf(err, errlen, "out of memory");
        *status = BINLOG_FATAL;
        return NULL;
    }
    unsigned timeout = 5;
    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    if (mysql_real_connect(m, s->host, s->user, s->password, NULL, (unsigned)s->port, NULL, 0) &&
        mysql_query(m, "SET time_zone='+00:00'") == 0) {
        *status = BINLOG_OK;
        return m;
    }
    unsigned code = mysql_errno(m);
    if (code == ER_ACCESS_DENIED_ERROR) {
        snprintf(err, errlen, "MySQL %s:%d refused user '%s' (%s): check mysql.user and mysql.password.file", s->host,
                 s->port, s->user, mysql_error(m));
        *status = BINLOG_FATAL;
    } else {
        snprintf(err, errlen, "MySQL %s:%d is unreachable: %s", s->host, s->port, mysql_error(m));
        *status = is_connection_error(code) ? BINLOG_RETRY : BINLOG_FATAL;
    }
    mysql_close(m);
    return NULL;
}

MYSQL *binlog_client_sql(struct binlog_client *c, enum binlog_status *status, char *err, size_t errlen) {
    if (c->sql && mysql_ping(c->sql) != 0)
        binlog_client_sql_close(c);
    if (!c->sql)
        c->sql = connect_to(&c->source, status, err, errlen);
    else
        *status = BINLOG_OK;
    return c->sql;
}

void binlog_client_sql_close(struct binlog_client *c) {
    if (c->sql)
        mysql_close(c->sql);
    c->sql = NULL;
}

enum binlog_status binlog_client_check(struct binlog_client *c, char *err, size_t errlen) {
    enum binlog_status status;
    MYSQL *m = binlog_client_sql(c, &status, err, errlen);
    if (!m)
        return status;
    static const struct {
        const char *variable, *wanted, *fix;
    } settings[] = {
        {"log_bin", "ON", "start mariadbd with --log-bin"},
        {"binlog_format", "ROW", "set binlog_format=ROW (SET GLOBAL binlog_format=ROW, or --binlog-format=ROW)"},
        {"binlog_row_image", "FULL", "set binlog_row_image=FULL (or --binlog-row-image=FULL)"},
    };
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        char query[128], value[64];
        snprintf(query, sizeof query, "SELECT @@GLOBAL.%s", settings[i].variable);
        if (sql_value(m, query, 0, value, sizeof value) != 0) {
            snprintf(err, errlen, "MySQL %s:%d: cannot read %s: %s", c->source.host, c->source.port,
                     settings[i].variable, mysql_error(m));
            return BINLOG_RETRY;
        }
        if (strcmp(value, settings[i].wanted) == 0 || (strcmp(value, "1") == 0 && i == 0))
            continue;
        snprintf(err, errlen, "MySQL %s:%d has %s=%s; CDC needs %s: %s", c->source.host, c->source.port,
                 settings[i].variable, value, settings[i].wanted, settings[i].fix);
        return BINLOG_FATAL;
    }
    char grants[4096] = "";
    if (mysql_query(m, "SHOW GRANTS") == 0) {
        MYSQL_RES *res = mysql_store_result(m);
        MYSQL_ROW row;
        while (res && (row = mysql_fetch_row(res)))
            if (row[0] && strlen(grants) + strlen(row[0]) + 2 < sizeof grants) {
                strcat(grants, row[0]);
                strcat(grants, "\n");
            }
        mysql_free_result(res);
    }
    int all = strstr(grants, "ALL PRIVILEGES ON *.*") != NULL;
    if (!all && !strstr(grants, "REPLICATION SLAVE")) {
        snprintf(err, errlen,
                 "MySQL user '%s' may not read the binlog: GRANT REPLICATION SLAVE, BINLOG MONITOR, SELECT ON *.* TO "
                 "'%s'@'%%'",
                 c->source.user, c->source.user);
        return BINLOG_FATAL;
    }
    if (!all && !strstr(grants, "BINLOG MONITOR") && !strstr(grants, "REPLICATION CLIENT")) {
        snprintf(err, errlen,
                 "MySQL user '%s' may not see the binlog position: GRANT BINLOG MONITOR ON *.* TO '%s'@'%%'",
                 c->source.user, c->source.user);
        return BINLOG_FATAL;
    }
    return BINLOG_OK;
}

enum binlog_status binlog_client_head(struct binlog_client *c, char *gtid, size_t gtidlen, char *err, size_t errlen) {
    enum binlog_status status;
    MYSQL *m = binlog_client_sql(c, &status, err, errlen);
    if (!m)
        return status;
    if (sql_value(m, "SELECT @@GLOBAL.gtid_binlog_pos", 0, gtid, gtidlen) != 0) {
        snprintf(err, errlen, "MySQL %s:%d: cannot read gtid_binlog_pos: %s", c->source.host, c->source.port,
                 mysql_error(m));
        return BINLOG_RETRY;
    }
    return BINLOG_OK;
}

enum binlog_status binlog_client_open(struct binlog_client *c, const char *gtid_pos, char *err, size_t errlen) {
    enum binlog_status status;
    binlog_client_close(c);
    c->stream = connect_to(&c->source, &status, err, errlen);
    if (!c->stream)
        return status;
    char query[1024];
    long long heartbeat_ns = (long long)c->source.heartbeat_ms * 1000000LL;
    const char *setup[] = {"SET @master_binlog_checksum=@@global.binlog_checksum", "SET @mariadb_slave_capability=4",
                           "SET @slave_gtid_strict_mode=1", NULL};
    for (int i = 0; setup[i]; i++)
        if (mysql_query(c->stream, setup[i]) != 0)
            goto sql_error;
    snprintf(query, sizeof query, "SET @master_heartbeat_period=%lld", heartbeat_ns);
    if (mysql_query(c->stream, query) != 0)
        goto sql_error;
    snprintf(query, sizeof query, "SET @slave_connect_state='%s'", gtid_pos);
    if (strchr(gtid_pos, '\'') || mysql_query(c->stream, query) != 0)
        goto sql_error;
    c->rpl = mariadb_rpl_init(c->stream);
    if (!c->rpl) {
        snprintf(err, errlen, "out of memory opening the binlog stream");
        binlog_client_close(c);
        return BINLOG_FATAL;
    }
    mariadb_rpl_optionsv(c->rpl, MARIADB_RPL_SERVER_ID, c->source.server_id);
    mariadb_rpl_optionsv(c->rpl, MARIADB_RPL_FILENAME, "", (size_t)0);
    mariadb_rpl_optionsv(c->rpl, MARIADB_RPL_START, 4UL);
    mariadb_rpl_optionsv(c->rpl, MARIADB_RPL_FLAGS, 0);
    mariadb_rpl_optionsv(c->rpl, MARIADB_RPL_HOST, "bridgelab-cdc");
    if (mariadb_rpl_open(c->rpl) != 0)
        goto sql_error;
    c->file[0] = '\0';
    return BINLOG_OK;
sql_error:
    snprintf(err, errlen, "MySQL %s:%d: cannot open the binlog stream: %s", c->source.host, c->source.port,
             mysql_error(c->stream));
    status = is_connection_error(mysql_errno(c->stream)) ? BINLOG_RETRY : BINLOG_FATAL;
    binlog_client_close(c);
    return status;
}

MARIADB_RPL_EVENT *binlog_client_next(struct binlog_client *c, enum binlog_status *status, unsigned *server_error,
                                      char *err, size_t errlen) {
    *server_error = 0;
    if (!c->rpl) {
        *status = BINLOG_RETRY;
        snprintf(err, errlen, "the binlog stream is not open");
        return NULL;
    }
    c->event = mariadb_rpl_fetch(c->rpl, c->event);
    if (c->event) {
        if (c->event->event_type == ROTATE_EVENT && c->event->event.rotate.filename.length > 1) {
            snprintf(c->file, sizeof c->file, "%.*s", (int)c->event->event.rotate.filename.length,
                     c->event->event.rotate.filename.str);
        }
        *status = BINLOG_OK;
        return c->event;
    }
    unsigned code = mysql_errno(c->stream);
    *server_error = code;
    if (code == 1236) { /* ER_MASTER_FATAL_ERROR_READING_BINLOG: e.g. the position is purged */
        snprintf(err, errlen, "MySQL %s:%d cannot send the binlog from the stored position: %s", c->source.host,
                 c->source.port, mysql_error(c->stream));
        *status = BINLOG_FATAL;
    } else if (code == 4052) {
        snprintf(err, errlen,
                 "fenced: another replica registered with server id %u (a second cdc with the same name?): run one "
                 "cdc per name, and give each its own mysql.server.id",
                 c->source.server_id);
        *status = BINLOG_FATAL;
    } else {
        snprintf(err, errlen, "the binlog stream from MySQL %s:%d ended: %s", c->source.host, c->source.port,
                 code ? mysql_error(c->stream) : "the server went away");
        *status = BINLOG_RETRY;
    }
    binlog_client_close(c);
    return NULL;
}

void binlog_client_event_bytes(const struct binlog_client *c, const MARIADB_RPL_EVENT *ev, const uint8_t **data,
                               size_t *len) {
    /* raw_data starts with the network OK byte, then the 19-byte header. */
    const uint8_t *bytes = ev->raw_data;
    size_t size = ev->raw_data_size;
    if (size > 0 && size == (size_t)ev->event_length + 1) {
        bytes++;
        size--;
    }
    if (c->rpl && c->rpl->use_checksum && size >= 4)
        size -= 4;
    *data = bytes;
    *len = size;
}

const char *binlog_client_file(const struct binlog_client *c) { return c->file; }

void binlog_client_close(struct binlog_client *c) {
    if (c->event) {
        mariadb_free_rpl_event(c->event);
        c->event = NULL;
    }
    if (c->rpl) {
        mariadb_rpl_close(c->rpl);
        c->rpl = NULL;
    }
    if (c->stream) {
        mysql_close(c->stream);
        c->stream = NULL;
    }
}
