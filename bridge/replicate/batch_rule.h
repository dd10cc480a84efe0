/* When a replication batch closes: the rule, apart from the loop that
 * applies it, so that it can be tested alone.
 *
 * A batch is one Kafka transaction: the records read since it opened (its
 * first record, or a position that moved) and the positions they reach. It
 * closes when it holds max_records records or max_bytes bytes, or max_ms
 * after it opened — so a quiet topic's last record waits max_ms at most, and
 * under load a transaction carries as much as the limits allow. */
#ifndef BRIDGELAB_BRIDGE_REPLICATE_BATCH_RULE_H
#define BRIDGELAB_BRIDGE_REPLICATE_BATCH_RULE_H

struct batch_rule {
    long long max_records;
    long long max_bytes;
    int max_ms;
};

enum batch_close { BATCH_KEEP_OPEN = 0, BATCH_FULL_RECORDS, BATCH_FULL_BYTES, BATCH_TIME_UP };

/* Whether the batch opened at opened_ms (< 0: none is open) closes now. */
enum batch_close batch_rule_check(const struct batch_rule *r, long long records, long long bytes, long long opened_ms,
                                  long long now_ms);

/* How long the loop may wait for the next record: until the open batch's
 * time is up, or idle_ms when none is open. At least 0. */
int batch_rule_wait_ms(const struct batch_rule *r, long long opened_ms, long long now_ms, int idle_ms);

#endif
