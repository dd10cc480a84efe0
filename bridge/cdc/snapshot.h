/* The initial snapshot of CDC: a consistent read of the wanted tables and
 * the binlog position it stands at, so the stream can take over with no row
 * missed or doubled. MariaDB gives both without a global lock: START
 * TRANSACTION WITH CONSISTENT SNAPSHOT fixes the InnoDB read view and the
 * binlog file/offset of the same instant (Binlog_snapshot_file/position),
 * which BINLOG_GTID_POS() turns into a GTID position. Rows come out as
 * ROW_READ changes in bridge/cdc/row.h's types, as the binlog decoder's do. */
#ifndef BRIDGELAB_BRIDGE_SNAPSHOT_H
#define BRIDGELAB_BRIDGE_SNAPSHOT_H

#include <stddef.h>

#include <mysql.h>

#include "row.h"

struct snapshot;

/* Starts the consistent read on m (which it then owns until snapshot_end)
 * and gives its GTID position. NULL with err on failure. */
struct snapshot *snapshot_begin(MYSQL *m, const char *database, char *gtid, size_t gtidlen, char *err, size_t errlen);
/* The base tables of the database, sorted by name (caller frees each and
 * the array). Works on any connection, in a snapshot or not. */
int snapshot_list_tables(MYSQL *m, const char *database, char ***tables, int *count, char *err, size_t errlen);
/* Reads every row of the table; fn's non-zero return stops and is returned. */
int snapshot_read_table(struct snapshot *s, const char *table, int (*fn)(const struct row_change *, void *ctx),
                        void *ctx, char *err, size_t errlen);
/* Ends the read (COMMIT) and frees s. */
void snapshot_end(struct snapshot *s);

/* Converts a text-protocol value of the given field to a typed value; exposed
 * for the unit tests. text must stay valid while the value is used. */
void snapshot_value_from_text(const MYSQL_FIELD *field, const char *text, unsigned long len, struct value *out);

#endif
