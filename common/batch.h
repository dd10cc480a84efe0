/* A batch of Kafka records ready to send: whole MySQL transactions,
 * serialized, waiting for their Kafka transaction.
 *
 * The CDC reader fills one batch while the committer (committer.h) sends the
 * previous one, so reading the binlog never waits on a Kafka commit. Records
 * live in one growing byte buffer (topic, key and value by offset, a topic
 * stored once per run of records to the same topic); clearing keeps the
 * memory for the next batch, so a steady stream allocates nothing.
 *
 * A batch knows where its last whole transaction ends: records added after
 * that mark belong to a transaction still being read, and are dropped when
 * the read fails halfway (batch_drop_open). */
#ifndef BRIDGELAB_BATCH_H
#define BRIDGELAB_BATCH_H

#include <stddef.h>
#include <stdint.h>

struct batch;

/* One record, pointing into the batch (valid until the batch changes). */
struct batch_record {
    const char *topic;
    const void *key; /* NULL: no key */
    size_t key_len;
    const void *value; /* NULL: a tombstone */
    size_t value_len;
    const char *columns; /* the record's "bridgelab.columns" header value, or NULL: none */
};

/* What the whole transactions of a batch add up to. */
struct batch_totals {
    uint64_t events;       /* row changes (tombstones and history records not counted) */
    uint64_t transactions; /* MySQL transactions */
    int64_t last_event_ms; /* binlog time of the last change; 0 when none */
};

struct batch *batch_new(void);
void batch_free(struct batch *b);
/* Empties the batch, keeping its memory. */
void batch_clear(struct batch *b);

/* Appends a record (copied), with columns (NULL: none) the text of its
 * "bridgelab.columns" header (stored once per run of records with the same
 * text, like the topic). Returns 0, or -1 when out of memory. */
int batch_add(struct batch *b, const char *topic, const char *columns, const void *key, size_t key_len,
              const void *value, size_t value_len);
/* Ends a MySQL transaction: the records so far, its events (changes) and
 * last_event_ms (0: none) are whole and may be committed with position. */
int batch_end_transaction(struct batch *b, const char *position, uint64_t events, int64_t last_event_ms);
/* Makes the records added since the last end whole without ending a MySQL
 * transaction: for the record that closes a batch (the position). */
void batch_seal(struct batch *b);
/* Drops the records added since the last batch_end_transaction. */
void batch_drop_open(struct batch *b);

/* Records (whole or not), and the bytes they take. */
size_t batch_count(const struct batch *b);
size_t batch_bytes(const struct batch *b);
/* Records of whole transactions: the ones to send. */
size_t batch_whole_count(const struct batch *b);
struct batch_record batch_record(const struct batch *b, size_t i);
/* The position the whole transactions reach ("" when none ended yet). */
const char *batch_position(const struct batch *b);
const struct batch_totals *batch_totals(const struct batch *b);

#endif
