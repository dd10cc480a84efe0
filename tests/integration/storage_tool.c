/* storage_tool: common/storage.c from the command line, for
 * tests/integration/storage.sh (Azurite, a local folder).
 *
 *   storage_tool -u URL [-k KEYFILE | -s SASFILE] [-c] [-b BLOCK] [-p PAGE]
 *                [-r RETRIES] [-w BACKOFF_MS] [-t TIMEOUT_MS] COMMAND ARGS
 *   open                          prints storage_describe
 *   put NAME FILE [-x] [-T TYPE] [-m NAME=VALUE]...   FILE - is stdin; -x: create only
 *   get NAME [OFFSET [LENGTH]]    the bytes to stdout
 *   head NAME                     "size\tN" then "meta\tNAME=VALUE" lines
 *   list [PREFIX] [-d DELIM] [-M] "NAME\tSIZE[\tNAME=VALUE;...]" lines; a prefix's size is "-"
 *   delete NAME
 * Exit: 0 ok, 1 usage, else 1 + the storage_status (2 not found, 3 exists,
 * 4 denied, 5 unavailable, 6 invalid), with "STATUS: ERROR" on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "secret.h"
#include "storage.h"

#define MAX_META 64

struct args {
    struct storage_options opt;
    int if_absent, with_meta;
    const char *content_type, *delimiter;
    const char *meta_names[MAX_META], *meta_values[MAX_META];
    size_t nmeta;
    char meta_text[MAX_META][512];
};

static int usage(void) {
    fprintf(stderr, "usage: storage_tool -u URL [-k KEYFILE|-s SASFILE] [-c] [-b BLOCK] [-p PAGE] [-r RETRIES] "
                    "[-w BACKOFF_MS] [-t TIMEOUT_MS] open|put|get|head|list|delete ...\n");
    return 1;
}

static char *read_stream(FILE *f, size_t *len) {
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (n < cap)
            break;
        char *p = realloc(buf, cap * 2);
        if (!p) {
            free(buf);
            return NULL;
        }
        buf = p;
        cap *= 2;
    }
    *len = n;
    return buf;
}

static int print_entry(const struct storage_entry *e, void *ctx) {
    int head = *(int *)ctx;
    if (head) {
        printf("size\t%lld\n", e->size);
        for (size_t i = 0; i < e->meta.count; i++)
            printf("meta\t%s=%s\n", e->meta.names[i], e->meta.values[i]);
        return 0;
    }
    if (e->is_prefix) {
        printf("%s\t-\n", e->name);
        return 0;
    }
    printf("%s\t%lld", e->name, e->size);
    for (size_t i = 0; i < e->meta.count; i++)
        printf("%c%s=%s", i ? ';' : '\t', e->meta.names[i], e->meta.values[i]);
    printf("\n");
    return 0;
}

static int add_meta(struct args *a, const char *pair) {
    const char *eq = strchr(pair, '=');
    if (!eq || a->nmeta == MAX_META || strlen(pair) >= sizeof a->meta_text[0])
        return -1;
    char *t = a->meta_text[a->nmeta];
    snprintf(t, sizeof a->meta_text[0], "%s", pair);
    t[eq - pair] = '\0';
    a->meta_names[a->nmeta] = t;
    a->meta_values[a->nmeta] = t + (eq - pair) + 1;
    a->nmeta++;
    return 0;
}

static int read_secret(const char *path, char **out) {
    static char secret[4096];
    char err[512];
    if (secret_read_file(path, secret, sizeof secret, err, sizeof err) != 0) {
        fprintf(stderr, "storage_tool: %s\n", err);
        return -1;
    }
    *out = secret;
    return 0;
}

static int parse(int argc, char **argv, struct args *a) {
    int c;
    char *secret;
    while ((c = getopt(argc, argv, "u:k:s:cb:p:r:w:t:xT:m:d:M")) != -1) {
        switch (c) {
        case 'u':
            a->opt.url = optarg;
            break;
        case 'k':
        case 's':
            if (read_secret(optarg, &secret) != 0)
                return -1;
            if (c == 'k')
                a->opt.shared_key = secret;
            else
                a->opt.sas = secret;
            break;
        case 'c':
            a->opt.create_container = 1;
            break;
        case 'b':
            a->opt.block_bytes = (size_t)atoll(optarg);
            break;
        case 'p':
            a->opt.list_page_size = atoi(optarg);
            break;
        case 'r':
            a->opt.max_retries = atoi(optarg);
            break;
        case 'w':
            a->opt.retry_backoff_ms = atoi(optarg);
            break;
        case 't':
            a->opt.timeout_ms = atoi(optarg);
            break;
        case 'x':
            a->if_absent = 1;
            break;
        case 'T':
            a->content_type = optarg;
            break;
        case 'm':
            if (add_meta(a, optarg) != 0)
                return -1;
            break;
        case 'd':
            a->delimiter = optarg;
            break;
        case 'M':
            a->with_meta = 1;
            break;
        default:
            return -1;
        }
    }
    return optind < argc && a->opt.url ? 0 : -1;
}

static enum storage_status put(struct storage *s, struct args *a, int argc, char **argv, char *err, size_t errlen) {
    if (argc != 2)
        return (enum storage_status) - 1;
    FILE *f = strcmp(argv[1], "-") == 0 ? stdin : fopen(argv[1], "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open %s", argv[1]);
        return STORAGE_INVALID;
    }
    size_t len;
    char *data = read_stream(f, &len);
    if (f != stdin)
        fclose(f);
    if (!data) {
        snprintf(err, errlen, "cannot read %s", argv[1]);
        return STORAGE_INVALID;
    }
    struct storage_meta meta = {a->nmeta, a->meta_names, a->meta_values};
    enum storage_status st = storage_put(s, argv[0], data, len, a->content_type, a->nmeta ? &meta : NULL,
                                         a->if_absent ? STORAGE_PUT_IF_ABSENT : 0, err, errlen);
    free(data);
    return st;
}

static enum storage_status get(struct storage *s, int argc, char **argv, char *err, size_t errlen) {
    if (argc < 1 || argc > 3)
        return (enum storage_status) - 1;
    char *data;
    size_t len;
    enum storage_status st = storage_get(s, argv[0], argc > 1 ? atoll(argv[1]) : 0, argc > 2 ? atoll(argv[2]) : -1,
                                         &data, &len, err, errlen);
    if (st == STORAGE_OK) {
        fwrite(data, 1, len, stdout);
        free(data);
    }
    return st;
}

static enum storage_status run(struct storage *s, struct args *a, int argc, char **argv, char *err, size_t errlen) {
    const char *cmd = argv[0];
    argc--;
    argv++;
    int head = strcmp(cmd, "head") == 0;
    if (strcmp(cmd, "open") == 0 && argc == 0) {
        printf("%s\n", storage_describe(s));
        return STORAGE_OK;
    }
    if (strcmp(cmd, "put") == 0)
        return put(s, a, argc, argv, err, errlen);
    if (strcmp(cmd, "get") == 0)
        return get(s, argc, argv, err, errlen);
    if (head && argc == 1)
        return storage_head(s, argv[0], print_entry, &head, err, errlen);
    if (strcmp(cmd, "list") == 0 && argc <= 1)
        return storage_list(s, argc ? argv[0] : "", a->delimiter, a->with_meta, print_entry, &head, err, errlen);
    if (strcmp(cmd, "delete") == 0 && argc == 1)
        return storage_delete(s, argv[0], err, errlen);
    return (enum storage_status) - 1;
}

int main(int argc, char **argv) {
    log_init("storage_tool");
    static struct args a;
    if (parse(argc, argv, &a) != 0)
        return usage();
    char err[2048] = "";
    struct storage *s;
    enum storage_status st = storage_open(&a.opt, &s, err, sizeof err);
    if (st == STORAGE_OK) {
        st = run(s, &a, argc - optind, argv + optind, err, sizeof err);
        storage_close(s);
    }
    if ((int)st == -1)
        return usage();
    fflush(stdout);
    if (st != STORAGE_OK) {
        fprintf(stderr, "%s: %s\n", storage_status_name(st), err);
        return 1 + (int)st;
    }
    return 0;
}
