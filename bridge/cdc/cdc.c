/* The CDC engine, binlog to Kafka exactly once: see cdc.h. */
#include "cdc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "binlog_client.h"
#include "binlog_rows.h"
#include "clock.h"
#include "column_type.h"
#include "committer.h"
#include "event_json.h"
#include "gtid.h"
#include "json_writer.h"
#include "kafka.h"
#include "log.h"
#include "shutdown.h"
#include "snapshot.h"
#include "sql_value.h"

#define GTID_FLAG_STANDALONE 1 /* a GTID event's flag: no XID or COMMIT follows (DDL) */
#define POSITION_EVERY_MS 1000 /* an idle stream still moves its position this often */
#define BACKOFF_MAX_MS 5000
#define ROUTES 16 /* tables whose routes are remembered */

enum step { STEP_OK, STEP_REPLAY, STEP_FATAL };

struct cdc {
    const struct cdc_settings *s;
    rd_kafka_conf_t *kafka_conf;
    struct binlog_client *binlog;
    struct binlog_rows *rows;
    struct kafka_producer *producer;
    struct committer *committer;
    struct json_writer *key, *value;
    char transactional_id[256];

    /* The "bridgelab.columns" header text of the table whose rows came
     * last (event_json_columns), made again when another table's come. */
    struct {
        struct json_writer *text;
        const struct table *table;
        uint64_t table_id;
        int column_count;
        char database[130], name[130];
    } columns;

    /* The stream's records go into the filling batch; the spare one is in
     * the committer's hands, or free. The snapshot produces directly. */
    struct batch *filling, *spare;
    int snapshotting;
    uint64_t txn_events; /* changes of the MySQL transaction being read */
    int64_t txn_last_event_ms;
    long long handed_ms; /* when a batch was last handed to the committer */

    char committed[1024]; /* the position in Kafka; written under lock (set_committed) */
    char pending[1024];   /* where the last whole MySQL transaction read ends; written under lock (set_pending) */
    int producer_broken;  /* the producer hit a fatal error other than fencing */

    char **topics; /* the topics known to exist */
    int topic_count;

    int in_transaction; /* between a GTID event and its end */
    int standalone;
    uint32_t gtid_domain, gtid_server;
    uint64_t gtid_sequence;
    char gtid_text[GTID_TEXT_MAX];
    int at_head;              /* a heartbeat came: nothing more to read for now */
    int64_t seen_event_ms;    /* binlog time of the last event read */
    uint64_t seen_pos;        /* its end position in the current file */
    long long lag_checked_ms; /* when the head was last asked for */

    /* Where recent tables' rows go: a transaction touches a few tables in
     * turn, so this spares the filter and the topic name on every switch. */
    struct route {
        const struct table *table;
        char database[130], name[130];
        int wanted;
        char topic[512];
    } routes[ROUTES];
    int next_route;

    pthread_mutex_t lock;
    struct cdc_metrics metrics;
};

static void on_committed(const struct batch *b, void *ctx);
static enum step record_ddl(struct cdc *c, const MARIADB_RPL_EVENT *ev, char *err, size_t errlen);

static void set_state(struct cdc *c, const char *state) {
    pthread_mutex_lock(&c->lock);
    snprintf(c->metrics.state, sizeof c->metrics.state, "%s", state);
    c->metrics.streaming = strcmp(state, "streaming") == 0;
    pthread_mutex_unlock(&c->lock);
}

void cdc_metrics_read(struct cdc *c, struct cdc_metrics *out) {
    pthread_mutex_lock(&c->lock);
    *out = c->metrics;
    snprintf(out->last_gtid, sizeof out->last_gtid, "%s", c->committed);
    snprintf(out->read_gtid, sizeof out->read_gtid, "%s", c->pending);
    pthread_mutex_unlock(&c->lock);
}

/* The position read moves (under the lock: /metrics reads it). */
static void set_pending(struct cdc *c, const char *position) {
    pthread_mutex_lock(&c->lock);
    snprintf(c->pending, sizeof c->pending, "%s", position);
    pthread_mutex_unlock(&c->lock);
}

/* The committed position moves (under the lock: /metrics reads it). */
static void set_committed(struct cdc *c, const char *position) {
    pthread_mutex_lock(&c->lock);
    snprintf(c->committed, sizeof c->committed, "%s", position);
    pthread_mutex_unlock(&c->lock);
}

struct cdc *cdc_new(const struct cdc_settings *settings, const char *password, const rd_kafka_conf_t *kafka_conf,
                    char *err, size_t errlen) {
    struct cdc *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->s = settings;
    pthread_mutex_init(&c->lock, NULL);
    snprintf(c->transactional_id, sizeof c->transactional_id, "bridgelab-cdc-%s", settings->name);
    struct binlog_source source = {settings->host,     settings->port,      settings->user,        password,
                                   settings->database, settings->server_id, settings->batch_max_ms};
    c->kafka_conf = rd_kafka_conf_dup(kafka_conf);
    c->binlog = binlog_client_new(&source);
    c->rows = binlog_rows_new();
    if (c->rows) /* binlog_client_event_bytes strips the checksum */
        binlog_rows_set_checksum(c->rows, BINLOG_CHECKSUM_NONE);
    c->key = json_writer_new(256);
    c->value = json_writer_new(4096);
    c->columns.text = json_writer_new(1024);
    c->filling = batch_new();
    c->spare = batch_new();
    c->committer = committer_new(on_committed, c);
    if (c->kafka_conf)
        c->producer = kafka_producer_new(c->kafka_conf, "cdc", c->transactional_id, err, errlen);
    else
        snprintf(err, errlen, "out of memory");
    if (!c->kafka_conf || !c->binlog || !c->rows || !c->key || !c->value || !c->filling || !c->spare || !c->committer ||
        !c->producer) {
        if (c->kafka_conf && c->producer == NULL && !err[0])
            snprintf(err, errlen, "out of memory");
        cdc_free(c);
        return NULL;
    }
    set_state(c, "starting");
    return c;
}

void cdc_free(struct cdc *c) {
    if (!c)
        return;
    committer_free(c->committer);
    kafka_producer_free(c->producer);
    batch_free(c->filling);
    batch_free(c->spare);
    for (int i = 0; i < c->topic_count; i++)
        free(c->topics[i]);
    free(c->topics);
    json_writer_free(c->key);
    json_writer_free(c->value);
    json_writer_free(c->columns.text);
    binlog_rows_free(c->rows);
    binlog_client_free(c->binlog);
    if (c->kafka_conf)
        rd_kafka_conf_destroy(c->kafka_conf);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* ------------------------------------------------------------- positions */

/* The position record's value, in c->value: where the CDC stands. */
static void position_value(struct cdc *c, const char *gtid) {
    json_writer_reset(c->value);
    json_writer_begin_object(c->value);
    json_writer_key(c->value, "gtid");
    json_writer_string(c->value, gtid);
    json_writer_key(c->value, "file");
    json_writer_string(c->value, binlog_client_file(c->binlog));
    json_writer_key(c->value, "ts_ms");
    json_writer_int(c->value, clock_wall_ms());
    json_writer_end_object(c->value);
}

/* Reads the committed position back; 1 when there is none. */
static int read_position(struct cdc *c, char *gtid, size_t len, char *err, size_t errlen) {
    char *value = NULL;
    int rc = kafka_read_last(c->kafka_conf, c->s->position_topic, c->s->name, &value, NULL, 30000, err, errlen);
    if (rc != 0)
        return rc == KAFKA_NOT_FOUND ? 1 : -1;
    const char *key = strstr(value, "\"gtid\":\"");
    const char *end = key ? strchr(key + 8, '"') : NULL;
    if (!key || !end || (size_t)(end - key - 8) >= len) {
        snprintf(err, errlen, "the stored position of '%s' in %s is unreadable: %s", c->s->name, c->s->position_topic,
                 value);
        free(value);
        return -1;
    }
    memcpy(gtid, key + 8, (size_t)(end - key - 8));
    gtid[end - key - 8] = '\0';
    free(value);
    if (!gtid_pos_valid(gtid)) {
        snprintf(err, errlen, "the stored position '%s' in %s is not a GTID position", gtid, c->s->position_topic);
        return -1;
    }
    return 0;
}

/* A commit went through: the position and the metrics move. */
static void committed(struct cdc *c, const char *position, const struct batch_totals *totals) {
    set_committed(c, position);
    pthread_mutex_lock(&c->lock);
    c->metrics.events += totals->events;
    c->metrics.transactions += totals->transactions;
    c->metrics.kafka_commits++;
    if (totals->last_event_ms)
        c->metrics.last_event_ms = totals->last_event_ms;
    pthread_mutex_unlock(&c->lock);
    log_debug("committed %llu events of %llu transactions, position %s", (unsigned long long)totals->events,
              (unsigned long long)totals->transactions, position);
}

/* On the committer's thread. */
static void on_committed(const struct batch *b, void *ctx) { committed(ctx, batch_position(b), batch_totals(b)); }

/* --------------------------------------------------------- kafka batches */

/* True when another producer with our transactional id took over. */
static int producer_fenced(struct cdc *c) { return kafka_producer_fenced(c->producer); }

/* What a Kafka outcome means for the stream. On a failure, what was read
 * ahead is dropped: the replay from the committed position brings it again,
 * and nothing after a failed batch may be committed before it. */
static enum step kafka_step(enum kafka_txn rc, struct cdc *c, const char *err) {
    if (rc == KAFKA_TXN_OK)
        return STEP_OK;
    batch_clear(c->filling);
    if (rc == KAFKA_TXN_ABORTED) {
        log_warn("Kafka transaction aborted (%s): replaying from '%s'", err, c->committed);
        return STEP_REPLAY;
    }
    if (producer_fenced(c))
        return STEP_FATAL;
    /* Any other fatal state of the producer: a new one (whose init aborts
     * what the old one left open) replays from the committed position. */
    log_warn("Kafka producer failed (%s): starting a new one, replaying from '%s'", err, c->committed);
    c->producer_broken = 1;
    return STEP_REPLAY;
}

/* Hands the whole transactions read so far to the committer, closed by the
 * position record, and goes on filling the other batch. Waits while the
 * batch before is still in flight. */
static enum step hand_over(struct cdc *c, char *err, size_t errlen) {
    batch_drop_open(c->filling);
    position_value(c, batch_position(c->filling));
    if (batch_add(c->filling, c->s->position_topic, NULL, c->s->name, strlen(c->s->name), json_writer_data(c->value),
                  json_writer_len(c->value)) != 0) {
        snprintf(err, errlen, "out of memory");
        return STEP_FATAL;
    }
    batch_seal(c->filling);
    enum step st = kafka_step(committer_submit(c->committer, c->producer, c->filling, err, errlen), c, err);
    if (st != STEP_OK)
        return st;
    struct batch *free_one = c->spare; /* the committer is done with it: submit waited */
    c->spare = c->filling;
    c->filling = free_one;
    batch_clear(c->filling);
    c->handed_ms = clock_wall_ms();
    return STEP_OK;
}

/* At a transaction boundary (or a heartbeat, when the binlog is quiet):
 * hands the batch over when the committer is free and the last hand-over is
 * cdc.commit.interval.ms old (else reading goes on and the batch grows),
 * when the batch is full, or to stop. A batch of transactions with nothing
 * wanted still moves the position, now and then. */
static enum step maybe_hand_over(struct cdc *c, char *err, size_t errlen) {
    if (c->in_transaction || batch_totals(c->filling)->transactions == 0)
        return STEP_OK;
    int full = (long long)batch_count(c->filling) >= c->s->batch_max_events ||
               (long long)batch_bytes(c->filling) >= c->s->batch_max_bytes;
    if (full || shutdown_requested())
        return hand_over(c, err, errlen);
    if (batch_whole_count(c->filling) == 0 && clock_wall_ms() - c->handed_ms < POSITION_EVERY_MS)
        return STEP_OK;
    if (committer_busy(c->committer) || clock_wall_ms() - c->handed_ms < c->s->commit_interval_ms)
        return STEP_OK;
    return hand_over(c, err, errlen);
}

/* Ends a run of the stream: the whole transactions read are committed (one
 * cut off halfway is dropped: the replay reads it again) and the committer
 * is waited for. STEP_OK, or the Kafka side's failure with err. */
static enum step finish(struct cdc *c, char *err, size_t errlen) {
    enum step st = STEP_OK;
    batch_drop_open(c->filling);
    if (!c->producer_broken && batch_totals(c->filling)->transactions > 0)
        st = hand_over(c, err, errlen);
    enum step waited = kafka_step(committer_wait(c->committer, err, errlen), c, err);
    batch_clear(c->filling);
    batch_clear(c->spare);
    return st != STEP_OK ? st : waited;
}

/* ---------------------------------------------------------------- topics */

static int topic_known(const struct cdc *c, const char *topic) {
    for (int i = 0; i < c->topic_count; i++)
        if (strcmp(c->topics[i], topic) == 0)
            return 1;
    return 0;
}

/* Creates the topics not known yet (clusters such as Confluent Cloud create
 * none on their own; and producing to a topic being auto-created stalls),
 * then has the producer learn them. */
static enum step ensure_topics(struct cdc *c, const char *const *topics, int count, char *err, size_t errlen) {
    const char **missing = calloc(count ? (size_t)count : 1, sizeof *missing);
    char **grown = realloc(c->topics, (size_t)(c->topic_count + count + 1) * sizeof *grown);
    if (grown)
        c->topics = grown;
    if (!missing || !grown) {
        free(missing);
        snprintf(err, errlen, "out of memory");
        return STEP_FATAL;
    }
    int n = 0;
    for (int i = 0; i < count; i++)
        if (!topic_known(c, topics[i]))
            missing[n++] = topics[i];
    enum step st = STEP_OK;
    if (n && kafka_ensure_topics(c->kafka_conf, missing, n, c->s->topic_partitions, c->s->topic_replication_factor,
                                 NULL, 30000, err, errlen) != 0)
        st = STEP_REPLAY;
    for (int i = 0; st == STEP_OK && i < n; i++) {
        if (!(c->topics[c->topic_count] = strdup(missing[i]))) {
            snprintf(err, errlen, "out of memory");
            st = STEP_FATAL;
        } else {
            c->topic_count++;
        }
    }
    free(missing);
    if (st == STEP_OK && kafka_producer_learn_topics(c->producer, 30000, err, errlen) != 0)
        st = STEP_REPLAY;
    return st;
}

/* Creates the topics not known yet of the wanted tables among tables (of
 * the database). */
static enum step ensure_table_topics(struct cdc *c, char *const *tables, int count, char *err, size_t errlen) {
    char(*topics)[512] = calloc(count ? (size_t)count : 1, sizeof *topics);
    const char **wanted = calloc(count ? (size_t)count : 1, sizeof *wanted);
    enum step st = STEP_OK;
    int n = 0;
    if (!topics || !wanted) {
        snprintf(err, errlen, "out of memory");
        st = STEP_FATAL;
    }
    for (int t = 0; st == STEP_OK && t < count; t++) {
        if (!cdc_settings_wants(c->s, tables[t]))
            continue;
        cdc_settings_topic(c->s, c->s->database, tables[t], topics[n], sizeof topics[n]);
        if (!topic_known(c, topics[n])) {
            wanted[n] = topics[n];
            n++;
        }
    }
    if (st == STEP_OK && n > 0)
        st = ensure_topics(c, wanted, n, err, errlen);
    free(topics);
    free(wanted);
    return st;
}

/* After DDL of the database: the topics of the tables it created (CREATE
 * TABLE, RENAME TABLE ...) are made now, as those of the tables there at
 * the start were, rather than when their first row comes. The tables are
 * read as they are now, so no statement needs parsing; one created and
 * dropped since is simply not there (its rows, if any, make its topic when
 * they come). */
static enum step new_table_topics(struct cdc *c, char *err, size_t errlen) {
    enum binlog_status status;
    MYSQL *m = binlog_client_sql(c->binlog, &status, err, errlen);
    if (!m)
        return status == BINLOG_FATAL ? STEP_FATAL : STEP_REPLAY;
    char **tables = NULL;
    int count = 0;
    if (snapshot_list_tables(m, c->s->database, &tables, &count, err, errlen) != 0)
        return STEP_REPLAY;
    enum step st = ensure_table_topics(c, tables, count, err, errlen);
    for (int i = 0; i < count; i++)
        free(tables[i]);
    free(tables);
    return st;
}

/* ------------------------------------------------------------ the events */

struct produce_ctx {
    struct cdc *c;
    struct event_source *source; /* on_row sets its row */
    int64_t now_ns;              /* the events' ts_ms/us/ns: the clock read once per rows event */
    int rows;                    /* the rows of the rows event given so far */
    enum step step;
    char *err;
    size_t errlen;
};

/* The topic of a wanted table's rows, or NULL when its rows are not wanted. */
static const char *route(struct cdc *c, const struct table *t) {
    for (int i = 0; i < ROUTES; i++) {
        const struct route *r = &c->routes[i];
        if (r->table == t && strcmp(t->name, r->name) == 0 && strcmp(t->database, r->database) == 0)
            return r->wanted ? r->topic : NULL;
    }
    struct route *r = &c->routes[c->next_route];
    c->next_route = (c->next_route + 1) % ROUTES;
    r->table = t;
    snprintf(r->database, sizeof r->database, "%s", t->database);
    snprintf(r->name, sizeof r->name, "%s", t->name);
    r->wanted = strcmp(t->database, c->s->database) == 0 && cdc_settings_wants(c->s, t->name);
    cdc_settings_topic(c->s, t->database, t->name, r->topic, sizeof r->topic);
    return r->wanted ? r->topic : NULL;
}

/* The "bridgelab.columns" text of t's records, or NULL when memory ran out
 * (the records then go without it). */
static const char *columns_of(struct cdc *c, const struct table *t) {
    if (c->columns.table != t || c->columns.table_id != t->id || c->columns.column_count != t->column_count ||
        strcmp(c->columns.database, t->database) != 0 || strcmp(c->columns.name, t->name) != 0) {
        json_writer_reset(c->columns.text);
        if (event_json_columns(c->columns.text, t, c->s->unwrap) != 1) {
            c->columns.table = NULL;
            return NULL;
        }
        c->columns.table = t;
        c->columns.table_id = t->id;
        c->columns.column_count = t->column_count;
        snprintf(c->columns.database, sizeof c->columns.database, "%s", t->database);
        snprintf(c->columns.name, sizeof c->columns.name, "%s", t->name);
    }
    return json_writer_data(c->columns.text);
}

/* One record: into the batch, or straight to Kafka for the snapshot. */
static enum step emit(struct cdc *c, const char *topic, const char *columns, const char *key, size_t key_len,
                      const char *value, size_t value_len, char *err, size_t errlen) {
    if (c->snapshotting) {
        rd_kafka_headers_t *headers = kafka_columns_header(columns);
        enum kafka_txn rc =
            kafka_producer_produce(c->producer, topic, key, key_len, value, value_len, headers, err, errlen);
        if (headers)
            rd_kafka_headers_destroy(headers);
        return kafka_step(rc, c, err);
    }
    if (batch_add(c->filling, topic, columns, key, key_len, value, value_len) == 0)
        return STEP_OK;
    snprintf(err, errlen, "out of memory");
    return STEP_FATAL;
}

/* One change's event (and tombstone) to topic. */
static enum step produce_change(struct cdc *c, const char *topic, const struct row_change *change,
                                const struct event_source *source, int64_t now_ns, char *err, size_t errlen) {
    json_writer_reset(c->key);
    int has_key = event_json_key(c->key, change);
    json_writer_reset(c->value);
    int has_value = c->s->unwrap ? event_json_unwrapped(c->value, change, c->s->dc)
                                 : event_json_value(c->value, change, source, now_ns);
    const char *key = has_key ? json_writer_data(c->key) : NULL;
    size_t key_len = has_key ? json_writer_len(c->key) : 0;
    enum step st = STEP_OK;
    if (has_value)
        st = emit(c, topic, columns_of(c, change->table), key, key_len, json_writer_data(c->value),
                  json_writer_len(c->value), err, errlen);
    /* A tombstone follows each delete, so compaction can drop the key. */
    if (st == STEP_OK && change->op == ROW_DELETE && has_key)
        st = emit(c, topic, NULL, key, key_len, NULL, 0, err, errlen);
    if (st == STEP_OK)
        c->txn_events++;
    return st;
}

static int on_row(const struct row_change *change, void *ctx) {
    struct produce_ctx *p = ctx;
    struct cdc *c = p->c;
    /* source.row: the row's index within its rows event, as Debezium gives
     * it (a statement split into several rows events starts again at 0);
     * the delete and create of a key change share it. */
    p->source->row = p->rows++;
    const char *topic = route(c, change->table);
    if (!topic)
        return 0;
    if (change->op == ROW_UPDATE && event_json_key_changed(change)) {
        /* A new key is a new row: the old one is deleted, as Debezium does. */
        struct row_change gone = {change->table, ROW_DELETE, change->before, NULL};
        struct row_change born = {change->table, ROW_INSERT, NULL, change->after};
        p->step = produce_change(c, topic, &gone, p->source, p->now_ns, p->err, p->errlen);
        if (p->step == STEP_OK)
            p->step = produce_change(c, topic, &born, p->source, p->now_ns, p->err, p->errlen);
    } else {
        p->step = produce_change(c, topic, change, p->source, p->now_ns, p->err, p->errlen);
    }
    return p->step == STEP_OK ? 0 : 1;
}

static enum step on_rows_event(struct cdc *c, const MARIADB_RPL_EVENT *ev, char *err, size_t errlen) {
    const uint8_t *data;
    size_t len;
    binlog_client_event_bytes(c->binlog, ev, &data, &len);
    struct event_source source = {
        .server_name = c->s->dc,
        .ts_ns = (int64_t)ev->timestamp * 1000000000,
        .snapshot = EVENT_SNAPSHOT_FALSE,
        .server_id = ev->server_id,
        .gtid = c->gtid_text,
        .file = binlog_client_file(c->binlog),
        .pos = ev->next_event_pos - ev->event_length,
    };
    struct produce_ctx p = {.c = c, .source = &source, .now_ns = clock_wall_ns(), .err = err, .errlen = errlen};
    uint64_t before = c->txn_events;
    int rc = binlog_rows_decode(c->rows, data, len, on_row, &p, err, errlen);
    if (rc != 0 && p.step == STEP_OK) {
        /* A row the decoder cannot read: stopping is the only safe thing. */
        char why[512];
        snprintf(why, sizeof why, "%s", err);
        snprintf(err, errlen, "cannot decode a rows event at %s:%llu (GTID %s): %s", source.file,
                 (unsigned long long)source.pos, c->gtid_text, why);
        return STEP_FATAL;
    }
    if (c->txn_events > before)
        c->txn_last_event_ms = (int64_t)ev->timestamp * 1000;
    return p.step;
}

/* DDL run in the database goes to the schema-history topic, in the batch
 * of its transaction; DDL that may have created tables of the database
 * (run in it, or naming it: CREATE TABLE orders.t) makes their topics. */
static enum step on_query(struct cdc *c, const MARIADB_RPL_EVENT *ev, char *err, size_t errlen) {
    const struct st_mariadb_rpl_query_event *q = &ev->event.query;
    if (!c->standalone)
        return STEP_OK; /* BEGIN / COMMIT of non-transactional tables */
    size_t db_len = strlen(c->s->database);
    int ours = q->database.length == db_len && strncmp(q->database.str, c->s->database, db_len) == 0;
    enum step st = ours ? record_ddl(c, ev, err, errlen) : STEP_OK;
    if (st == STEP_OK && (ours || memmem(q->statement.str, q->statement.length, c->s->database, db_len)))
        st = new_table_topics(c, err, errlen);
    return st;
}

/* The DDL's record in the schema-history topic. */
static enum step record_ddl(struct cdc *c, const MARIADB_RPL_EVENT *ev, char *err, size_t errlen) {
    const struct st_mariadb_rpl_query_event *q = &ev->event.query;
    json_writer_reset(c->value);
    json_writer_begin_object(c->value);
    json_writer_key(c->value, "source");
    json_writer_begin_object(c->value);
    json_writer_key(c->value, "server");
    json_writer_string(c->value, c->s->dc);
    json_writer_end_object(c->value);
    json_writer_key(c->value, "position");
    json_writer_begin_object(c->value);
    json_writer_key(c->value, "gtid");
    json_writer_string(c->value, c->gtid_text);
    json_writer_key(c->value, "file");
    json_writer_string(c->value, binlog_client_file(c->binlog));
    json_writer_key(c->value, "pos");
    json_writer_uint(c->value, ev->next_event_pos - ev->event_length);
    json_writer_end_object(c->value);
    json_writer_key(c->value, "ts_ms");
    json_writer_int(c->value, (int64_t)ev->timestamp * 1000);
    json_writer_key(c->value, "databaseName");
    json_writer_string_n(c->value, q->database.str, q->database.length);
    json_writer_key(c->value, "ddl");
    json_writer_string_n(c->value, q->statement.str, q->statement.length);
    json_writer_end_object(c->value);
    log_info("DDL at %s: %.*s", c->gtid_text, (int)q->statement.length, q->statement.str);
    return emit(c, c->s->history_topic, NULL, c->s->dc, strlen(c->s->dc), json_writer_data(c->value),
                json_writer_len(c->value), err, errlen);
}

static enum step end_transaction(struct cdc *c, char *err, size_t errlen) {
    if (!c->in_transaction)
        return STEP_OK;
    c->in_transaction = 0;
    char pending[sizeof c->pending];
    memcpy(pending, c->pending, sizeof pending);
    if (gtid_pos_set(pending, sizeof pending, c->gtid_domain, c->gtid_server, c->gtid_sequence) != 0)
        log_warn("position too long to keep: %s", pending);
    set_pending(c, pending);
    int rc = batch_end_transaction(c->filling, c->pending, c->txn_events, c->txn_last_event_ms);
    c->txn_events = 0;
    c->txn_last_event_ms = 0;
    if (rc == 0)
        return maybe_hand_over(c, err, errlen);
    snprintf(err, errlen, "out of memory");
    return STEP_FATAL;
}

/* Without binlog_row_metadata=FULL a TABLE_MAP carries no column names,
 * ENUM/SET value names nor key: they come from information_schema (the
 * schema as it is now, which is right unless DDL ran since the event). */
static enum step name_columns(struct cdc *c, const struct table *t, char *err, size_t errlen) {
    enum binlog_status status;
    MYSQL *m = binlog_client_sql(c->binlog, &status, err, errlen);
    if (!m)
        return status == BINLOG_FATAL ? STEP_FATAL : STEP_REPLAY;
    char db[260], name[260], query[1024];
    mysql_real_escape_string(m, db, t->database, (unsigned long)strlen(t->database));
    mysql_real_escape_string(m, name, t->name, (unsigned long)strlen(t->name));
    snprintf(query, sizeof query,
             "SELECT COLUMN_NAME, COLUMN_KEY = 'PRI', COLUMN_TYPE FROM information_schema.COLUMNS WHERE "
             "TABLE_SCHEMA='%s' AND "
             "TABLE_NAME='%s' ORDER BY ORDINAL_POSITION",
             db, name);
    MYSQL_RES *res;
    if (mysql_query(m, query) != 0 || !(res = mysql_store_result(m))) {
        snprintf(err, errlen, "cannot read the columns of %s.%s: %s", t->database, t->name, mysql_error(m));
        return STEP_REPLAY;
    }
    int count = (int)mysql_num_rows(res), keys = 0;
    char **names = calloc(count ? (size_t)count : 1, sizeof *names);
    int *key = calloc(count ? (size_t)count : 1, sizeof *key);
    char **types = calloc(count ? (size_t)count : 1, sizeof *types);
    MYSQL_ROW row;
    for (int i = 0; names && key && types && (row = mysql_fetch_row(res)); i++) {
        names[i] = row[0];
        types[i] = row[2];
        if (row[1] && strcmp(row[1], "1") == 0)
            key[keys++] = i;
    }
    enum step st = STEP_OK;
    if (!names || !key || !types) {
        snprintf(err, errlen, "out of memory");
        st = STEP_FATAL;
    } else if (count != t->column_count) {
        log_warn("%s.%s has %d columns now but %d in the binlog (DDL since?): columns stay unnamed", t->database,
                 t->name, count, t->column_count);
    } else {
        binlog_rows_set_column_names(c->rows, t->id, names, count);
        if (keys)
            binlog_rows_set_primary_key(c->rows, t->id, key, keys);
        for (int i = 0; i < count; i++) {
            if (t->columns[i].type != MYSQL_TYPE_ENUM && t->columns[i].type != MYSQL_TYPE_SET)
                continue;
            char **values;
            int n = column_type_enum_values(types[i] ? types[i] : "", &values);
            if (n > 0)
                binlog_rows_set_enum_values(c->rows, t->id, i, values, n);
            else
                log_warn("%s.%s.%s: no value names in '%s': its values stay numbers", t->database, t->name, names[i],
                         types[i] ? types[i] : "");
            column_type_free(values, n > 0 ? n : 0);
        }
        log_info("%s.%s: column names from information_schema (binlog_row_metadata is not FULL)", t->database, t->name);
    }
    free(names);
    free(key);
    free(types);
    mysql_free_result(res);
    return st;
}

static enum step on_event(struct cdc *c, const MARIADB_RPL_EVENT *ev, char *err, size_t errlen) {
    const uint8_t *data;
    size_t len;
    switch (ev->event_type) {
    case GTID_EVENT:
        c->in_transaction = 1;
        c->standalone = (ev->event.gtid.flags & GTID_FLAG_STANDALONE) != 0;
        c->gtid_domain = ev->event.gtid.domain_id;
        c->gtid_server = ev->server_id;
        c->gtid_sequence = ev->event.gtid.sequence_nr;
        gtid_format(c->gtid_text, sizeof c->gtid_text, c->gtid_domain, c->gtid_server, c->gtid_sequence);
        return STEP_OK;
    case TABLE_MAP_EVENT: {
        binlog_client_event_bytes(c->binlog, ev, &data, &len);
        const struct table *t = binlog_rows_table_map(c->rows, data, len, err, errlen);
        if (!t) {
            char why[512];
            snprintf(why, sizeof why, "%s", err);
            snprintf(err, errlen, "cannot read a table map at GTID %s: %s", c->gtid_text, why);
            return STEP_FATAL;
        }
        const char *topic = route(c, t);
        if (!topic)
            return STEP_OK;
        if (!topic_known(c, topic)) {
            enum step st = ensure_topics(c, &topic, 1, err, errlen);
            if (st != STEP_OK)
                return st;
        }
        unsigned meta = binlog_rows_metadata(c->rows, t->id);
        if (!(meta & (BINLOG_META_NAMES | BINLOG_META_NAMES_GIVEN)))
            return name_columns(c, t, err, errlen);
        return STEP_OK;
    }
    case WRITE_ROWS_EVENT_V1:
    case UPDATE_ROWS_EVENT_V1:
    case DELETE_ROWS_EVENT_V1:
    case WRITE_ROWS_EVENT:
    case UPDATE_ROWS_EVENT:
    case DELETE_ROWS_EVENT:
        return on_rows_event(c, ev, err, errlen);
    case XID_EVENT:
        return end_transaction(c, err, errlen);
    case QUERY_EVENT: {
        enum step st = on_query(c, ev, err, errlen);
        const struct st_mariadb_rpl_query_event *q = &ev->event.query;
        if (st == STEP_OK &&
            (c->standalone || (q->statement.length == 6 && strncmp(q->statement.str, "COMMIT", 6) == 0)))
            st = end_transaction(c, err, errlen);
        return st;
    }
    case HEARTBEAT_LOG_EVENT:
        c->at_head = 1;
        return maybe_hand_over(c, err, errlen);
    default:
        return STEP_OK;
    }
}

/* ------------------------------------------------------------ snapshot */

static int on_snapshot_row(const struct row_change *change, void *ctx) {
    struct produce_ctx *p = ctx;
    const char *topic = route(p->c, change->table);
    p->step = topic ? produce_change(p->c, topic, change, p->source, p->now_ns, p->err, p->errlen) : STEP_OK;
    return p->step == STEP_OK ? 0 : 1;
}

/* Reads every wanted table into the open Kafka transaction; the rows read. */
static enum step snapshot_tables(struct cdc *c, struct snapshot *snap, uint64_t *rows, char *err, size_t errlen) {
    enum binlog_status status;
    MYSQL *m = binlog_client_sql(c->binlog, &status, err, errlen);
    char **tables = NULL;
    int count = 0;
    if (!m || snapshot_list_tables(m, c->s->database, &tables, &count, err, errlen) != 0)
        return STEP_REPLAY;
    struct event_source source = {.server_name = c->s->dc, .snapshot = EVENT_SNAPSHOT_TRUE, .gtid = NULL, .file = ""};
    /* A table created since the start (the database may have had none) has
     * no topic yet, and its CREATE is before the stream's position. */
    enum step st = ensure_table_topics(c, tables, count, err, errlen);
    for (int i = 0; st == STEP_OK && i < count; i++) {
        if (!cdc_settings_wants(c->s, tables[i]))
            continue;
        source.ts_ns = clock_wall_ns();
        struct produce_ctx p = {.c = c, .source = &source, .now_ns = source.ts_ns, .err = err, .errlen = errlen};
        uint64_t before = c->txn_events;
        if (snapshot_read_table(snap, tables[i], on_snapshot_row, &p, err, errlen) != 0 && p.step == STEP_OK)
            st = STEP_REPLAY;
        else
            st = p.step;
        log_info("snapshot: %s: %llu rows", tables[i], (unsigned long long)(c->txn_events - before));
    }
    *rows = c->txn_events;
    for (int i = 0; i < count; i++)
        free(tables[i]);
    free(tables);
    return st;
}

/* One consistent read of every wanted table, committed in one Kafka
 * transaction together with the GTID position it stands at. The committer
 * is idle: the snapshot produces on the producer directly. */
static enum step take_snapshot(struct cdc *c, char *err, size_t errlen) {
    set_state(c, "snapshot");
    enum binlog_status status;
    MYSQL *m = binlog_client_sql(c->binlog, &status, err, errlen);
    if (!m)
        return status == BINLOG_FATAL ? STEP_FATAL : STEP_REPLAY;
    char gtid[1024];
    struct snapshot *snap = snapshot_begin(m, c->s->database, gtid, sizeof gtid, err, errlen);
    if (!snap) {
        binlog_client_sql_close(c->binlog);
        return STEP_REPLAY;
    }
    log_info("snapshot of %s at GTID position '%s'", c->s->database, gtid);
    c->snapshotting = 1;
    c->txn_events = 0;
    uint64_t rows = 0;
    enum step st = kafka_step(kafka_producer_begin(c->producer, err, errlen), c, err);
    int open = st == STEP_OK;
    if (st == STEP_OK)
        st = snapshot_tables(c, snap, &rows, err, errlen);
    snapshot_end(snap);
    if (st == STEP_OK) {
        position_value(c, gtid);
        st = emit(c, c->s->position_topic, NULL, c->s->name, strlen(c->s->name), json_writer_data(c->value),
                  json_writer_len(c->value), err, errlen);
    }
    if (st == STEP_OK)
        st = kafka_step(kafka_producer_commit(c->producer, err, errlen), c, err);
    c->snapshotting = 0;
    c->txn_events = 0;
    if (st == STEP_OK) {
        struct batch_totals totals = {.events = rows};
        committed(c, gtid, &totals);
        pthread_mutex_lock(&c->lock);
        c->metrics.snapshot_rows += rows;
        pthread_mutex_unlock(&c->lock);
        log_info("snapshot committed: %llu rows; streaming from '%s'", (unsigned long long)rows, gtid);
    } else if (open && kafka_producer_in_transaction(c->producer)) {
        /* MySQL failed with the transaction open (a Kafka failure has
         * aborted it already, or left the producer for renewal). */
        char ignored[256];
        if (kafka_producer_abort(c->producer, ignored, sizeof ignored) != KAFKA_TXN_OK)
            c->producer_broken = 1;
    }
    return st;
}

/* ------------------------------------------------------------- the loop */

/* The binlog head, for the lag in bytes; at most once a second. */
static void measure_lag(struct cdc *c) {
    long long now = clock_wall_ms();
    if (now - c->lag_checked_ms < 1000 && !c->at_head)
        return;
    int64_t lag_bytes = -1;
    if (now - c->lag_checked_ms >= 1000) {
        c->lag_checked_ms = now;
        enum binlog_status status;
        char err[256];
        MYSQL *m = binlog_client_sql(c->binlog, &status, err, sizeof err);
        if (m && mysql_query(m, "SHOW MASTER STATUS") == 0) {
            MYSQL_RES *res = mysql_store_result(m);
            MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;
            if (row && row[0] && row[1] && strcmp(row[0], binlog_client_file(c->binlog)) == 0)
                lag_bytes = strtoll(row[1], NULL, 10) - (int64_t)c->seen_pos;
            mysql_free_result(res);
        }
    }
    pthread_mutex_lock(&c->lock);
    c->metrics.lag_ms = c->at_head || !c->seen_event_ms ? 0 : now - c->seen_event_ms;
    if (c->metrics.lag_ms < 0)
        c->metrics.lag_ms = 0;
    if (lag_bytes >= 0 || c->at_head)
        c->metrics.lag_bytes = c->at_head ? 0 : lag_bytes;
    pthread_mutex_unlock(&c->lock);
}

/* Replaces a producer in a fatal state; 0, 1 when stopped, -1 with err. */
static int renew_producer(struct cdc *c, char *err, size_t errlen) {
    kafka_producer_free(c->producer);
    c->producer = kafka_producer_new(c->kafka_conf, "cdc", c->transactional_id, err, errlen);
    if (!c->producer)
        return -1;
    c->producer_broken = 0;
    if (kafka_producer_init(c->producer, -1, err, errlen) != KAFKA_TXN_OK)
        return shutdown_requested() ? 1 : -1;
    if (kafka_producer_learn_topics(c->producer, 30000, err, errlen) != 0)
        log_warn("%s: the first records to each topic may wait for its metadata", err);
    return 0;
}

/* Checks the include list against the database's tables, and creates the
 * topics of the wanted ones. A database with no tables yet is no error:
 * cdc streams, and each table gets its topic when it is created (as
 * Debezium picks tables up); the include list is then not checked. */
static int prepare_tables(struct cdc *c, char *err, size_t errlen) {
    enum binlog_status status;
    MYSQL *m = binlog_client_sql(c->binlog, &status, err, errlen);
    char **tables = NULL;
    int count = 0, rc = 0;
    if (!m || snapshot_list_tables(m, c->s->database, &tables, &count, err, errlen) != 0)
        return -1;
    if (count == 0) {
        /* No tables yet is fine; no database is a mistyped mysql.database. */
        char escaped[260], query[512], found[8];
        mysql_real_escape_string(m, escaped, c->s->database, (unsigned long)strlen(c->s->database));
        snprintf(query, sizeof query, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='%s'",
                 escaped);
        if (sql_value(m, query, 0, found, sizeof found) != 0) {
            snprintf(err, errlen, "cannot look for database '%s': %s", c->s->database, mysql_error(m));
            rc = -1;
        } else if (strcmp(found, "0") == 0) {
            snprintf(err, errlen, "database '%s' does not exist (or user '%s' may not see it): check mysql.database",
                     c->s->database, c->s->user);
            rc = -1;
        } else {
            log_warn("database '%s' has no tables yet (or user '%s' may not see them): streaming; each table's topic "
                     "is made when the table is created%s",
                     c->s->database, c->s->user,
                     c->s->include_count ? " (cdc.tables.include is not checked against an empty database)" : "");
        }
    }
    for (int i = 0; rc == 0 && count > 0 && i < c->s->include_count; i++) {
        int found = 0;
        for (int t = 0; t < count; t++)
            found |= strcmp(tables[t], c->s->include[i]) == 0;
        if (!found) {
            snprintf(err, errlen, "cdc.tables.include names '%s', which is not a table of '%s': fix the list",
                     c->s->include[i], c->s->database);
            rc = -1;
        }
    }
    if (rc == 0 && ensure_table_topics(c, tables, count, err, errlen) != STEP_OK)
        rc = -1;
    for (int i = 0; i < count; i++)
        free(tables[i]);
    free(tables);
    return rc;
}

/* Prepares Kafka: the cluster answers, the internal topics exist, and this
 * producer has fenced any earlier one with the same name. */
static int prepare_kafka(struct cdc *c, char *err, size_t errlen) {
    set_state(c, "waiting for Kafka");
    if (kafka_wait_ready(c->kafka_conf, -1, err, errlen) != 0)
        return shutdown_requested() ? 1 : -1;
    static const char *const compact[] = {"cleanup.policy", "compact", NULL};
    static const char *const forever[] = {"retention.ms", "-1", NULL};
    if (kafka_ensure_topic(c->kafka_conf, c->s->position_topic, 1, 1, compact, 30000, err, errlen) != 0 ||
        kafka_ensure_topic(c->kafka_conf, c->s->history_topic, 1, 1, forever, 30000, err, errlen) != 0)
        return -1;
    enum kafka_txn rc = kafka_producer_init(c->producer, -1, err, errlen);
    if (rc == KAFKA_TXN_OK)
        return 0;
    return shutdown_requested() ? 1 : -1;
}

/* MySQL can feed CDC; retried while it is away. 1: stopped meanwhile. */
static int prepare_mysql(struct cdc *c, char *err, size_t errlen) {
    for (int backoff = 100;; backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2) {
        enum binlog_status status = binlog_client_check(c->binlog, err, errlen);
        if (status == BINLOG_OK)
            return prepare_tables(c, err, errlen);
        if (status == BINLOG_FATAL)
            return -1;
        log_warn("%s: retrying in %.1f s", err, backoff / 1000.0);
        set_state(c, "waiting for MySQL");
        if (clock_sleep_or_stop(backoff, shutdown_requested))
            return 1;
    }
}

/* Streams from the committed position until a failure or a stop. */
static enum step stream(struct cdc *c, char *err, size_t errlen) {
    set_pending(c, c->committed);
    c->in_transaction = 0;
    c->at_head = 0;
    c->txn_events = 0;
    c->txn_last_event_ms = 0;
    c->handed_ms = clock_wall_ms();
    enum binlog_status status = binlog_client_open(c->binlog, c->committed, err, errlen);
    if (status != BINLOG_OK)
        return status == BINLOG_FATAL ? STEP_FATAL : STEP_REPLAY;
    set_state(c, "streaming");
    log_info("streaming the binlog from '%s'", c->committed[0] ? c->committed : "the oldest binlog");
    for (;;) {
        unsigned server_error;
        MARIADB_RPL_EVENT *ev = binlog_client_next(c->binlog, &status, &server_error, err, errlen);
        if (!ev) {
            char why[1024];
            enum step done = finish(c, why, sizeof why);
            if (done != STEP_OK) {
                snprintf(err, errlen, "%s", why);
                return done;
            }
            if (server_error == 1236) {
                if (c->s->snapshot_mode == SNAPSHOT_WHEN_NEEDED) {
                    log_warn("%s: taking a new snapshot (cdc.snapshot.mode=when_needed)", err);
                    return take_snapshot(c, err, errlen) == STEP_FATAL ? STEP_FATAL : STEP_REPLAY;
                }
                size_t used = strlen(err);
                snprintf(err + used, errlen - used,
                         ": the position '%s' may be purged; set cdc.snapshot.mode=when_needed to take a new "
                         "snapshot",
                         c->committed);
                return STEP_FATAL;
            }
            return status == BINLOG_FATAL ? STEP_FATAL : STEP_REPLAY;
        }
        if (ev->event_type != HEARTBEAT_LOG_EVENT) {
            c->at_head = 0;
            if (ev->timestamp)
                c->seen_event_ms = (int64_t)ev->timestamp * 1000;
            c->seen_pos = ev->next_event_pos;
        }
        enum step st = on_event(c, ev, err, errlen);
        if (st == STEP_OK && (c->in_transaction || !shutdown_requested())) {
            if (!c->in_transaction)
                measure_lag(c);
            continue;
        }
        /* A stop, or a failure: what is whole goes to Kafka first. */
        if (st == STEP_OK)
            log_info("stop asked: committing the transactions read, up to '%s'", c->pending);
        char why[1024];
        enum step done = finish(c, why, sizeof why);
        if (done != STEP_OK && (st == STEP_OK || (done == STEP_FATAL && st != STEP_FATAL))) {
            snprintf(err, errlen, "%s", why);
            st = done;
        }
        binlog_client_close(c->binlog);
        return st;
    }
}

int cdc_run(struct cdc *c, char *err, size_t errlen) {
    int rc = prepare_kafka(c, err, errlen);
    if (rc == 0)
        rc = prepare_mysql(c, err, errlen);
    if (rc != 0)
        return rc > 0 ? 0 : -1;
    char start[sizeof c->committed];
    int found = read_position(c, start, sizeof start, err, errlen);
    if (found < 0)
        return -1;
    if (found == 0) {
        set_committed(c, start);
        log_info("resuming '%s' from GTID position '%s'", c->s->name, start);
    } else if (c->s->snapshot_mode == SNAPSHOT_NEVER) {
        if (binlog_client_head(c->binlog, start, sizeof start, err, errlen) != BINLOG_OK)
            return -1;
        set_committed(c, start);
        log_info("no stored position and cdc.snapshot.mode=never: streaming from the head, '%s'", start);
    } else {
        for (;;) {
            if (c->producer_broken) {
                int renewed = renew_producer(c, err, errlen);
                if (renewed != 0)
                    return renewed > 0 ? 0 : -1;
            }
            enum step st = take_snapshot(c, err, errlen);
            if (st == STEP_OK)
                break;
            if (st == STEP_FATAL)
                return -1;
            log_warn("snapshot failed (%s): trying again", err);
            if (clock_sleep_or_stop(1000, shutdown_requested))
                return 0;
        }
    }
    int backoff = 100;
    while (!shutdown_requested()) {
        if (c->producer_broken) {
            int renewed = renew_producer(c, err, errlen);
            if (renewed != 0)
                return renewed > 0 ? 0 : -1;
        }
        enum step st = stream(c, err, errlen);
        if (st == STEP_FATAL)
            return -1;
        if (shutdown_requested())
            break;
        if (st == STEP_REPLAY) {
            log_warn("%s: resuming from '%s' in %.1f s", err, c->committed, backoff / 1000.0);
            set_state(c, "waiting for MySQL");
            clock_sleep_or_stop(backoff, shutdown_requested);
            backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
        } else {
            backoff = 100;
        }
    }
    log_info("stopped at GTID position '%s'", c->committed);
    return 0;
}
