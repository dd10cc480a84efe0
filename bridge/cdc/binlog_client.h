/* The binlog side of CDC: one replication connection to MariaDB through
 * Connector/C's mariadb_rpl API. It checks that the server can feed CDC
 * (binlog on, ROW format, FULL row image, the privileges), registers as a
 * replica with its own server id, and streams events from a GTID position,
 * with heartbeats while the server is idle so the caller can commit what it
 * holds. A failure closes the stream; the caller reopens it from the last
 * position it committed. */
#ifndef BRIDGELAB_BRIDGE_BINLOG_CLIENT_H
#define BRIDGELAB_BRIDGE_BINLOG_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <mysql.h>

#include <mariadb_rpl.h> /* needs mysql.h first */

struct binlog_source {
    const char *host;
    int port;
    const char *user;
    const char *password;
    const char *database; /* the database whose changes are wanted */
    uint32_t server_id;   /* unique among the server's replicas */
    int heartbeat_ms;
};

enum binlog_status {
    BINLOG_OK,
    BINLOG_RETRY, /* the server went away or restarted: reopen later */
    BINLOG_FATAL, /* a setting or privilege to fix: err says which */
};

struct binlog_client;

struct binlog_client *binlog_client_new(const struct binlog_source *source);
void binlog_client_free(struct binlog_client *c);

/* A plain SQL connection to the same server (for checks, the head position,
 * information_schema and the snapshot); connects on first use. */
MYSQL *binlog_client_sql(struct binlog_client *c, enum binlog_status *status, char *err, size_t errlen);
void binlog_client_sql_close(struct binlog_client *c);

/* The server's binlog settings and the user's privileges. */
enum binlog_status binlog_client_check(struct binlog_client *c, char *err, size_t errlen);
/* The GTID position of the binlog's head (@@gtid_binlog_pos). */
enum binlog_status binlog_client_head(struct binlog_client *c, char *gtid, size_t gtidlen, char *err, size_t errlen);

/* Opens the stream after the GTID position ("0-1-42", several domains
 * comma-separated; "" = from the oldest binlog). */
enum binlog_status binlog_client_open(struct binlog_client *c, const char *gtid_pos, char *err, size_t errlen);
/* The next event, valid until the next call; NULL with the status when the
 * stream ended. A purged position is BINLOG_FATAL with errno 1236 in
 * *server_error. */
MARIADB_RPL_EVENT *binlog_client_next(struct binlog_client *c, enum binlog_status *status, unsigned *server_error,
                                      char *err, size_t errlen);
/* The event's bytes without the trailing checksum. */
void binlog_client_event_bytes(const struct binlog_client *c, const MARIADB_RPL_EVENT *ev, const uint8_t **data,
                               size_t *len);
/* The binlog file name the stream is reading, as the last ROTATE said. */
const char *binlog_client_file(const struct binlog_client *c);
void binlog_client_close(struct binlog_client *c);

#endif
