/* kafka-ceiling: the ceiling bridge cdc's catch-up is measured against — a
 * plain librdkafka producer (no transactions, no encoding, no MySQL) sending
 * the very messages cdc wrote, already serialized, to the same broker with
 * the same producer settings, as fast as the broker takes them.
 *
 *   kafka-ceiling BOOTSTRAP FILE [TRANSACTION_SIZE]
 *
 * With TRANSACTION_SIZE, the producer is transactional and commits every
 * that many messages: the floor any exactly-once producer stands on, as
 * librdkafka's transactions cost what they cost.
 * FILE holds one message a line, "topic<TAB>key<TAB>value" (an empty value is
 * a tombstone), as bench/cdc.sh dumps them with kcat; each goes to
 * "<topic>_ceiling". Prints "ceiling: N messages in S s: R msgs/s". */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct message {
    char *topic, *key, *value;
    size_t key_len, value_len;
};

static double seconds_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int failed;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    (void)opaque;
    if (m->err && !failed) {
        failed = 1;
        fprintf(stderr, "kafka-ceiling: delivery failed: %s\n", rd_kafka_err2str(m->err));
    }
}

/* 1 when a transactional call succeeded; else says why (the bench fails). */
static int transactional(rd_kafka_t *rk, rd_kafka_error_t *error, const char *what) {
    if (!error)
        return 1;
    fprintf(stderr, "kafka-ceiling: %s: %s\n", what, rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
    rd_kafka_destroy(rk);
    return 0;
}

/* Reads every line into memory: the timing covers producing only. */
static struct message *load(const char *path, size_t *count) {
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    struct message *messages = malloc(cap * sizeof *messages);
    if (!messages) {
        fclose(f);
        return NULL;
    }
    char *line = NULL;
    size_t line_cap = 0;
    ssize_t len;
    while ((len = getline(&line, &line_cap, f)) > 0) {
        if (line[len - 1] == '\n')
            line[--len] = '\0';
        char *tab1 = strchr(line, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
        if (!tab2)
            continue;
        if (n == cap) {
            struct message *grown = realloc(messages, (cap *= 2) * sizeof *messages);
            if (!grown)
                break;
            messages = grown;
        }
        *tab1 = *tab2 = '\0';
        char topic[512];
        snprintf(topic, sizeof topic, "%s_ceiling", line);
        messages[n].topic = strdup(topic);
        messages[n].key = strdup(tab1 + 1);
        messages[n].key_len = strlen(tab1 + 1);
        messages[n].value_len = strlen(tab2 + 1);
        messages[n].value = messages[n].value_len ? strdup(tab2 + 1) : NULL;
        n++;
    }
    free(line);
    fclose(f);
    *count = n;
    return messages;
}

int main(int argc, char **argv) {
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: kafka-ceiling BOOTSTRAP FILE [TRANSACTION_SIZE]\n");
        return 2;
    }
    size_t per_transaction = argc == 4 ? strtoul(argv[3], NULL, 10) : 0;
    size_t count = 0;
    struct message *messages = load(argv[2], &count);
    if (!messages)
        return 1;
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *settings[][2] = {{"bootstrap.servers", argv[1]},
                                 {"linger.ms", "10"},
                                 {"compression.type", "lz4"},
                                 {"acks", "all"},
                                 {"enable.idempotence", "true"},
                                 {"partitioner", "murmur2_random"},
                                 {"queue.buffering.max.messages", "1000000"}};
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
        if (rd_kafka_conf_set(conf, settings[i][0], settings[i][1], err, sizeof err) != RD_KAFKA_CONF_OK) {
            fprintf(stderr, "kafka-ceiling: %s\n", err);
            return 2;
        }
    if (per_transaction &&
        rd_kafka_conf_set(conf, "transactional.id", "bridgelab-kafka-ceiling", err, sizeof err) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "kafka-ceiling: %s\n", err);
        return 2;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "kafka-ceiling: %s\n", err);
        return 1;
    }
    if (per_transaction && !transactional(rk, rd_kafka_init_transactions(rk, 30000), "init"))
        return 1;
    /* Learn every topic first, as bridge cdc does: else librdkafka finds a
     * topic it has not produced to only on its one-second scan, and a
     * transaction's commit waits for that. */
    const struct rd_kafka_metadata *md = NULL;
    if (rd_kafka_metadata(rk, 1, NULL, &md, 30000) == RD_KAFKA_RESP_ERR_NO_ERROR)
        rd_kafka_metadata_destroy(md);
    double started = seconds_now();
    if (per_transaction && !transactional(rk, rd_kafka_begin_transaction(rk), "begin"))
        return 1;
    for (size_t i = 0; i < count && !failed; i++) {
        struct message *m = &messages[i];
        for (;;) {
            rd_kafka_resp_err_t code = rd_kafka_producev(
                rk, RD_KAFKA_V_TOPIC(m->topic), RD_KAFKA_V_KEY(m->key, m->key_len),
                RD_KAFKA_V_VALUE(m->value, m->value_len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
            if (code != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                if (code)
                    fprintf(stderr, "kafka-ceiling: %s\n", rd_kafka_err2str(code));
                break;
            }
            rd_kafka_poll(rk, 10);
        }
        rd_kafka_poll(rk, 0);
        if (per_transaction && ((i + 1) % per_transaction == 0 || i + 1 == count)) {
            if (!transactional(rk, rd_kafka_commit_transaction(rk, -1), "commit"))
                return 1;
            if (i + 1 < count && !transactional(rk, rd_kafka_begin_transaction(rk), "begin"))
                return 1;
        }
    }
    rd_kafka_flush(rk, 600000);
    double elapsed = seconds_now() - started;
    if (!failed)
        printf("ceiling%s: %zu messages in %.3f s: %.0f msgs/s\n", per_transaction ? " (transactional)" : "", count,
               elapsed, (double)count / elapsed);
    rd_kafka_destroy(rk);
    for (size_t i = 0; i < count; i++) {
        free(messages[i].topic);
        free(messages[i].key);
        free(messages[i].value);
    }
    free(messages);
    return failed;
}
