/* binlog_capture: a test tool. Reads the binlog from a given position to its
 * current end (NON_BLOCK) with mariadb_rpl and keeps the TABLE_MAP and rows
 * events of one database, exactly as MARIADB_RPL_EVENT.raw_data holds them,
 * for the decoder's tests (tests/unit/test_binlog_rows.c).
 *
 *   binlog_capture --defaults-file CNF --database DB --out DIR
 *                  [--file binlog.000001 --pos 4] [--server-id N]
 *
 * DIR/<table>.events: the table's events in binlog order, each as a 4-byte
 * little-endian length and then raw_data (the leading OK byte, the 19-byte
 * header, the body and, with binlog_checksum=CRC32, the 4-byte checksum).
 * DIR/info: "checksum=crc32" or "checksum=none", from FORMAT_DESCRIPTION.
 * Prints one line per kept event and a summary; exits non-zero on errors. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>

#include <mariadb/mariadb_rpl.h>

struct mapped {
    uint64_t id;
    char table[200];
};

static void usage(void) {
    fprintf(stderr, "usage: binlog_capture --defaults-file CNF --database DB --out DIR "
                    "[--file NAME --pos N] [--server-id N]\n");
    exit(2);
}

static int query(MYSQL *db, const char *sql) {
    if (mysql_query(db, sql) != 0) {
        fprintf(stderr, "binlog_capture: %s: %s\n", sql, mysql_error(db));
        return -1;
    }
    return 0;
}

static int append_event(const char *dir, const char *table, const unsigned char *data, size_t len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.events", dir, table);
    FILE *f = fopen(path, "ab");
    if (!f) {
        fprintf(stderr, "binlog_capture: %s: %s\n", path, strerror(errno));
        return -1;
    }
    unsigned char n[4] = {(unsigned char)len, (unsigned char)(len >> 8), (unsigned char)(len >> 16),
                          (unsigned char)(len >> 24)};
    int rc = fwrite(n, 1, 4, f) == 4 && fwrite(data, 1, len, f) == len ? 0 : -1;
    if (fclose(f) != 0)
        rc = -1;
    if (rc != 0)
        fprintf(stderr, "binlog_capture: cannot write %s\n", path);
    return rc;
}

static int is_rows_event(unsigned t) { return (t >= 23 && t <= 25) || (t >= 30 && t <= 32); }

int main(int argc, char **argv) {
    const char *cnf = NULL, *database = NULL, *out = NULL, *file = "";
    unsigned long pos = 4, server_id = 9901;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc)
            usage();
        if (strcmp(argv[i], "--defaults-file") == 0)
            cnf = argv[++i];
        else if (strcmp(argv[i], "--database") == 0)
            database = argv[++i];
        else if (strcmp(argv[i], "--out") == 0)
            out = argv[++i];
        else if (strcmp(argv[i], "--file") == 0)
            file = argv[++i];
        else if (strcmp(argv[i], "--pos") == 0)
            pos = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--server-id") == 0)
            server_id = strtoul(argv[++i], NULL, 10);
        else
            usage();
    }
    if (!cnf || !database || !out)
        usage();

    MYSQL *db = mysql_init(NULL);
    if (!db)
        return 1;
    mysql_optionsv(db, MYSQL_READ_DEFAULT_FILE, cnf);
    mysql_optionsv(db, MYSQL_READ_DEFAULT_GROUP, "client");
    if (!mysql_real_connect(db, NULL, NULL, NULL, NULL, 0, NULL, 0)) {
        fprintf(stderr, "binlog_capture: connect: %s\n", mysql_error(db));
        return 1;
    }
    if (query(db, "SET @master_binlog_checksum = @@global.binlog_checksum") != 0 ||
        query(db, "SET @mariadb_slave_capability = 4") != 0)
        return 1;

    MARIADB_RPL *rpl = mariadb_rpl_init(db);
    if (!rpl) {
        fprintf(stderr, "binlog_capture: mariadb_rpl_init failed\n");
        return 1;
    }
    unsigned int flags = MARIADB_RPL_BINLOG_DUMP_NON_BLOCK;
    mariadb_rpl_optionsv(rpl, MARIADB_RPL_SERVER_ID, (unsigned int)server_id);
    mariadb_rpl_optionsv(rpl, MARIADB_RPL_FILENAME, file, strlen(file));
    mariadb_rpl_optionsv(rpl, MARIADB_RPL_START, pos);
    mariadb_rpl_optionsv(rpl, MARIADB_RPL_FLAGS, flags);
    if (mariadb_rpl_open(rpl) != 0) {
        fprintf(stderr, "binlog_capture: mariadb_rpl_open: %s (%u) / %s\n", mariadb_rpl_error(rpl),
                mariadb_rpl_errno(rpl), mysql_error(db));
        return 1;
    }

    struct mapped *maps = NULL;
    size_t nmaps = 0;
    int kept = 0, seen = 0, failed = 0, checksum = -1;
    MARIADB_RPL_EVENT *ev = NULL;
    while ((ev = mariadb_rpl_fetch(rpl, ev)) != NULL) {
        seen++;
        unsigned type = ev->event_type;
        if (type == FORMAT_DESCRIPTION_EVENT)
            checksum = rpl->use_checksum;
        /* What raw_data holds, checked on every event. */
        if (ev->raw_data_size != (size_t)ev->event_length + 1 || ev->raw_data[0] != 0 || ev->raw_data_ofs != 1 ||
            ev->raw_data[1 + 4] != type) {
            fprintf(stderr, "binlog_capture: event %u: raw_data_size %zu, event_length %u, ofs %zu, first byte %u\n",
                    type, ev->raw_data_size, ev->event_length, ev->raw_data_ofs, ev->raw_data[0]);
            failed = 1;
        }
        if (type == TABLE_MAP_EVENT) {
            const struct st_mariadb_rpl_table_map_event *tm = &ev->event.table_map;
            if (tm->database.length != strlen(database) || memcmp(tm->database.str, database, tm->database.length))
                continue;
            size_t i;
            for (i = 0; i < nmaps && maps[i].id != tm->table_id; i++)
                ;
            if (i == nmaps) {
                struct mapped *grown = realloc(maps, (nmaps + 1) * sizeof *maps);
                if (!grown)
                    return 1;
                maps = grown;
                nmaps++;
            }
            maps[i].id = tm->table_id;
            snprintf(maps[i].table, sizeof maps[i].table, "%.*s", (int)tm->table.length, tm->table.str);
            if (append_event(out, maps[i].table, ev->raw_data, ev->raw_data_size) != 0)
                return 1;
            printf("TABLE_MAP %s id %llu: %zu bytes\n", maps[i].table, (unsigned long long)tm->table_id,
                   ev->raw_data_size);
            kept++;
        } else if (is_rows_event(type)) {
            uint64_t id = ev->event.rows.table_id;
            size_t i;
            for (i = 0; i < nmaps && maps[i].id != id; i++)
                ;
            if (i == nmaps)
                continue; /* another database */
            if (append_event(out, maps[i].table, ev->raw_data, ev->raw_data_size) != 0)
                return 1;
            printf("ROWS(%u) %s: %zu bytes\n", type, maps[i].table, ev->raw_data_size);
            kept++;
        }
    }
    if (mysql_errno(db) != 0 || mariadb_rpl_errno(rpl) != 0) {
        fprintf(stderr, "binlog_capture: fetch: %s / %s\n", mysql_error(db), mariadb_rpl_error(rpl));
        failed = 1;
    }
    mariadb_rpl_close(rpl);
    mysql_close(db);
    free(maps);

    char path[4096];
    snprintf(path, sizeof path, "%s/info", out);
    FILE *f = fopen(path, "w");
    if (!f || fprintf(f, "checksum=%s\n", checksum > 0 ? "crc32" : "none") < 0 || fclose(f) != 0) {
        fprintf(stderr, "binlog_capture: cannot write %s\n", path);
        return 1;
    }
    printf("%d events read, %d kept, checksum %s\n", seen, kept, checksum > 0 ? "crc32" : "none");
    return failed;
}
