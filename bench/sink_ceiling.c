/* sink-ceiling: the ceilings bridge sink is measured against — the very
 * files a sink run wrote, written again as the same files by the plainest
 * loop each lake allows, so that what remains between the sink and it is
 * the sink's own cost (reading Kafka, building the files, its bookkeeping).
 *
 *   sink-ceiling [-k KEY_FILE] [-p PID] FROM TO
 *
 * FROM: the lake a sink run wrote — a folder (a path or file:///path) or an
 * Azurite container (http://host:port/account/container) — read with
 * common/storage: every file (the local store's side records are hidden)
 * into memory, in name order, before the clock starts.
 * TO, which must not exist:
 * - a folder (a path or file:///path): per file, its folders made as needed
 *   (each new one with an fsync of its parent), then write(2) into a
 *   temporary name in its folder, fsync, rename into place and fsync of the
 *   folder — as the sink's local store commits a file, without the store's
 *   side record of metadata, its lock and its create-only link;
 * - an Azurite container (http://host:port/account/container, path style),
 *   created first (not timed): over one reused libcurl handle, a file up to
 *   4 MiB is one Put Blob, a larger one Put Blocks of 4 MiB and one Put
 *   Block List — the requests common/storage_azure.c makes, without its
 *   metadata headers and If-None-Match — SharedKey-signed with
 *   common/storage_sign.c (x-ms-version 2021-08-06). The loop itself is
 *   plain libcurl, not common/storage.
 * KEY_FILE holds the account key (its first line) for FROM or TO on Azurite:
 * the key is never on argv or in a line this program prints. PID (the
 * store's process: Azurite) has its CPU time while the clock ran said too.
 *
 * The clock runs from the first file's write to the last one's answer.
 * Prints one line:
 *   ceiling: N files, B bytes into TO in S s: F files/s, M MB/s[ (R requests)][; process PID: C s of CPU] */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "secret.h"
#include "storage.h"
#include "storage_codec.h"
#include "storage_sign.h"

#define BLOCK_BYTES ((size_t)4 << 20) /* common/storage_azure.c's default block size */
#define API_VERSION "2021-08-06"

struct file {
    char *name;
    char *data;
    size_t len;
};

struct files {
    struct file *v;
    size_t n, cap;
    long long bytes;
    int out_of_memory; /* the listing stopped short */
};

static int is_azure(const char *url) { return strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0; }

/* A folder as the path it names: file:// stripped. */
static const char *folder_path(const char *url) { return strncmp(url, "file://", 7) == 0 ? url + 7 : url; }

/* The CPU time (user + system) of process pid in seconds; -1 when it cannot
 * be read. */
static double cpu_seconds(long pid) {
    char path[64], text[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f)
        fclose(f);
    text[n] = '\0';
    const char *p = strrchr(text, ')'); /* after the command name, which may hold anything */
    unsigned long long user, system;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &user, &system) != 2)
        return -1;
    return (double)(user + system) / (double)sysconf(_SC_CLK_TCK);
}

/* ------------------------------------------------------------ reading */

static int collect(const struct storage_entry *e, void *ctx) {
    struct files *f = ctx;
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 256;
        struct file *grown = realloc(f->v, cap * sizeof *grown);
        if (!grown)
            return f->out_of_memory = 1;
        f->v = grown;
        f->cap = cap;
    }
    struct file *file = &f->v[f->n];
    *file = (struct file){strdup(e->name), NULL, 0};
    if (!file->name)
        return f->out_of_memory = 1;
    f->n++;
    return 0;
}

/* Every file of the lake at url into memory; 0, or -1 (said why). */
static int read_lake(const char *url, const char *key, struct files *out) {
    char full[PATH_MAX + 8], err[1024];
    if (is_azure(url)) {
        snprintf(full, sizeof full, "%s", url);
    } else {
        char path[PATH_MAX];
        if (!realpath(folder_path(url), path)) {
            fprintf(stderr, "sink-ceiling: %s: %s\n", url, strerror(errno));
            return -1;
        }
        snprintf(full, sizeof full, "file://%s", path);
    }
    struct storage_options opt = {.url = full, .shared_key = is_azure(url) ? key : NULL};
    struct storage *s;
    enum storage_status st = storage_open(&opt, &s, err, sizeof err);
    if (st != STORAGE_OK) {
        fprintf(stderr, "sink-ceiling: reading %s: %s\n", url, err);
        return -1;
    }
    st = storage_list(s, "", NULL, 0, collect, out, err, sizeof err);
    if (st == STORAGE_OK && out->out_of_memory) {
        snprintf(err, sizeof err, "out of memory");
        st = STORAGE_UNAVAILABLE;
    }
    for (size_t i = 0; st == STORAGE_OK && i < out->n; i++) {
        st = storage_get(s, out->v[i].name, 0, -1, &out->v[i].data, &out->v[i].len, err, sizeof err);
        out->bytes += (long long)out->v[i].len;
    }
    storage_close(s);
    if (st != STORAGE_OK)
        fprintf(stderr, "sink-ceiling: reading %s: %s\n", url, err);
    return st == STORAGE_OK ? 0 : -1;
}

/* ------------------------------------------------------------- folder */

static int write_all(int fd, const char *p, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* The folder path and its parents, each one made with an fsync of its
 * parent; 0 or -1 with errno. */
static int make_folders(char *path) {
    struct stat st;
    if (stat(path, &st) == 0)
        return S_ISDIR(st.st_mode) ? 0 : (errno = ENOTDIR, -1);
    char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return -1;
    *slash = '\0';
    int rc = make_folders(path);
    int parent = rc == 0 ? open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    *slash = '/';
    if (parent < 0)
        return -1;
    rc = mkdir(path, 0777) == 0 || errno == EEXIST ? fsync(parent) : -1;
    close(parent);
    return rc;
}

static int write_folder(const char *root, const struct files *f) {
    char path[4096], tmp[64];
    if (mkdir(root, 0777) != 0) {
        fprintf(stderr, "sink-ceiling: %s: %s (it must not exist)\n", root, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < f->n; i++) {
        snprintf(path, sizeof path, "%s/%s", root, f->v[i].name);
        char *slash = strrchr(path, '/');
        *slash = '\0';
        int dirfd = make_folders(path) == 0 ? open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
        snprintf(tmp, sizeof tmp, ".tmp.%ld.%zu", (long)getpid(), i);
        int fd = dirfd >= 0 ? openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666) : -1;
        int rc = fd >= 0 && write_all(fd, f->v[i].data, f->v[i].len) == 0 && fsync(fd) == 0 ? 0 : -1;
        if (fd >= 0 && close(fd) != 0)
            rc = -1;
        if (rc == 0 && (renameat(dirfd, tmp, dirfd, slash + 1) != 0 || fsync(dirfd) != 0))
            rc = -1;
        if (dirfd >= 0)
            close(dirfd);
        if (rc != 0) {
            fprintf(stderr, "sink-ceiling: writing %s/%s: %s\n", path, slash + 1, strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* -------------------------------------------------------------- azure */

struct azure {
    CURL *curl;
    char endpoint[512]; /* scheme://host[:port] */
    char account[128];
    char container[64];
    unsigned char key[128];
    int keylen;
    long requests;
};

static size_t discard(char *data, size_t size, size_t n, void *ctx) {
    (void)data;
    (void)ctx;
    return size * n;
}

/* One signed PUT of body to path (percent-encoded) with the query (decoded
 * values) and extra headers; returns the HTTP status, 0 when none came. */
static long put(struct azure *a, const char *path, const struct storage_kv *query, size_t nquery,
                const struct storage_kv *extra, size_t nextra, const char *body, size_t len) {
    char date[40], length[32], url[2048], mac[64], line[512];
    codec_http_date(clock_wall_ms() / 1000, date, sizeof date);
    snprintf(length, sizeof length, "%zu", len);
    struct storage_kv signed_headers[8];
    size_t n = 0;
    for (size_t i = 0; i < nextra; i++)
        signed_headers[n++] = extra[i];
    signed_headers[n++] = (struct storage_kv){"x-ms-date", date};
    signed_headers[n++] = (struct storage_kv){"x-ms-version", API_VERSION};
    signed_headers[n++] = (struct storage_kv){"Content-Length", length};
    struct sign_request sr = {"PUT", a->account, path, signed_headers, n, query, nquery};
    char *sts = sign_string_to_sign(&sr);
    if (!sts || sign_hmac_base64(a->key, (size_t)a->keylen, sts, mac, sizeof mac) != 0) {
        free(sts);
        return 0;
    }
    free(sts);
    int o = snprintf(url, sizeof url, "%s%s", a->endpoint, path);
    for (size_t i = 0; i < nquery; i++) {
        char *v = codec_pct_encode(query[i].value, 0);
        o += snprintf(url + o, sizeof url - (size_t)o, "%c%s=%s", i ? '&' : '?', query[i].name, v ? v : "");
        free(v);
    }
    struct curl_slist *h = NULL;
    for (size_t i = 0; i + 1 < n; i++) { /* all but Content-Length, the last: curl sends it */
        snprintf(line, sizeof line, "%s: %s", signed_headers[i].name, signed_headers[i].value);
        h = curl_slist_append(h, line);
    }
    snprintf(line, sizeof line, "Authorization: SharedKey %s:%s", a->account, mac);
    h = curl_slist_append(h, line);
    h = curl_slist_append(h, "Content-Type:"); /* none of curl's: it is not signed */
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(a->curl, CURLOPT_URL, url);
    curl_easy_setopt(a->curl, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(a->curl, CURLOPT_POSTFIELDS, body ? body : "");
    curl_easy_setopt(a->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    long status = 0;
    CURLcode rc = curl_easy_perform(a->curl);
    if (rc == CURLE_OK)
        curl_easy_getinfo(a->curl, CURLINFO_RESPONSE_CODE, &status);
    else
        fprintf(stderr, "sink-ceiling: PUT %s: %s\n", path, curl_easy_strerror(rc));
    curl_slist_free_all(h);
    a->requests++;
    return status;
}

/* Parses http(s)://host[:port]/account/container; 0 or -1. */
static int parse_container(const char *url, struct azure *a) {
    const char *host = strstr(url, "://") + 3, *slash = strchr(host, '/');
    const char *second = slash ? strchr(slash + 1, '/') : NULL;
    if (!second || second == slash + 1 || !second[1] || strchr(second + 1, '/') ||
        (size_t)(slash - url) >= sizeof a->endpoint || (size_t)(second - slash) > sizeof a->account ||
        strlen(second + 1) >= sizeof a->container)
        return -1;
    snprintf(a->endpoint, sizeof a->endpoint, "%.*s", (int)(slash - url), url);
    snprintf(a->account, sizeof a->account, "%.*s", (int)(second - slash - 1), slash + 1);
    snprintf(a->container, sizeof a->container, "%s", second + 1);
    return 0;
}

/* Block i's id, as common/storage_azure.c makes them: base64 of 24 bytes. */
static void block_id(size_t file, size_t i, char *out, size_t cap) {
    char raw[32];
    snprintf(raw, sizeof raw, "%016zx-%07zu", file, i);
    codec_base64_encode(raw, 24, out, cap);
}

/* One file: Put Blob, or Put Blocks and Put Block List; 0 or -1. */
static int put_file(struct azure *a, size_t index, const struct file *f) {
    char base[256], *enc = codec_pct_encode(f->name, 1), *path = NULL;
    snprintf(base, sizeof base, "/%s/%s/", a->account, a->container);
    if (enc && (path = malloc(strlen(base) + strlen(enc) + 1)))
        sprintf(path, "%s%s", base, enc);
    free(enc);
    if (!path)
        return -1;
    int ok;
    if (f->len <= BLOCK_BYTES) {
        struct storage_kv type[1] = {{"x-ms-blob-type", "BlockBlob"}};
        ok = put(a, path, NULL, 0, type, 1, f->data, f->len) == 201;
    } else {
        size_t blocks = (f->len + BLOCK_BYTES - 1) / BLOCK_BYTES, o = 0;
        char *list = malloc(blocks * 64 + 128);
        ok = list != NULL;
        if (ok)
            o = (size_t)sprintf(list, "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>");
        for (size_t i = 0; ok && i < blocks; i++) {
            char id[48];
            block_id(index, i, id, sizeof id);
            size_t off = i * BLOCK_BYTES, n = f->len - off < BLOCK_BYTES ? f->len - off : BLOCK_BYTES;
            struct storage_kv q[2] = {{"comp", "block"}, {"blockid", id}};
            ok = put(a, path, q, 2, NULL, 0, f->data + off, n) == 201;
            o += (size_t)sprintf(list + o, "<Latest>%s</Latest>", id);
        }
        if (ok) {
            o += (size_t)sprintf(list + o, "</BlockList>");
            struct storage_kv q[1] = {{"comp", "blocklist"}};
            ok = put(a, path, q, 1, NULL, 0, list, o) == 201;
        }
        free(list);
    }
    if (!ok)
        fprintf(stderr, "sink-ceiling: put %s into %s/%s failed\n", f->name, a->account, a->container);
    free(path);
    return ok ? 0 : -1;
}

static int azure_open(struct azure *a, const char *url, const char *key) {
    if (parse_container(url, a) != 0) {
        fprintf(stderr, "sink-ceiling: %s: not http(s)://host[:port]/account/container\n", url);
        return -1;
    }
    if ((a->keylen = codec_base64_decode(key, a->key, sizeof a->key)) <= 0) {
        fprintf(stderr, "sink-ceiling: the key is not base64: check the key file\n");
        return -1;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(a->curl = curl_easy_init())) {
        fprintf(stderr, "sink-ceiling: libcurl cannot start\n");
        return -1;
    }
    curl_easy_setopt(a->curl, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt(a->curl, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(a->curl, CURLOPT_NOSIGNAL, 1L);
    char path[256];
    snprintf(path, sizeof path, "/%s/%s", a->account, a->container);
    struct storage_kv q[1] = {{"restype", "container"}};
    long status = put(a, path, q, 1, NULL, 0, NULL, 0);
    a->requests = 0;
    if (status != 201) {
        fprintf(stderr, "sink-ceiling: creating container %s/%s: HTTP %ld (it must not exist)\n", a->account,
                a->container, status);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    const char *key_file = NULL;
    long watched = 0;
    int opt;
    while ((opt = getopt(argc, argv, "k:p:")) != -1) {
        if (opt == 'k')
            key_file = optarg;
        else if (opt == 'p' && (watched = strtol(optarg, NULL, 10)) > 0)
            continue;
        else
            break;
    }
    if (opt != -1 || argc - optind != 2) {
        fprintf(stderr, "usage: sink-ceiling [-k KEY_FILE] [-p PID] FROM TO\n");
        return 2;
    }
    const char *from = argv[optind], *to = argv[optind + 1];
    char key[256] = "", err[1024];
    if ((is_azure(from) || is_azure(to)) &&
        (!key_file || secret_read_file(key_file, key, sizeof key, err, sizeof err) != 0)) {
        fprintf(stderr, "sink-ceiling: %s\n", key_file ? err : "an Azurite lake needs -k KEY_FILE");
        return 2;
    }
    struct files f = {0};
    if (read_lake(from, key, &f) != 0)
        return 1;
    if (f.n == 0) {
        fprintf(stderr, "sink-ceiling: %s holds no files\n", from);
        return 1;
    }
    struct azure a = {0};
    if (is_azure(to) && azure_open(&a, to, key) != 0)
        return 1;
    double cpu_before = watched ? cpu_seconds(watched) : 0;
    if (cpu_before < 0) {
        fprintf(stderr, "sink-ceiling: cannot read the CPU time of process %ld (-p)\n", watched);
        return 1;
    }
    long long started = clock_mono_us();
    int rc = 0;
    if (is_azure(to))
        for (size_t i = 0; i < f.n && rc == 0; i++)
            rc = put_file(&a, i, &f.v[i]);
    else
        rc = write_folder(folder_path(to), &f);
    double seconds = (clock_mono_us() - started) / 1e6;
    double cpu = watched ? cpu_seconds(watched) - cpu_before : 0;
    if (rc == 0) {
        printf("ceiling: %zu files, %lld bytes into %s in %.3f s: %.1f files/s, %.1f MB/s", f.n, f.bytes, to, seconds,
               (double)f.n / seconds, (double)f.bytes / seconds / 1e6);
        if (is_azure(to))
            printf(" (%ld requests)", a.requests);
        if (watched)
            printf("; process %ld: %.2f s of CPU", watched, cpu);
        printf("\n");
    }
    if (a.curl)
        curl_easy_cleanup(a.curl);
    explicit_bzero(key, sizeof key);
    explicit_bzero(a.key, sizeof a.key);
    for (size_t i = 0; i < f.n; i++) {
        free(f.v[i].name);
        free(f.v[i].data);
    }
    free(f.v);
    return rc == 0 ? 0 : 1;
}
