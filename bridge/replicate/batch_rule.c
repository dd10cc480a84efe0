/* When a replication batch closes: see batch_rule.h. */
#include "batch_rule.h"

enum batch_close batch_rule_check(const struct batch_rule *r, long long records, long long bytes, long long opened_ms,
                                  long long now_ms) {
    if (opened_ms < 0)
        return BATCH_KEEP_OPEN;
    if (records >= r->max_records)
        return BATCH_FULL_RECORDS;
    if (bytes >= r->max_bytes)
        return BATCH_FULL_BYTES;
    if (now_ms - opened_ms >= r->max_ms)
        return BATCH_TIME_UP;
    return BATCH_KEEP_OPEN;
}

int batch_rule_wait_ms(const struct batch_rule *r, long long opened_ms, long long now_ms, int idle_ms) {
    if (opened_ms < 0)
        return idle_ms < 0 ? 0 : idle_ms;
    long long left = opened_ms + r->max_ms - now_ms;
    if (left < 0)
        return 0;
    return left < idle_ms ? (int)left : idle_ms;
}
