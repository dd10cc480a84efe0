/* Kafka helpers for the exactly-once stages: see kafka.h.
 *
 * The transactional producer sorts every failed librdkafka call the way
 * librdkafka's examples/transactions.c does: fatal (fenced, or neither
 * retriable nor abortable) ends the producer; abortable aborts the
 * transaction and tells the caller to replay from its last committed
 * position; retriable is retried here. Delivery reports are served on the
 * caller's thread (rd_kafka_poll, and the flush inside commit), so a record
 * that failed fails its transaction. */
#include "kafka.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "secret.h"
#include "shutdown.h"

const struct config_key kafka_keys[] = {
    {"onprem.bootstrap.servers", CONFIG_STRING, "127.0.0.1:19092", 0, 0, "the onprem Kafka cluster (host:port,...)"},
    {"onprem.kafka.*", CONFIG_STRING, NULL, 0, 0,
     "any librdkafka property for the onprem cluster (onprem.kafka.linger.ms=20); secrets from "
     "onprem.kafka.sasl.password.file"},
    {"cloud.bootstrap.servers", CONFIG_STRING, "127.0.0.1:29092", 0, 0, "the cloud Kafka cluster (host:port,...)"},
    {"cloud.kafka.*", CONFIG_STRING, NULL, 0, 0,
     "any librdkafka property for the cloud cluster (cloud.kafka.security.protocol=SASL_SSL); secrets from "
     "cloud.kafka.sasl.password.file"},
    {0},
};

/* librdkafka properties that hold secrets: each may come from "<name>.file". */
static const char *const secret_properties[] = {"sasl.password", "ssl.key.password", "ssl.keystore.password",
                                                "sasl.oauthbearer.client.secret", NULL};

/* Milliseconds left before deadline (< 0: none), at least 1 and at most cap. */
static int slice_ms(long long deadline, int cap) {
    if (deadline < 0)
        return cap;
    long long left = deadline - clock_mono_ms();
    return left < 1 ? 1 : left > cap ? cap : (int)left;
}

static int expired(long long deadline) { return deadline >= 0 && clock_mono_ms() >= deadline; }

/* The bootstrap servers of a handle, to name the cluster in messages. */
static const char *servers_of(const rd_kafka_t *rk, char *buf, size_t len) {
    size_t size = len;
    if (rd_kafka_conf_get(rd_kafka_conf((rd_kafka_t *)rk), "bootstrap.servers", buf, &size) != RD_KAFKA_CONF_OK ||
        !*buf)
        snprintf(buf, len, "(no bootstrap.servers)");
    return buf;
}

/* ------------------------------------------------- access errors, named */

/* The clusters kafka_conf_new made confs for, by bootstrap.servers. */
static struct {
    char servers[256];
    const char *cluster;
} known_clusters[2];
static pthread_mutex_t known_lock = PTHREAD_MUTEX_INITIALIZER;

static void remember_cluster(const char *cluster, const char *servers) {
    pthread_mutex_lock(&known_lock);
    int slot = strcmp(cluster, "onprem") == 0 ? 0 : 1;
    snprintf(known_clusters[slot].servers, sizeof known_clusters[slot].servers, "%s", servers);
    known_clusters[slot].cluster = slot == 0 ? "onprem" : "cloud";
    pthread_mutex_unlock(&known_lock);
}

const char *kafka_cluster_of(const char *servers) {
    const char *found = NULL;
    pthread_mutex_lock(&known_lock);
    for (int i = 0; i < 2 && !found; i++)
        if (known_clusters[i].cluster && servers && strcmp(known_clusters[i].servers, servers) == 0)
            found = known_clusters[i].cluster;
    pthread_mutex_unlock(&known_lock);
    return found;
}

int kafka_access_error(const char *cluster, rd_kafka_resp_err_t code, const char *operation, const char *resource,
                       const char *detail, char *out, size_t outlen) {
    char who[64], props[64];
    snprintf(who, sizeof who, "%s%s", cluster ? cluster : "Kafka", cluster ? " cluster" : "");
    snprintf(props, sizeof props, "%s.kafka.", cluster ? cluster : "<cluster>");
    const char *text = detail && *detail ? detail : rd_kafka_err2str(code);
    const char *kind = NULL, *default_op = NULL;
    switch (code) {
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
        snprintf(out, outlen, "%s: authentication failed (%ssasl.username / sasl.password.file): %s", who, props, text);
        return 1;
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_SASL_MECHANISM:
    case RD_KAFKA_RESP_ERR_ILLEGAL_SASL_STATE:
        snprintf(out, outlen,
                 "%s: authentication failed: the broker does not take this SASL mechanism (%ssasl.mechanisms): %s", who,
                 props, text);
        return 1;
    case RD_KAFKA_RESP_ERR__SSL:
        snprintf(out, outlen, "%s: TLS failed (%ssecurity.protocol / ssl.ca.location): %s", who, props, text);
        return 1;
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
        kind = "topic";
        default_op = "access";
        break;
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
        kind = "group";
        default_op = "READ";
        break;
    case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
        kind = "transactional id";
        default_op = "WRITE";
        break;
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
        kind = "the cluster";
        default_op = "IDEMPOTENT_WRITE";
        break;
    default:
        return 0;
    }
    const char *op = operation ? operation : default_op;
    if (strcmp(kind, "the cluster") == 0)
        snprintf(out, outlen,
                 "%s: not authorized: %s on the cluster: grant it with an ACL to the principal of %ssasl.username: %s",
                 who, op, props, text);
    else
        snprintf(out, outlen,
                 "%s: not authorized: %s on %s %s: grant it with an ACL to the principal of %ssasl.username: %s", who,
                 op, kind, resource ? resource : "(unknown)", props, text);
    return 1;
}

/* -------------------------------------------------------------- logging */

/* librdkafka's own lines, at syslog levels: its errors are mostly transient
 * (it retries), so they are warnings; what really fails comes back from the
 * calls. */
static void on_log(const rd_kafka_t *rk, int level, const char *facility, const char *line) {
    enum log_level mapped = level <= 4 ? LOG_LEVEL_WARN : level == 5 ? LOG_LEVEL_INFO : LOG_LEVEL_DEBUG;
    /* One conf per cluster serves its consumers and producers (admin,
     * waiting): a consumer property (-X onprem.kafka.session.timeout.ms) is
     * meant for the consumers, not a mistake. */
    if (strcmp(facility, "CONFWARN") == 0 && (strstr(line, "is a consumer property and will be ignored") ||
                                              strstr(line, "is a producer property and will be ignored")))
        mapped = LOG_LEVEL_DEBUG;
    if (log_enabled(mapped))
        log_write(mapped, "kafka %s %s: %s", rd_kafka_name(rk), facility, line);
}

/* The last authentication or TLS failure on_error saw, and on which handle:
 * kafka_wait_ready gives up on it at once (wrong credentials do not heal
 * by waiting). */
static pthread_mutex_t refused_lock = PTHREAD_MUTEX_INITIALIZER;
static const rd_kafka_t *refused_rk;
static char refused_line[1024];

/* Takes the refusal seen on rk (into out, unless NULL); 1 if there was one. */
static int take_refusal(const rd_kafka_t *rk, char *out, size_t outlen) {
    pthread_mutex_lock(&refused_lock);
    int found = refused_rk == rk;
    if (found) {
        if (out)
            snprintf(out, outlen, "%s", refused_line);
        refused_rk = NULL;
    }
    pthread_mutex_unlock(&refused_lock);
    return found;
}

static void on_error(rd_kafka_t *rk, int code, const char *reason, void *opaque) {
    (void)opaque;
    char servers[512], line[1024];
    servers_of(rk, servers, sizeof servers);
    if (code == RD_KAFKA_RESP_ERR__FATAL) {
        char fatal[512];
        rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, fatal, sizeof fatal);
        log_error("Kafka at %s: fatal error %s: %s", servers, rd_kafka_err2name(orig), fatal);
    } else if (kafka_access_error(kafka_cluster_of(servers), (rd_kafka_resp_err_t)code, NULL, NULL, reason, line,
                                  sizeof line)) {
        pthread_mutex_lock(&refused_lock);
        refused_rk = rk;
        snprintf(refused_line, sizeof refused_line, "%s", line);
        pthread_mutex_unlock(&refused_lock);
        /* librdkafka says it again at every reconnection: once a minute is enough */
        static long long said_ms;
        long long now = clock_mono_ms();
        if (!said_ms || now - said_ms >= 60000) {
            said_ms = now;
            log_error("%s", line);
        }
    } else if (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
        log_warn("Kafka unreachable at %s: %s: retrying", servers, reason);
    } else if (code == RD_KAFKA_RESP_ERR__TRANSPORT) {
        log_debug("Kafka at %s: %s: retrying", servers, reason); /* one per broker connection; the line above sums up */
    } else {
        log_warn("Kafka at %s: %s: %s", servers, rd_kafka_err2name((rd_kafka_resp_err_t)code), reason);
    }
}

/* --------------------------------------------------------- configuration */

struct conf_build {
    rd_kafka_conf_t *conf;
    const char *cluster;
    char *err;
    size_t errlen;
    int failed;
};

static int is_secret_property(const char *name) {
    for (size_t i = 0; secret_properties[i]; i++)
        if (strcmp(name, secret_properties[i]) == 0)
            return 1;
    return 0;
}

/* "<name>.file" of a secret property: sets the property from the file. */
static int set_secret_from_file(struct conf_build *b, const char *key, const char *property, const char *path) {
    char secret[4096], why[512], errstr[256];
    if (secret_read_file(path, secret, sizeof secret, why, sizeof why) != 0) {
        snprintf(b->err, b->errlen, "%s.kafka.%s: %s", b->cluster, key, why);
        return -1;
    }
    int rc = rd_kafka_conf_set(b->conf, property, secret, errstr, sizeof errstr) == RD_KAFKA_CONF_OK ? 0 : -1;
    explicit_bzero(secret, sizeof secret);
    if (rc != 0) /* errstr is not shown: it might quote the secret */
        snprintf(b->err, b->errlen, "%s.kafka.%s: librdkafka refused the secret read from %s as %s", b->cluster, key,
                 path, property);
    return rc;
}

static void set_passed_through(const char *name, const char *value, void *ctx) {
    struct conf_build *b = ctx;
    if (b->failed)
        return;
    size_t n = strlen(name);
    if (n > 5 && strcmp(name + n - 5, ".file") == 0) {
        char property[256];
        if (n - 5 < sizeof property) {
            memcpy(property, name, n - 5);
            property[n - 5] = '\0';
            if (is_secret_property(property)) {
                b->failed = set_secret_from_file(b, name, property, value) != 0;
                return;
            }
        }
    }
    char errstr[256];
    if (rd_kafka_conf_set(b->conf, name, value, errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
        if (is_secret_property(name))
            snprintf(b->err, b->errlen, "%s.kafka.%s: librdkafka refused the value: check it", b->cluster, name);
        else
            snprintf(b->err, b->errlen,
                     "%s.kafka.%s: %s: fix or remove the key (librdkafka's CONFIGURATION.md lists the properties)",
                     b->cluster, name, errstr);
        b->failed = 1;
    }
}

rd_kafka_conf_t *kafka_conf_new(const struct config *cfg, const char *cluster, char *err, size_t errlen) {
    if (strcmp(cluster, "onprem") != 0 && strcmp(cluster, "cloud") != 0) {
        snprintf(err, errlen, "internal error: unknown Kafka cluster '%s' (onprem or cloud)", cluster);
        return NULL;
    }
    char key[64], pattern[64], errstr[256];
    snprintf(key, sizeof key, "%s.bootstrap.servers", cluster);
    snprintf(pattern, sizeof pattern, "%s.kafka.*", cluster);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *servers = config_get(cfg, key);
    if (!servers || !*servers) {
        snprintf(err, errlen, "%s: %s is empty: set it to the cluster's host:port", config_origin(cfg, key), key);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    if (rd_kafka_conf_set(conf, "bootstrap.servers", servers, errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
        snprintf(err, errlen, "%s: %s: %s", config_origin(cfg, key), key, errstr);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    remember_cluster(cluster, servers);
    struct conf_build build = {conf, cluster, err, errlen, 0};
    config_each_under(cfg, pattern, set_passed_through, &build);
    if (build.failed) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_conf_set_log_cb(conf, on_log);
    rd_kafka_conf_set_error_cb(conf, on_error);
    return conf;
}

/* A handle of the given type on a copy of conf. */
static rd_kafka_t *new_handle(rd_kafka_type_t type, rd_kafka_conf_t *copy, const char *what, char *err, size_t errlen) {
    char errstr[256];
    rd_kafka_t *rk = rd_kafka_new(type, copy, errstr, sizeof errstr);
    if (!rk) {
        rd_kafka_conf_destroy(copy);
        snprintf(err, errlen, "%s: cannot create the Kafka client: %s: fix the Kafka properties", what, errstr);
    }
    return rk;
}

/* Sets properties on a copy of conf; on failure destroys the copy. */
static int set_all(rd_kafka_conf_t *conf, const char *const *pairs, const char *what, char *err, size_t errlen) {
    char errstr[256];
    for (size_t i = 0; pairs[i]; i += 2) {
        if (rd_kafka_conf_set(conf, pairs[i], pairs[i + 1], errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
            snprintf(err, errlen, "%s: cannot set %s=%s: %s", what, pairs[i], pairs[i + 1], errstr);
            rd_kafka_conf_destroy(conf);
            return -1;
        }
    }
    return 0;
}

int kafka_wait_ready(const rd_kafka_conf_t *conf, int timeout_ms, char *err, size_t errlen) {
    rd_kafka_t *rk = new_handle(RD_KAFKA_PRODUCER, rd_kafka_conf_dup(conf), "waiting for Kafka", err, errlen);
    if (!rk)
        return -1;
    char servers[512];
    servers_of(rk, servers, sizeof servers);
    take_refusal(rk, NULL, 0); /* of an earlier handle at this address */
    long long started = clock_mono_ms(), deadline = timeout_ms < 0 ? -1 : started + timeout_ms, warned = -1;
    int rc = -1;
    for (;;) {
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_resp_err_t code = rd_kafka_metadata(rk, 0, NULL, &md, slice_ms(deadline, 2000));
        int brokers = md ? md->broker_cnt : 0;
        if (md)
            rd_kafka_metadata_destroy(md);
        if (!code && brokers > 0) {
            if (warned >= 0)
                log_info("Kafka at %s answers", servers);
            rc = 0;
            break;
        }
        rd_kafka_poll(rk, 0); /* serves on_error: an authentication failure ends the wait */
        if (take_refusal(rk, err, errlen))
            break;
        const char *why = code ? rd_kafka_err2str(code) : "no brokers in the metadata";
        int giving_up = expired(deadline) || shutdown_requested();
        if (warned < 0 || clock_mono_ms() - warned >= 10000) {
            log_warn("Kafka unreachable at %s: %s: %s", servers, why, giving_up ? "giving up" : "retrying");
            warned = clock_mono_ms();
        }
        if (giving_up) {
            snprintf(err, errlen, "Kafka unreachable at %s for %lld s: %s: start it or fix bootstrap.servers", servers,
                     (clock_mono_ms() - started) / 1000, why);
            break;
        }
        clock_sleep_ms(slice_ms(deadline, 200));
    }
    rd_kafka_destroy(rk);
    return rc;
}

/* ---------------------------------------------------- transactional producer */

struct kafka_producer {
    rd_kafka_t *rk;
    char *stage, *transactional_id;
    char servers[256];
    int ready;  /* init_transactions succeeded */
    int in_txn; /* between begin and the end of commit or abort */
    int fatal;  /* a fatal error was reported: nothing more works */
    int txn_timeout_ms;
    unsigned unpolled; /* records produced since the last rd_kafka_poll */
    /* Written by the delivery-report callback, which runs on the caller's
     * thread (inside rd_kafka_poll or flush). */
    uint64_t delivered;
    uint64_t failed;   /* in the current transaction */
    char failure[512]; /* the first failure of the current transaction */
    kafka_delivery_fn on_delivered;
    void *on_delivered_ctx;
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque) {
    (void)rk;
    struct kafka_producer *p = opaque;
    if (!msg->err) {
        p->delivered++;
        if (p->on_delivered)
            p->on_delivered(msg, p->on_delivered_ctx);
        return;
    }
    p->failed++;
    /* Records purged by an abort, or because the transaction failed, are a
     * consequence: the cause is another record's failure or the call's error. */
    char access[512];
    if (!p->failure[0] && msg->err != RD_KAFKA_RESP_ERR__PURGE_QUEUE && msg->err != RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
        if (kafka_access_error(kafka_cluster_of(p->servers), msg->err, "WRITE", rd_kafka_topic_name(msg->rkt), NULL,
                               access, sizeof access))
            snprintf(p->failure, sizeof p->failure, "%s", access);
        else
            snprintf(p->failure, sizeof p->failure, "delivering a record to %s [%d] failed: %s",
                     rd_kafka_topic_name(msg->rkt), (int)msg->partition, rd_kafka_err2str(msg->err));
    }
}

/* Why the transaction failed, as far as the delivery reports tell. */
static const char *delivery_failure(const struct kafka_producer *p) {
    return p->failure[0] ? p->failure : "the transaction failed and its records were purged";
}

/* Sets name=value unless conf already holds another value than librdkafka's
 * default (then the user chose it). */
static int set_unless_chosen(rd_kafka_conf_t *conf, const rd_kafka_conf_t *defaults, const char *name,
                             const char *value, char *err, size_t errlen) {
    char current[256], builtin[256], errstr[256];
    size_t n = sizeof current, m = sizeof builtin;
    if (rd_kafka_conf_get(conf, name, current, &n) == RD_KAFKA_CONF_OK &&
        rd_kafka_conf_get(defaults, name, builtin, &m) == RD_KAFKA_CONF_OK && strcmp(current, builtin) != 0)
        return 0;
    if (rd_kafka_conf_set(conf, name, value, errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
        snprintf(err, errlen, "cannot set %s=%s: %s", name, value, errstr);
        return -1;
    }
    return 0;
}

int kafka_conf_default(rd_kafka_conf_t *conf, const char *name, const char *value, char *err, size_t errlen) {
    rd_kafka_conf_t *defaults = rd_kafka_conf_new();
    int rc = set_unless_chosen(conf, defaults, name, value, err, errlen);
    rd_kafka_conf_destroy(defaults);
    return rc;
}

static int conf_int(const rd_kafka_conf_t *conf, const char *name, int fallback) {
    char buf[64];
    size_t n = sizeof buf;
    if (rd_kafka_conf_get(conf, name, buf, &n) != RD_KAFKA_CONF_OK)
        return fallback;
    return atoi(buf);
}

/* The producer's conf: exactly-once settings forced, throughput ones unless chosen. */
static int producer_conf(rd_kafka_conf_t *conf, const char *transactional_id, char *err, size_t errlen) {
    char acks[32], errstr[256];
    size_t n = sizeof acks;
    if (rd_kafka_conf_get(conf, "acks", acks, &n) == RD_KAFKA_CONF_OK && strcmp(acks, "-1") != 0 &&
        strcmp(acks, "all") != 0) {
        snprintf(err, errlen, "the Kafka property acks=%s conflicts with exactly-once delivery (acks=all): remove it",
                 acks);
        return -1;
    }
    const char *forced[] = {"transactional.id", transactional_id, "enable.idempotence", "true", "acks", "all", NULL};
    for (size_t i = 0; forced[i]; i += 2) {
        if (rd_kafka_conf_set(conf, forced[i], forced[i + 1], errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
            snprintf(err, errlen, "cannot set %s=%s: %s", forced[i], forced[i + 1], errstr);
            return -1;
        }
    }
    /* linger: a transaction is flushed at commit anyway; 10 ms fills batches
     * between commits. lz4 is cheap on CPU. murmur2_random is the Java
     * client's partitioner. retry.backoff.ms: right after a commit the
     * broker answers the next transaction's AddPartitionsToTxn with
     * CONCURRENT_TRANSACTIONS until its markers are written; librdkafka's
     * 100 ms backoff then holds every record back (measured here: p99
     * commit-to-readable 2.4 s at the simulator's top rate, 0.55 s with 5 ms). */
    const char *tuned[] = {
        "linger.ms", "10", "compression.codec", "lz4", "partitioner", "murmur2_random", "retry.backoff.ms", "5", NULL};
    rd_kafka_conf_t *defaults = rd_kafka_conf_new();
    int rc = 0;
    for (size_t i = 0; tuned[i] && rc == 0; i += 2)
        rc = set_unless_chosen(conf, defaults, tuned[i], tuned[i + 1], err, errlen);
    rd_kafka_conf_destroy(defaults);
    return rc;
}

struct kafka_producer *kafka_producer_new(const rd_kafka_conf_t *conf, const char *stage, const char *transactional_id,
                                          char *err, size_t errlen) {
    struct kafka_producer *p = calloc(1, sizeof *p);
    if (!p || !(p->stage = strdup(stage)) || !(p->transactional_id = strdup(transactional_id))) {
        snprintf(err, errlen, "%s: out of memory", stage);
        kafka_producer_free(p);
        return NULL;
    }
    rd_kafka_conf_t *copy = rd_kafka_conf_dup(conf);
    char why[1024];
    if (producer_conf(copy, transactional_id, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: %s", stage, why);
        rd_kafka_conf_destroy(copy);
        kafka_producer_free(p);
        return NULL;
    }
    p->txn_timeout_ms = conf_int(copy, "transaction.timeout.ms", 60000);
    rd_kafka_conf_set_dr_msg_cb(copy, on_delivery);
    rd_kafka_conf_set_opaque(copy, p);
    if (!(p->rk = new_handle(RD_KAFKA_PRODUCER, copy, stage, err, errlen))) {
        kafka_producer_free(p);
        return NULL;
    }
    servers_of(p->rk, p->servers, sizeof p->servers);
    return p;
}

rd_kafka_t *kafka_producer_handle(struct kafka_producer *p) { return p->rk; }

uint64_t kafka_producer_delivered(const struct kafka_producer *p) { return p->delivered; }

int kafka_producer_in_transaction(const struct kafka_producer *p) { return p->in_txn && !p->fatal; }

void kafka_producer_on_delivery(struct kafka_producer *p, kafka_delivery_fn fn, void *ctx) {
    p->on_delivered = fn;
    p->on_delivered_ctx = ctx;
}

static int is_fencing(rd_kafka_resp_err_t code) {
    return code == RD_KAFKA_RESP_ERR__FENCED || code == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
           code == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH;
}

int kafka_producer_fenced(struct kafka_producer *p) { return is_fencing(rd_kafka_fatal_error(p->rk, NULL, 0)); }

/* Reports a fatal error (destroys error, which may be NULL). */
static enum kafka_txn fail_fatal(struct kafka_producer *p, const char *doing, rd_kafka_error_t *error, char *err,
                                 size_t errlen) {
    rd_kafka_resp_err_t code = error ? rd_kafka_error_code(error) : RD_KAFKA_RESP_ERR__FATAL;
    char reason[512], fatal[512], access[1024];
    snprintf(reason, sizeof reason, "%s", error ? rd_kafka_error_string(error) : "fatal error");
    rd_kafka_resp_err_t first = rd_kafka_fatal_error(p->rk, fatal, sizeof fatal);
    if (first) { /* the error that made the producer fatal says more than __FATAL */
        code = first;
        snprintf(reason, sizeof reason, "%s", fatal);
    }
    if (error)
        rd_kafka_error_destroy(error);
    p->fatal = 1;
    p->in_txn = 0;
    if (is_fencing(code))
        snprintf(err, errlen,
                 "another %s with transactional id %s is running (it fenced this one while %s): run only one; "
                 "it goes on from the last committed position",
                 p->stage, p->transactional_id, doing);
    else if (kafka_access_error(kafka_cluster_of(p->servers), code, NULL,
                                code == RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED ? p->transactional_id
                                                                                                : NULL,
                                reason, access, sizeof access))
        snprintf(err, errlen, "%s: %s", p->stage, access);
    else
        snprintf(err, errlen, "%s: %s on Kafka at %s failed: %s: %s: check the cluster and the Kafka properties",
                 p->stage, doing, p->servers, rd_kafka_err2name(code), reason);
    return KAFKA_TXN_FATAL;
}

/* A call on a producer that cannot take it: after a fatal error, or out of
 * order (a bug in the caller). */
static enum kafka_txn misuse(struct kafka_producer *p, const char *call, char *err, size_t errlen) {
    if (p->fatal)
        snprintf(err, errlen, "%s: %s after a fatal error: free the producer", p->stage, call);
    else
        snprintf(err, errlen, "internal error: %s: %s %s", p->stage, call,
                 !p->ready   ? "before kafka_producer_init"
                 : p->in_txn ? "inside an open transaction"
                             : "outside a transaction (kafka_producer_begin first)");
    return KAFKA_TXN_FATAL;
}

enum kafka_txn kafka_producer_init(struct kafka_producer *p, int timeout_ms, char *err, size_t errlen) {
    if (p->fatal || p->ready) {
        if (!p->fatal)
            snprintf(err, errlen, "internal error: %s: kafka_producer_init called twice", p->stage);
        return p->fatal ? misuse(p, "init", err, errlen) : KAFKA_TXN_FATAL;
    }
    long long started = clock_mono_ms(), deadline = timeout_ms < 0 ? -1 : started + timeout_ms, warned = -1;
    for (;;) {
        rd_kafka_error_t *error = rd_kafka_init_transactions(p->rk, slice_ms(deadline, 10000));
        if (!error) {
            p->ready = 1;
            log_debug("%s: transactions ready on Kafka at %s (transactional id %s)", p->stage, p->servers,
                      p->transactional_id);
            return KAFKA_TXN_OK;
        }
        if (rd_kafka_error_is_fatal(error) || !rd_kafka_error_is_retriable(error))
            return fail_fatal(p, "initialising transactions", error, err, errlen);
        if (expired(deadline) || shutdown_requested()) {
            snprintf(err, errlen,
                     "%s: the transaction coordinator at %s did not answer in %lld s: %s: check that Kafka is up",
                     p->stage, p->servers, (clock_mono_ms() - started) / 1000, rd_kafka_error_string(error));
            rd_kafka_error_destroy(error);
            return KAFKA_TXN_TIMEOUT;
        }
        if (warned < 0 || clock_mono_ms() - warned >= 10000) {
            log_warn("%s: waiting for the transaction coordinator at %s: %s: retrying", p->stage, p->servers,
                     rd_kafka_error_string(error));
            warned = clock_mono_ms();
        }
        rd_kafka_error_destroy(error);
        clock_sleep_ms(slice_ms(deadline, 200));
    }
}

enum kafka_txn kafka_producer_begin(struct kafka_producer *p, char *err, size_t errlen) {
    if (p->fatal || !p->ready || p->in_txn)
        return misuse(p, "begin", err, errlen);
    rd_kafka_poll(p->rk, 0); /* reports left from an aborted transaction */
    p->failed = 0;
    p->failure[0] = '\0';
    rd_kafka_error_t *error = rd_kafka_begin_transaction(p->rk);
    if (error)
        return fail_fatal(p, "beginning a transaction", error, err, errlen);
    p->in_txn = 1;
    return KAFKA_TXN_OK;
}

static enum kafka_txn do_abort(struct kafka_producer *p, char *err, size_t errlen) {
    for (int attempt = 1;; attempt++) {
        rd_kafka_error_t *error = rd_kafka_abort_transaction(p->rk, -1);
        if (!error) {
            p->in_txn = 0;
            return KAFKA_TXN_OK;
        }
        if (rd_kafka_error_is_fatal(error) || !rd_kafka_error_is_retriable(error) || attempt >= 5)
            return fail_fatal(p, "aborting the transaction", error, err, errlen);
        log_warn("%s: aborting the transaction on Kafka at %s: %s: retrying", p->stage, p->servers,
                 rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
        clock_sleep_ms(200 * attempt);
    }
}

/* Aborts the transaction because of reason; ABORTED, or FATAL if the abort failed. */
static enum kafka_txn abort_because(struct kafka_producer *p, const char *reason, char *err, size_t errlen) {
    char why[768];
    snprintf(why, sizeof why, "%s", reason); /* reason may be p->failure, which the abort rewrites */
    enum kafka_txn rc = do_abort(p, err, errlen);
    if (rc != KAFKA_TXN_OK)
        return rc;
    snprintf(err, errlen, "%s: %s: the transaction was aborted; replay from the last committed position", p->stage,
             why);
    return KAFKA_TXN_ABORTED;
}

enum kafka_txn kafka_producer_abort(struct kafka_producer *p, char *err, size_t errlen) {
    if (p->fatal || !p->in_txn)
        return misuse(p, "abort", err, errlen);
    return do_abort(p, err, errlen);
}

/* Adds a record; msgflags RD_KAFKA_MSG_F_COPY copies the value, 0 borrows it.
 * headers (may be NULL) are the producer's from the call on. */
static enum kafka_txn produce(struct kafka_producer *p, const char *topic, int32_t partition, int64_t timestamp_ms,
                              const void *key, size_t key_len, const void *value, size_t value_len,
                              rd_kafka_headers_t *headers, void *opaque, int msgflags, char *err, size_t errlen) {
    rd_kafka_headers_t *copy = headers;
    if (p->fatal || !p->in_txn || p->failed) {
        if (copy)
            rd_kafka_headers_destroy(copy);
        if (p->fatal || !p->in_txn)
            return misuse(p, "produce", err, errlen);
        return abort_because(p, delivery_failure(p), err, errlen);
    }
    rd_kafka_resp_err_t code;
    for (;;) {
        code = rd_kafka_producev(
            p->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition), RD_KAFKA_V_MSGFLAGS(msgflags),
            RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE((void *)value, value ? value_len : 0),
            RD_KAFKA_V_TIMESTAMP(timestamp_ms), RD_KAFKA_V_HEADERS(copy), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
        if (code != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            break;
        rd_kafka_poll(p->rk, 100); /* delivery reports make room */
        if (p->failed)
            break;
    }
    if (code == RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (++p->unpolled >= 256) { /* delivery reports: a failure is seen early */
            p->unpolled = 0;
            rd_kafka_poll(p->rk, 0);
        }
        return KAFKA_TXN_OK;
    }
    if (copy) /* librdkafka owns the headers only once the record is accepted */
        rd_kafka_headers_destroy(copy);
    if (code == RD_KAFKA_RESP_ERR__QUEUE_FULL) /* left the loop on a failed delivery */
        return abort_because(p, delivery_failure(p), err, errlen);
    if (code == RD_KAFKA_RESP_ERR__FATAL || rd_kafka_fatal_error(p->rk, NULL, 0))
        return fail_fatal(p, "producing a record", NULL, err, errlen);
    char reason[512];
    snprintf(reason, sizeof reason, "producing a record to %s failed: %s", topic, rd_kafka_err2str(code));
    return abort_because(p, reason, err, errlen);
}

enum kafka_txn kafka_producer_produce_to(struct kafka_producer *p, const char *topic, int32_t partition,
                                         int64_t timestamp_ms, const void *key, size_t key_len, const void *value,
                                         size_t value_len, const rd_kafka_headers_t *headers, char *err,
                                         size_t errlen) {
    return produce(p, topic, partition, timestamp_ms, key, key_len, value, value_len,
                   headers ? rd_kafka_headers_copy(headers) : NULL, NULL, RD_KAFKA_MSG_F_COPY, err, errlen);
}

enum kafka_txn kafka_producer_copy(struct kafka_producer *p, const char *topic, int32_t partition, int64_t timestamp_ms,
                                   const void *key, size_t key_len, const void *value, size_t value_len,
                                   rd_kafka_headers_t *headers, void *opaque, char *err, size_t errlen) {
    return produce(p, topic, partition, timestamp_ms, key, key_len, value, value_len, headers, opaque,
                   RD_KAFKA_MSG_F_COPY, err, errlen);
}

enum kafka_txn kafka_producer_produce_borrowed(struct kafka_producer *p, const char *topic, const char *columns,
                                               const void *key, size_t key_len, const void *value, size_t value_len,
                                               char *err, size_t errlen) {
    return produce(p, topic, RD_KAFKA_PARTITION_UA, 0, key, key_len, value, value_len, kafka_columns_header(columns),
                   NULL, 0, err, errlen);
}

rd_kafka_headers_t *kafka_columns_header(const char *columns) {
    if (!columns)
        return NULL;
    rd_kafka_headers_t *h = rd_kafka_headers_new(1);
    rd_kafka_header_add(h, COLUMNS_HEADER, -1, columns, -1);
    return h;
}

enum kafka_txn kafka_producer_produce(struct kafka_producer *p, const char *topic, const void *key, size_t key_len,
                                      const void *value, size_t value_len, const rd_kafka_headers_t *headers, char *err,
                                      size_t errlen) {
    return kafka_producer_produce_to(p, topic, RD_KAFKA_PARTITION_UA, 0, key, key_len, value, value_len, headers, err,
                                     errlen);
}

enum kafka_txn kafka_producer_flush(struct kafka_producer *p, char *err, size_t errlen) {
    if (p->fatal || !p->in_txn)
        return misuse(p, "flush", err, errlen);
    /* As long as a commit would wait: past that the transaction is lost. */
    long long deadline = clock_mono_ms() + 3LL * p->txn_timeout_ms, warned = clock_mono_ms();
    while (!p->failed && rd_kafka_flush(p->rk, 1000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (rd_kafka_fatal_error(p->rk, NULL, 0))
            return fail_fatal(p, "delivering the transaction's records", NULL, err, errlen);
        if (clock_mono_ms() >= deadline) {
            char reason[256];
            snprintf(reason, sizeof reason, "the records were not delivered in %d s", 3 * p->txn_timeout_ms / 1000);
            return abort_because(p, reason, err, errlen);
        }
        if (clock_mono_ms() - warned >= 10000) {
            log_warn("%s: %d records not yet delivered to Kafka at %s: waiting", p->stage, rd_kafka_outq_len(p->rk),
                     p->servers);
            warned = clock_mono_ms();
        }
    }
    rd_kafka_poll(p->rk, 0);
    if (p->failed)
        return abort_because(p, delivery_failure(p), err, errlen);
    return KAFKA_TXN_OK;
}

enum kafka_txn kafka_producer_commit(struct kafka_producer *p, char *err, size_t errlen) {
    if (p->fatal || !p->in_txn)
        return misuse(p, "commit", err, errlen);
    rd_kafka_poll(p->rk, 0);
    if (p->failed)
        return abort_because(p, delivery_failure(p), err, errlen);
    /* A retriable error (a timeout) means the commit goes on in the
     * background: calling again resumes it. Past a few transaction timeouts
     * the coordinator has long aborted it, so give up then. */
    long long deadline = clock_mono_ms() + 3LL * p->txn_timeout_ms;
    for (int attempt = 1;; attempt++) {
        rd_kafka_error_t *error = rd_kafka_commit_transaction(p->rk, -1);
        if (!error)
            break;
        if (rd_kafka_error_is_fatal(error))
            return fail_fatal(p, "committing the transaction", error, err, errlen);
        if (rd_kafka_error_txn_requires_abort(error)) {
            char reason[768];
            if (p->failure[0])
                snprintf(reason, sizeof reason, "%s", p->failure);
            else
                snprintf(reason, sizeof reason, "committing failed: %s", rd_kafka_error_string(error));
            rd_kafka_error_destroy(error);
            return abort_because(p, reason, err, errlen);
        }
        if (!rd_kafka_error_is_retriable(error))
            return fail_fatal(p, "committing the transaction", error, err, errlen);
        if (clock_mono_ms() >= deadline) {
            char reason[768];
            snprintf(reason, sizeof reason, "the commit did not complete in %d s: %s", 3 * p->txn_timeout_ms / 1000,
                     rd_kafka_error_string(error));
            rd_kafka_error_destroy(error);
            return abort_because(p, reason, err, errlen);
        }
        log_warn("%s: committing the transaction on Kafka at %s: %s: retrying", p->stage, p->servers,
                 rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
        clock_sleep_ms(attempt < 10 ? 100 * attempt : 1000);
    }
    p->in_txn = 0;
    rd_kafka_poll(p->rk, 0);
    if (p->failed) { /* librdkafka never commits a transaction with a failed record; if it did, say so */
        p->fatal = 1;
        snprintf(err, errlen, "%s: a committed transaction lost a record (%s): stop and report this", p->stage,
                 delivery_failure(p));
        return KAFKA_TXN_FATAL;
    }
    return KAFKA_TXN_OK;
}

int kafka_producer_learn_topics(struct kafka_producer *p, int timeout_ms, char *err, size_t errlen) {
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t code = rd_kafka_metadata(p->rk, 1, NULL, &md, timeout_ms);
    if (md)
        rd_kafka_metadata_destroy(md);
    if (!code)
        return 0;
    snprintf(err, errlen, "%s: reading the topics of Kafka at %s: %s", p->stage, p->servers, rd_kafka_err2str(code));
    return -1;
}

void kafka_producer_free(struct kafka_producer *p) {
    if (!p)
        return;
    if (p->rk) {
        if (p->in_txn && !p->fatal) {
            /* Leave no open transaction to hold back read_committed consumers
             * until it times out. Bounded: the handle goes anyway. */
            rd_kafka_error_t *error = rd_kafka_abort_transaction(p->rk, 5000);
            if (error) {
                log_debug("%s: aborting on close: %s", p->stage, rd_kafka_error_string(error));
                rd_kafka_error_destroy(error);
            }
        }
        rd_kafka_destroy(p->rk);
    }
    free(p->stage);
    free(p->transactional_id);
    free(p);
}

/* ------------------------------------------------------------ reading back */

/* Number of partitions of topic; 0 when it does not exist; -1 with err. */
static int partition_count(rd_kafka_t *rk, const char *topic, long long deadline, char *err, size_t errlen) {
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    if (!rkt) {
        snprintf(err, errlen, "topic '%s': %s", topic, rd_kafka_err2str(rd_kafka_last_error()));
        return -1;
    }
    int count = -1;
    for (;;) {
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_resp_err_t code = rd_kafka_metadata(rk, 0, rkt, &md, slice_ms(deadline, 5000));
        if (!code && md->topic_cnt == 1) {
            code = md->topics[0].err;
            if (code == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
                count = 0;
            else if (!code)
                count = md->topics[0].partition_cnt;
        }
        if (md)
            rd_kafka_metadata_destroy(md);
        if (count >= 0)
            break;
        if (expired(deadline)) {
            snprintf(err, errlen, "metadata of topic '%s': %s", topic, rd_kafka_err2str(code));
            break;
        }
        clock_sleep_ms(slice_ms(deadline, 100)); /* e.g. a leader being elected */
    }
    rd_kafka_topic_destroy(rkt);
    return count;
}

int kafka_partition_count(rd_kafka_t *rk, const char *topic, int timeout_ms, char *err, size_t errlen) {
    return partition_count(rk, topic, clock_mono_ms() + (timeout_ms < 0 ? 30000 : timeout_ms), err, errlen);
}

/* Reads the assigned partitions to their end (done[i] set for the ones
 * with nothing to read), handing each record to fn; -1 with err. */
static int read_to_end(rd_kafka_t *rk, const char *topic, char *done, int count, kafka_record_fn fn, void *ctx,
                       long long deadline, char *err, size_t errlen) {
    for (;;) {
        int pending = 0;
        for (int i = 0; i < count; i++)
            pending += !done[i];
        if (!pending)
            return 0;
        if (expired(deadline)) {
            snprintf(err, errlen, "timed out before the end of %d partition(s) of '%s'", pending, topic);
            return -1;
        }
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, slice_ms(deadline, 100));
        if (!m)
            continue;
        int32_t part = m->partition;
        int ours = part >= 0 && part < count;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (ours)
                done[part] = 1;
        } else if (m->err) {
            rd_kafka_resp_err_t code = m->err;
            rd_kafka_message_destroy(m);
            if (code == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || code == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
                code == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED || code == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC) {
                snprintf(err, errlen, "reading '%s': %s", topic, rd_kafka_err2str(code));
                return -1;
            }
            log_debug("reading %s: %s: retrying", topic, rd_kafka_err2str(code));
            continue;
        } else if (ours && fn(m, ctx) != 0) {
            snprintf(err, errlen, "reading '%s': the record at partition %d offset %lld could not be taken", topic,
                     (int)part, (long long)m->offset);
            rd_kafka_message_destroy(m);
            return -1;
        }
        rd_kafka_message_destroy(m);
    }
}

int kafka_read_each(const rd_kafka_conf_t *conf, const char *topic, kafka_record_fn fn, void *ctx, int timeout_ms,
                    char *err, size_t errlen) {
    /* librdkafka wants a group.id to assign partitions; nothing is committed to it. */
    static const char *const consumer_props[] = {"group.id", "bridgelab.read-last", "isolation.level", "read_committed",
                                                 "enable.partition.eof", "true", "enable.auto.commit", "false",
                                                 "enable.auto.offset.store", "false", "auto.offset.reset", "earliest",
                                                 /* the end of a partition shows as an empty
                                                  * fetch: do not let the broker hold it */
                                                 "fetch.wait.max.ms", "10", NULL};
    char what[512], why[512], servers[256];
    snprintf(what, sizeof what, "reading topic %s", topic);
    rd_kafka_conf_t *copy = rd_kafka_conf_dup(conf);
    if (set_all(copy, consumer_props, what, err, errlen) != 0)
        return -1;
    rd_kafka_t *rk = new_handle(RD_KAFKA_CONSUMER, copy, what, err, errlen);
    if (!rk)
        return -1;
    rd_kafka_poll_set_consumer(rk);
    servers_of(rk, servers, sizeof servers);
    long long deadline = clock_mono_ms() + (timeout_ms < 0 ? 30000 : timeout_ms);
    int rc = -1;
    char *done = NULL;
    rd_kafka_topic_partition_list_t *assignment = NULL;
    int count = partition_count(rk, topic, deadline, why, sizeof why);
    if (count < 0)
        goto fail;
    if (count == 0) {
        rc = KAFKA_NOT_FOUND;
        goto out;
    }
    done = calloc((size_t)count, 1);
    assignment = rd_kafka_topic_partition_list_new(count);
    if (!done || !assignment) {
        snprintf(why, sizeof why, "out of memory");
        goto fail;
    }
    for (int i = 0; i < count; i++) {
        int64_t low, high;
        rd_kafka_resp_err_t code =
            rd_kafka_query_watermark_offsets(rk, topic, i, &low, &high, slice_ms(deadline, 10000));
        if (code) {
            snprintf(why, sizeof why, "offsets of partition %d: %s", i, rd_kafka_err2str(code));
            goto fail;
        }
        log_debug("reading %s [%d] from offset %lld to %lld", topic, i, (long long)low, (long long)high);
        if (high <= low) { /* empty: nothing to read */
            done[i] = 1;
            continue;
        }
        rd_kafka_topic_partition_list_add(assignment, topic, i)->offset = low;
    }
    if (assignment->cnt > 0) {
        rd_kafka_resp_err_t code = rd_kafka_assign(rk, assignment);
        if (code) {
            snprintf(why, sizeof why, "assigning the partitions: %s", rd_kafka_err2str(code));
            goto fail;
        }
        if (read_to_end(rk, topic, done, count, fn, ctx, deadline, why, sizeof why) != 0)
            goto fail;
    }
    rc = 0;
    goto out;
fail:
    snprintf(err, errlen, "%s on Kafka at %s: %s: check the cluster", what, servers, why);
out:
    if (assignment)
        rd_kafka_topic_partition_list_destroy(assignment);
    free(done);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return rc;
}

/* The last record of one key in each partition, for kafka_read_last. */
struct partition_read {
    int seen;    /* the key has a record here */
    int found;   /* and its last record is not a tombstone */
    int64_t ts;  /* timestamp of that last record */
    char *value; /* malloc'd, NUL-terminated */
    size_t len;
};

struct last_read {
    const char *key;
    size_t key_len;
    struct partition_read *parts;
    int count;
};

static int keep_last(const rd_kafka_message_t *m, void *ctx) {
    struct last_read *r = ctx;
    if (m->key_len != r->key_len || (r->key_len && memcmp(m->key, r->key, r->key_len)))
        return 0;
    if (m->partition >= r->count) {
        struct partition_read *grown = realloc(r->parts, (size_t)(m->partition + 1) * sizeof *grown);
        if (!grown)
            return -1;
        memset(grown + r->count, 0, (size_t)(m->partition + 1 - r->count) * sizeof *grown);
        r->parts = grown;
        r->count = m->partition + 1;
    }
    struct partition_read *part = &r->parts[m->partition];
    free(part->value);
    part->value = NULL;
    part->found = 0;
    part->seen = 1;
    rd_kafka_timestamp_type_t type;
    part->ts = rd_kafka_message_timestamp(m, &type);
    if (!m->payload) /* a tombstone */
        return 0;
    part->value = malloc(m->len + 1);
    if (!part->value)
        return -1;
    memcpy(part->value, m->payload, m->len);
    part->value[m->len] = '\0';
    part->len = m->len;
    part->found = 1;
    return 0;
}

int kafka_read_last(const rd_kafka_conf_t *conf, const char *topic, const char *key, char **value, size_t *value_len,
                    int timeout_ms, char *err, size_t errlen) {
    *value = NULL;
    if (value_len)
        *value_len = 0;
    struct last_read r = {key, strlen(key), NULL, 0};
    int rc = kafka_read_each(conf, topic, keep_last, &r, timeout_ms, err, errlen);
    if (rc == 0) {
        /* The key lives in one partition; if several hold it (the
         * partitioner changed), the latest record wins. */
        int best = -1;
        for (int i = 0; i < r.count; i++)
            if (r.parts[i].seen && (best < 0 || r.parts[i].ts > r.parts[best].ts))
                best = i;
        if (best >= 0 && r.parts[best].found) {
            *value = r.parts[best].value;
            if (value_len)
                *value_len = r.parts[best].len;
            r.parts[best].value = NULL;
        } else {
            rc = KAFKA_NOT_FOUND;
        }
    }
    for (int i = 0; i < r.count; i++)
        free(r.parts[i].value);
    free(r.parts);
    return rc;
}

/* ---------------------------------------------------------------- consumer */

rd_kafka_t *kafka_consumer_new(const rd_kafka_conf_t *conf, const char *group_id, char *err, size_t errlen) {
    return kafka_consumer_new_with(conf, group_id, NULL, err, errlen);
}

rd_kafka_t *kafka_consumer_new_with(const rd_kafka_conf_t *conf, const char *group_id, const char *const *extra,
                                    char *err, size_t errlen) {
    const char *const forced[] = {"group.id",
                                  group_id,
                                  "isolation.level",
                                  "read_committed",
                                  "enable.auto.commit",
                                  "false",
                                  "enable.auto.offset.store",
                                  "false",
                                  "auto.offset.reset",
                                  "earliest",
                                  "enable.partition.eof",
                                  "false",
                                  NULL};
    rd_kafka_conf_t *copy = rd_kafka_conf_dup(conf);
    char what[320];
    snprintf(what, sizeof what, "consumer of group %s", group_id);
    if (set_all(copy, forced, what, err, errlen) != 0 || (extra && set_all(copy, extra, what, err, errlen) != 0))
        return NULL;
    rd_kafka_t *rk = new_handle(RD_KAFKA_CONSUMER, copy, what, err, errlen);
    if (rk)
        rd_kafka_poll_set_consumer(rk);
    return rk;
}

/* ------------------------------------------------------------------ topics */

/* Runs one admin request whose result arrives on q; returns the event or NULL with why. */
static rd_kafka_event_t *admin_wait(rd_kafka_queue_t *q, int timeout_ms, char *why, size_t whylen) {
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms + 2000);
    if (!ev) {
        snprintf(why, whylen, "no answer in %d ms", timeout_ms);
        return NULL;
    }
    if (rd_kafka_event_error(ev)) {
        snprintf(why, whylen, "%s", rd_kafka_event_error_string(ev));
        rd_kafka_event_destroy(ev);
        return NULL;
    }
    return ev;
}

static rd_kafka_AdminOptions_t *admin_options(rd_kafka_t *rk, rd_kafka_admin_op_t op, int timeout_ms) {
    char errstr[256];
    rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(rk, op);
    rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, errstr, sizeof errstr);
    if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS)
        rd_kafka_AdminOptions_set_operation_timeout(opts, timeout_ms, errstr, sizeof errstr);
    return opts;
}

/* DescribeConfigs of one topic: the event holding the result, or NULL with why. */
static rd_kafka_event_t *describe_topic(rd_kafka_t *rk, const char *topic, int timeout_ms,
                                        const rd_kafka_ConfigResource_t **resource, char *why, size_t whylen) {
    rd_kafka_ConfigResource_t *res = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic);
    rd_kafka_AdminOptions_t *opts = admin_options(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeout_ms);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_DescribeConfigs(rk, &res, 1, opts, q);
    rd_kafka_event_t *ev = admin_wait(q, timeout_ms, why, whylen);
    rd_kafka_queue_destroy(q);
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_ConfigResource_destroy(res);
    if (!ev)
        return NULL;
    size_t n = 0;
    const rd_kafka_ConfigResource_t **results =
        rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev), &n);
    if (n != 1 || rd_kafka_ConfigResource_error(results[0])) {
        snprintf(why, whylen, "%s",
                 n == 1 ? rd_kafka_ConfigResource_error_string(results[0]) : "no result for the topic");
        rd_kafka_event_destroy(ev);
        return NULL;
    }
    *resource = results[0];
    return ev;
}

static const char *config_entry(const rd_kafka_ConfigResource_t *resource, const char *name) {
    size_t n = 0;
    const rd_kafka_ConfigEntry_t **entries = rd_kafka_ConfigResource_configs(resource, &n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(rd_kafka_ConfigEntry_name(entries[i]), name) == 0) {
            const char *value = rd_kafka_ConfigEntry_value(entries[i]);
            return value ? value : "";
        }
    return NULL;
}

/* A topic just created: waits until the metadata shows every partition with
 * a leader, so that producing to it right away does not race its creation. */
static int wait_for_leaders(rd_kafka_t *rk, const char *topic, int partitions, int timeout_ms, char *why,
                            size_t whylen) {
    long long deadline = clock_mono_ms() + timeout_ms;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    int rc = -1;
    while (rkt && rc != 0) {
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_resp_err_t code = rd_kafka_metadata(rk, 0, rkt, &md, slice_ms(deadline, 2000));
        if (!code && md->topic_cnt == 1 && !md->topics[0].err &&
            md->topics[0].partition_cnt >= (partitions > 0 ? partitions : 1)) {
            rc = 0;
            for (int i = 0; i < md->topics[0].partition_cnt; i++)
                if (md->topics[0].partitions[i].err || md->topics[0].partitions[i].leader < 0)
                    rc = -1;
        } else if (!code && md->topic_cnt == 1) {
            code = md->topics[0].err;
        }
        if (md)
            rd_kafka_metadata_destroy(md);
        if (rc != 0 && expired(deadline)) {
            snprintf(why, whylen, "created, but its partitions have no leader yet (%s)",
                     code ? rd_kafka_err2str(code) : "no leader");
            break;
        }
        if (rc != 0)
            clock_sleep_ms(slice_ms(deadline, 50));
    }
    if (rkt)
        rd_kafka_topic_destroy(rkt);
    return rc;
}

/* The topic existed: says what differs from what was asked. */
static void check_existing(rd_kafka_t *rk, const char *topic, int partitions, const char *const *configs,
                           int timeout_ms) {
    char why[512];
    int count = partition_count(rk, topic, clock_mono_ms() + timeout_ms, why, sizeof why);
    if (count > 0 && partitions > 0 && count != partitions)
        log_warn("topic %s exists with %d partitions, not %d as asked: left as it is", topic, count, partitions);
    if (!configs || !configs[0])
        return;
    const rd_kafka_ConfigResource_t *resource;
    rd_kafka_event_t *ev = describe_topic(rk, topic, timeout_ms, &resource, why, sizeof why);
    if (!ev) {
        log_warn("topic %s exists; its configs could not be checked: %s", topic, why);
        return;
    }
    for (size_t i = 0; configs[i] && configs[i + 1]; i += 2) {
        const char *actual = config_entry(resource, configs[i]);
        if (actual && strcmp(actual, configs[i + 1]) != 0)
            log_warn("topic %s exists with %s=%s, not %s as asked: change it with kafka-configs.sh --alter", topic,
                     configs[i], actual, configs[i + 1]);
    }
    rd_kafka_event_destroy(ev);
}

/* One topic's CreateTopics result: 0 when it exists now, else -1 with why. */
static int topic_created(rd_kafka_t *rk, const rd_kafka_topic_result_t *result, int partitions,
                         const char *const *configs, int timeout_ms, const char *servers, char *why, size_t whylen) {
    const char *topic = rd_kafka_topic_result_name(result);
    rd_kafka_resp_err_t code = rd_kafka_topic_result_error(result);
    if (code == RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (wait_for_leaders(rk, topic, partitions, timeout_ms, why, whylen) != 0)
            return -1;
        log_info("created topic %s on Kafka at %s", topic, servers);
        return 0;
    }
    if (code == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        check_existing(rk, topic, partitions, configs, timeout_ms);
        return 0;
    }
    if (code == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
        code == RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED) {
        /* Not allowed to create topics: fine if it is there already. */
        char ignored[256];
        if (partition_count(rk, topic, clock_mono_ms() + timeout_ms, ignored, sizeof ignored) > 0)
            return 0;
        snprintf(why, whylen, "%s: not allowed to create it: create the topic, or grant CREATE on it", topic);
        return -1;
    }
    const char *text = rd_kafka_topic_result_error_string(result);
    snprintf(why, whylen, "%s: %s: %s", topic, rd_kafka_err2name(code), text ? text : rd_kafka_err2str(code));
    return -1;
}

int kafka_ensure_topics(const rd_kafka_conf_t *conf, const char *const *topics, int count, int partitions,
                        int replication_factor, const char *const *configs, int timeout_ms, char *err, size_t errlen) {
    char what[320], why[512] = "", servers[256];
    snprintf(what, sizeof what, count == 1 ? "creating topic %s" : "creating topics %s, ...",
             count > 0 ? topics[0] : "");
    if (count <= 0)
        return 0;
    rd_kafka_NewTopic_t **news = calloc((size_t)count, sizeof *news);
    rd_kafka_t *rk = news ? new_handle(RD_KAFKA_PRODUCER, rd_kafka_conf_dup(conf), what, err, errlen) : NULL;
    if (!rk) {
        if (!news)
            snprintf(err, errlen, "%s: out of memory", what);
        free(news);
        return -1;
    }
    servers_of(rk, servers, sizeof servers);
    int rc = 0;
    for (int t = 0; t < count && rc == 0; t++) {
        news[t] = rd_kafka_NewTopic_new(topics[t], partitions, replication_factor, why, sizeof why);
        rc = news[t] ? 0 : -1;
        for (size_t i = 0; rc == 0 && configs && configs[i]; i += 2) {
            rd_kafka_resp_err_t code = configs[i + 1]
                                           ? rd_kafka_NewTopic_set_config(news[t], configs[i], configs[i + 1])
                                           : RD_KAFKA_RESP_ERR__INVALID_ARG;
            if (code) {
                snprintf(why, sizeof why, "config %s: %s", configs[i], rd_kafka_err2str(code));
                rc = -1;
            }
        }
    }
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", what, why);
    } else {
        rd_kafka_AdminOptions_t *opts = admin_options(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout_ms);
        rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
        rd_kafka_CreateTopics(rk, news, (size_t)count, opts, q);
        rd_kafka_event_t *ev = admin_wait(q, timeout_ms, why, sizeof why);
        rc = -1;
        if (ev) {
            size_t n = 0;
            const rd_kafka_topic_result_t **results =
                rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
            rc = n == (size_t)count ? 0 : -1;
            if (rc != 0)
                snprintf(why, sizeof why, "%zu results for %d topics", n, count);
            for (size_t i = 0; i < n && rc == 0; i++)
                rc = topic_created(rk, results[i], partitions, configs, timeout_ms, servers, why, sizeof why);
            rd_kafka_event_destroy(ev);
        }
        if (rc != 0)
            snprintf(err, errlen, "%s on Kafka at %s: %s: check the cluster and the topic's settings", what, servers,
                     why);
        rd_kafka_queue_destroy(q);
        rd_kafka_AdminOptions_destroy(opts);
    }
    for (int t = 0; t < count; t++)
        if (news[t])
            rd_kafka_NewTopic_destroy(news[t]);
    free(news);
    rd_kafka_destroy(rk);
    return rc;
}

int kafka_ensure_topic(const rd_kafka_conf_t *conf, const char *topic, int partitions, int replication_factor,
                       const char *const *configs, int timeout_ms, char *err, size_t errlen) {
    return kafka_ensure_topics(conf, &topic, 1, partitions, replication_factor, configs, timeout_ms, err, errlen);
}

int kafka_topic_config(const rd_kafka_conf_t *conf, const char *topic, const char *name, char *value, size_t value_len,
                       int timeout_ms, char *err, size_t errlen) {
    char what[320], why[512], servers[256];
    snprintf(what, sizeof what, "reading config %s of topic %s", name, topic);
    rd_kafka_t *rk = new_handle(RD_KAFKA_PRODUCER, rd_kafka_conf_dup(conf), what, err, errlen);
    if (!rk)
        return -1;
    servers_of(rk, servers, sizeof servers);
    int rc = -1;
    const rd_kafka_ConfigResource_t *resource;
    rd_kafka_event_t *ev = describe_topic(rk, topic, timeout_ms, &resource, why, sizeof why);
    if (ev) {
        const char *found = config_entry(resource, name);
        if (found) {
            snprintf(value, value_len, "%s", found);
            rc = 0;
        } else {
            snprintf(why, sizeof why, "no such config");
        }
        rd_kafka_event_destroy(ev);
    }
    if (rc != 0)
        snprintf(err, errlen, "%s on Kafka at %s: %s", what, servers, why);
    rd_kafka_destroy(rk);
    return rc;
}

void kafka_configs_free(char **pairs) {
    if (!pairs)
        return;
    for (size_t i = 0; pairs[i]; i++)
        free(pairs[i]);
    free(pairs);
}

int kafka_topic_configs_set(const rd_kafka_conf_t *conf, const char *topic, const char *const *names, char ***pairs,
                            int timeout_ms, char *err, size_t errlen) {
    char what[320], why[512] = "", servers[256];
    snprintf(what, sizeof what, "reading the configs of topic %s", topic);
    *pairs = NULL;
    rd_kafka_t *rk = new_handle(RD_KAFKA_PRODUCER, rd_kafka_conf_dup(conf), what, err, errlen);
    if (!rk)
        return -1;
    servers_of(rk, servers, sizeof servers);
    size_t wanted = 0;
    while (names[wanted])
        wanted++;
    int rc = -1;
    const rd_kafka_ConfigResource_t *resource;
    rd_kafka_event_t *ev = describe_topic(rk, topic, timeout_ms, &resource, why, sizeof why);
    char **out = ev ? calloc(2 * wanted + 1, sizeof *out) : NULL;
    if (ev && !out)
        snprintf(why, sizeof why, "out of memory");
    if (out) {
        size_t n = 0, count = 0;
        const rd_kafka_ConfigEntry_t **entries = rd_kafka_ConfigResource_configs(resource, &count);
        rc = 0;
        for (size_t i = 0; i < count && rc == 0; i++) {
            const char *name = rd_kafka_ConfigEntry_name(entries[i]), *value = rd_kafka_ConfigEntry_value(entries[i]);
            int asked = 0;
            for (size_t k = 0; k < wanted; k++)
                asked |= strcmp(names[k], name) == 0;
            if (!asked || !value ||
                rd_kafka_ConfigEntry_source(entries[i]) != RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG)
                continue;
            if (n + 2 > 2 * wanted || !(out[n] = strdup(name)) || !(out[n + 1] = strdup(value))) {
                snprintf(why, sizeof why, "out of memory");
                rc = -1;
            }
            n += 2;
        }
        if (rc == 0)
            *pairs = out;
        else
            kafka_configs_free(out);
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    if (rc != 0)
        snprintf(err, errlen, "%s on Kafka at %s: %s", what, servers, why);
    rd_kafka_destroy(rk);
    return rc;
}

int kafka_create_partitions(const rd_kafka_conf_t *conf, const char *topic, int total, int timeout_ms, char *err,
                            size_t errlen) {
    char what[320], why[512] = "", servers[256];
    snprintf(what, sizeof what, "adding partitions to topic %s (to %d)", topic, total);
    rd_kafka_t *rk = new_handle(RD_KAFKA_PRODUCER, rd_kafka_conf_dup(conf), what, err, errlen);
    if (!rk)
        return -1;
    servers_of(rk, servers, sizeof servers);
    int rc = -1;
    rd_kafka_NewPartitions_t *np = rd_kafka_NewPartitions_new(topic, (size_t)total, why, sizeof why);
    if (np) {
        rd_kafka_AdminOptions_t *opts = admin_options(rk, RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, timeout_ms);
        char errstr[256];
        rd_kafka_AdminOptions_set_operation_timeout(opts, timeout_ms, errstr, sizeof errstr);
        rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
        rd_kafka_CreatePartitions(rk, &np, 1, opts, q);
        rd_kafka_event_t *ev = admin_wait(q, timeout_ms, why, sizeof why);
        if (ev) {
            size_t n = 0;
            const rd_kafka_topic_result_t **results =
                rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(ev), &n);
            rd_kafka_resp_err_t code = n == 1 ? rd_kafka_topic_result_error(results[0]) : RD_KAFKA_RESP_ERR__FAIL;
            if (code == RD_KAFKA_RESP_ERR_NO_ERROR) {
                rc = wait_for_leaders(rk, topic, total, timeout_ms, why, sizeof why);
            } else {
                const char *text = n == 1 ? rd_kafka_topic_result_error_string(results[0]) : NULL;
                snprintf(why, sizeof why, "%s: %s", rd_kafka_err2name(code), text ? text : rd_kafka_err2str(code));
            }
            rd_kafka_event_destroy(ev);
        }
        rd_kafka_queue_destroy(q);
        rd_kafka_AdminOptions_destroy(opts);
        rd_kafka_NewPartitions_destroy(np);
    }
    if (rc == 0)
        log_info("topic %s on Kafka at %s now has %d partitions", topic, servers, total);
    else
        snprintf(err, errlen, "%s on Kafka at %s: %s", what, servers, why);
    rd_kafka_destroy(rk);
    return rc;
}
