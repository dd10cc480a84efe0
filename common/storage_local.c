/* The local folder store: the lake as files under one folder, behaving as
 * the blob store does, so the sink and its tests can run without Azure.
 *
 * A file is committed by its appearance under its name:
 * - its bytes go to a temporary file in the same folder (a name starting
 *   with '.'), which is fsync'd;
 * - its metadata, if any, goes to a side record `.<name>.meta` (name=value
 *   lines, written to a temporary file and renamed into place, the folder
 *   fsync'd) BEFORE the file appears, so whoever sees the file sees its
 *   metadata; a put without metadata removes an old side record;
 * - the temporary file is renamed into place (or, with
 *   STORAGE_PUT_IF_ABSENT, linked: link(2) fails on an existing name, so
 *   two writers can never both win), and the folder is fsync'd.
 * Writers of one folder (of this client, any process) take an flock on the
 * folder around the metadata-and-commit step, so that a file and its side
 * record always belong to the same put; the link keeps IF_ABSENT atomic even
 * against writers that do not lock.
 *
 * Names starting with '.' (in any segment) are the store's own and are
 * refused; listings hide them. Symbolic links are not followed by listings. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage_store.h"

#define META_SUFFIX ".meta"

struct local_store {
    char folder[PATH_MAX];
    int rootfd;
};

/* Temporary file names: unique in this process (any thread, any store). */
static atomic_ulong temp_seq;

/* One line in err: "local folder F: OP NAME: WHAT: strerror"; the status
 * from errno. */
static enum storage_status io_fail(const struct local_store *ls, const char *op, const char *name, const char *what,
                                   int e, char *err, size_t errlen) {
    const char *todo = "";
    enum storage_status st = STORAGE_UNAVAILABLE;
    if (e == EACCES || e == EPERM || e == EROFS) {
        st = STORAGE_DENIED;
        todo = ": check the folder's owner and mode";
    } else if (e == ENOSPC || e == EDQUOT) {
        todo = ": free some space";
    } else if (e == ENOTDIR || e == EISDIR) {
        /* Azure's names are flat: "a" and "a/b" can both be blobs */
        st = STORAGE_INVALID;
        todo = ": in a local folder a file and a folder cannot have one name";
    }
    snprintf(err, errlen, "local folder %s: %s %s: %s: %s%s", ls->folder, op, name, what, strerror(e), todo);
    return st;
}

static enum storage_status not_found(const struct local_store *ls, const char *op, const char *name, char *err,
                                     size_t errlen) {
    snprintf(err, errlen, "local folder %s: %s %s: no such file", ls->folder, op, name);
    return STORAGE_NOT_FOUND;
}

/* The local store's own rule on top of storage_name_check: no segment
 * starts with '.', and the last one leaves room for its side record. */
static enum storage_status local_name_check(const struct local_store *ls, const char *op, const char *name, char *err,
                                            size_t errlen) {
    for (const char *seg = name; *seg;) {
        size_t len = strcspn(seg, "/");
        if (seg[0] == '.') {
            snprintf(err, errlen,
                     "local folder %s: %s '%s': a segment starts with '.' (kept for the store's own files)", ls->folder,
                     op, name);
            return STORAGE_INVALID;
        }
        if (len > NAME_MAX - 1 - strlen(META_SUFFIX)) {
            snprintf(err, errlen, "local folder %s: %s '%s': a segment is longer than %zu bytes", ls->folder, op, name,
                     NAME_MAX - 1 - strlen(META_SUFFIX));
            return STORAGE_INVALID;
        }
        seg += len;
        if (*seg == '/')
            seg++;
    }
    return STORAGE_OK;
}

/* The folder part of name ("" for none) into dir, and where the base starts. */
static const char *split_name(const char *name, char *dir, size_t dircap) {
    const char *slash = strrchr(name, '/');
    size_t n = slash ? (size_t)(slash - name) : 0;
    snprintf(dir, dircap, "%.*s", (int)n, name);
    return slash ? slash + 1 : name;
}

static int fsync_dir(int dirfd) { return fsync(dirfd) == 0 || errno == EINVAL ? 0 : -1; }

/* Opens dir (relative to the root; "" is the root), creating it and its
 * parents when create is set (each new one made durable in its parent).
 * Returns the fd or -1 with errno. */
static int open_dir(const struct local_store *ls, const char *dir, int create) {
    /* a descriptor of its own: a listing's read position and a put's flock
     * belong to one open file, not to the root's */
    int fd = openat(ls->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    for (const char *seg = dir; fd >= 0 && *seg;) {
        size_t len = strcspn(seg, "/");
        char part[NAME_MAX + 1];
        snprintf(part, sizeof part, "%.*s", (int)len, seg);
        if (create && (mkdirat(fd, part, 0777) == 0 ? fsync_dir(fd) : errno == EEXIST ? 0 : -1) != 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        int next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int e = errno;
        close(fd);
        errno = e;
        fd = next;
        seg += len;
        if (*seg == '/')
            seg++;
    }
    return fd;
}

static int write_all(int fd, const void *data, size_t len) {
    const char *p = data;
    while (len) {
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

/* Writes data to a new temporary file in dirfd, fsync'd; its name in tmp.
 * Returns 0 or -1 with errno (and no file left). */
static int write_temp(int dirfd, const void *data, size_t len, char *tmp, size_t tmpcap) {
    int fd;
    do {
        /* another process with our pid (a container's) may use the name */
        snprintf(tmp, tmpcap, ".tmp.%ld.%lu", (long)getpid(), atomic_fetch_add(&temp_seq, 1));
        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    } while (fd < 0 && errno == EEXIST);
    if (fd < 0)
        return -1;
    if (write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlinkat(dirfd, tmp, 0);
        errno = e;
        return -1;
    }
    if (close(fd) != 0) {
        int e = errno;
        unlinkat(dirfd, tmp, 0);
        errno = e;
        return -1;
    }
    return 0;
}

static char *meta_text(const struct storage_meta *meta, size_t *len) {
    size_t n = 1;
    for (size_t i = 0; i < meta->count; i++)
        n += strlen(meta->names[i]) + strlen(meta->values[i]) + 2;
    char *text = malloc(n);
    if (!text)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < meta->count; i++)
        o += (size_t)sprintf(text + o, "%s=%s\n", meta->names[i], meta->values[i]);
    *len = o;
    return text;
}

/* Puts the side record of base in place (meta with pairs) or removes it.
 * Returns 0 or -1 with errno. */
static int commit_meta(int dirfd, const char *base, const struct storage_meta *meta) {
    char record[NAME_MAX + 1];
    snprintf(record, sizeof record, ".%s%s", base, META_SUFFIX);
    if (!meta || meta->count == 0) {
        if (unlinkat(dirfd, record, 0) != 0)
            return errno == ENOENT ? 0 : -1;
        return fsync_dir(dirfd);
    }
    size_t len;
    char *text = meta_text(meta, &len);
    if (!text) {
        errno = ENOMEM;
        return -1;
    }
    char tmp[64];
    int rc = write_temp(dirfd, text, len, tmp, sizeof tmp);
    free(text);
    if (rc != 0)
        return -1;
    if (renameat(dirfd, tmp, dirfd, record) != 0) {
        int e = errno;
        unlinkat(dirfd, tmp, 0);
        errno = e;
        return -1;
    }
    return fsync_dir(dirfd);
}

/* Under the folder's lock: the side record, then the file itself. */
static enum storage_status commit(const struct local_store *ls, int dirfd, const char *name, const char *base,
                                  const char *tmp, const struct storage_meta *meta, int flags, char *err,
                                  size_t errlen) {
    struct stat st;
    if ((flags & STORAGE_PUT_IF_ABSENT) && fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        snprintf(err, errlen, "local folder %s: put %s: the name is taken (create only)", ls->folder, name);
        return STORAGE_EXISTS;
    }
    if (commit_meta(dirfd, base, meta) != 0)
        return io_fail(ls, "put", name, "cannot write the metadata record", errno, err, errlen);
    if (flags & STORAGE_PUT_IF_ABSENT) {
        if (linkat(dirfd, tmp, dirfd, base, 0) != 0) {
            if (errno == EEXIST) {
                snprintf(err, errlen, "local folder %s: put %s: the name is taken (create only)", ls->folder, name);
                return STORAGE_EXISTS;
            }
            return io_fail(ls, "put", name, "cannot link the file into place", errno, err, errlen);
        }
    } else if (renameat(dirfd, tmp, dirfd, base) != 0) {
        return io_fail(ls, "put", name, "cannot rename the file into place", errno, err, errlen);
    }
    if (fsync_dir(dirfd) != 0)
        return io_fail(ls, "put", name, "cannot fsync the folder", errno, err, errlen);
    return STORAGE_OK;
}

static enum storage_status local_put(void *store, const char *name, const void *data, size_t len,
                                     const char *content_type, const struct storage_meta *meta, int flags, char *err,
                                     size_t errlen) {
    (void)content_type; /* a file has none: readers go by the extension */
    struct local_store *ls = store;
    enum storage_status st = local_name_check(ls, "put", name, err, errlen);
    if (st != STORAGE_OK)
        return st;
    char dir[PATH_MAX];
    const char *base = split_name(name, dir, sizeof dir);
    int dirfd = open_dir(ls, dir, 1);
    if (dirfd < 0)
        return io_fail(ls, "put", name, "cannot create its folder", errno, err, errlen);
    char tmp[64];
    if (write_temp(dirfd, data, len, tmp, sizeof tmp) != 0) {
        st = io_fail(ls, "put", name, "cannot write a temporary file", errno, err, errlen);
    } else if (flock(dirfd, LOCK_EX) != 0) {
        st = io_fail(ls, "put", name, "cannot lock its folder", errno, err, errlen);
        unlinkat(dirfd, tmp, 0);
    } else {
        st = commit(ls, dirfd, name, base, tmp, meta, flags, err, errlen);
        /* renamed: gone already; linked or failed: the spare name */
        unlinkat(dirfd, tmp, 0);
        flock(dirfd, LOCK_UN);
    }
    close(dirfd);
    return st;
}

/* Reads the side record at path (relative to the root) into b; none is empty. */
static int read_meta(const struct local_store *ls, const char *path, struct storage_meta_buf *b) {
    storage_meta_buf_clear(b);
    int fd = openat(ls->rootfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    char text[16384];
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, text + n, sizeof text - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    text[n] = '\0';
    for (char *line = text; *line;) {
        size_t len = strcspn(line, "\n");
        char *eq = memchr(line, '=', len);
        if (eq && storage_meta_buf_add(b, line, (size_t)(eq - line), eq + 1, len - (size_t)(eq - line) - 1) != 0)
            return -1;
        line += len + (line[len] == '\n');
    }
    return 0;
}

/* The side record's path of name: "dir/.base.meta". */
static void meta_path(const char *name, char *path, size_t cap) {
    char dir[PATH_MAX];
    const char *base = split_name(name, dir, sizeof dir);
    snprintf(path, cap, "%s%s.%s%s", dir, *dir ? "/" : "", base, META_SUFFIX);
}

static long long mtime_ms(const struct stat *st) {
    return (long long)st->st_mtim.tv_sec * 1000 + st->st_mtim.tv_nsec / 1000000;
}

static enum storage_status local_head(void *store, const char *name, storage_list_fn fn, void *ctx, char *err,
                                      size_t errlen) {
    struct local_store *ls = store;
    enum storage_status st = local_name_check(ls, "head", name, err, errlen);
    if (st != STORAGE_OK)
        return st;
    struct stat sb;
    if (fstatat(ls->rootfd, name, &sb, 0) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return not_found(ls, "head", name, err, errlen);
        return io_fail(ls, "head", name, "cannot stat", errno, err, errlen);
    }
    if (!S_ISREG(sb.st_mode))
        return not_found(ls, "head", name, err, errlen);
    struct storage_meta_buf b = {0};
    char path[PATH_MAX + 16];
    meta_path(name, path, sizeof path);
    if (read_meta(ls, path, &b) != 0) {
        st = io_fail(ls, "head", name, "cannot read the metadata record", errno, err, errlen);
    } else {
        struct storage_entry e = {name, 0, (long long)sb.st_size, mtime_ms(&sb), storage_meta_buf_view(&b)};
        fn(&e, ctx);
    }
    storage_meta_buf_free(&b);
    return st;
}

static int read_range(int fd, long long offset, size_t n, char *buf) {
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(fd, buf + done, n - done, (off_t)(offset + (long long)done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break; /* shorter than it was: a concurrent replace keeps its own inode, so only a truncation */
        done += (size_t)r;
    }
    buf[done] = '\0';
    return (int)(done == n ? 0 : 1);
}

static enum storage_status local_get(void *store, const char *name, long long offset, long long length, char **data,
                                     size_t *len, char *err, size_t errlen) {
    struct local_store *ls = store;
    enum storage_status st = local_name_check(ls, "get", name, err, errlen);
    if (st != STORAGE_OK)
        return st;
    int fd = openat(ls->rootfd, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR || errno == EISDIR)
            return not_found(ls, "get", name, err, errlen);
        return io_fail(ls, "get", name, "cannot open", errno, err, errlen);
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return not_found(ls, "get", name, err, errlen);
    }
    long long size = (long long)sb.st_size;
    if (offset > 0 && offset >= size) {
        close(fd);
        snprintf(err, errlen, "local folder %s: get %s: the range starts at %lld, past the end (%lld bytes)",
                 ls->folder, name, offset, size);
        return STORAGE_INVALID;
    }
    long long n = size - offset;
    if (length >= 0 && length < n)
        n = length;
    char *buf = malloc((size_t)n + 1);
    if (!buf) {
        close(fd);
        return io_fail(ls, "get", name, "cannot read", ENOMEM, err, errlen);
    }
    int rc = read_range(fd, offset, (size_t)n, buf);
    int e = errno;
    close(fd);
    if (rc != 0) {
        free(buf);
        return io_fail(ls, "get", name, "cannot read", rc < 0 ? e : EIO, err, errlen);
    }
    *data = buf;
    *len = (size_t)n;
    return STORAGE_OK;
}

static enum storage_status local_delete(void *store, const char *name, char *err, size_t errlen) {
    struct local_store *ls = store;
    enum storage_status st = local_name_check(ls, "delete", name, err, errlen);
    if (st != STORAGE_OK)
        return st;
    char dir[PATH_MAX];
    const char *base = split_name(name, dir, sizeof dir);
    int dirfd = open_dir(ls, dir, 0);
    if (dirfd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return not_found(ls, "delete", name, err, errlen);
        return io_fail(ls, "delete", name, "cannot open its folder", errno, err, errlen);
    }
    if (flock(dirfd, LOCK_EX) != 0) {
        st = io_fail(ls, "delete", name, "cannot lock its folder", errno, err, errlen);
    } else {
        char record[NAME_MAX + 1];
        snprintf(record, sizeof record, ".%s%s", base, META_SUFFIX);
        if (unlinkat(dirfd, base, 0) != 0)
            st = errno == ENOENT || errno == EISDIR ? not_found(ls, "delete", name, err, errlen)
                                                    : io_fail(ls, "delete", name, "cannot remove", errno, err, errlen);
        else if (unlinkat(dirfd, record, 0) != 0 && errno != ENOENT)
            st = io_fail(ls, "delete", name, "cannot remove the metadata record", errno, err, errlen);
        else if (fsync_dir(dirfd) != 0)
            st = io_fail(ls, "delete", name, "cannot fsync the folder", errno, err, errlen);
        flock(dirfd, LOCK_UN);
    }
    close(dirfd);
    return st;
}

/* ------------------------------------------------------------- listing --- */

struct found {
    char *name;
    long long size;
    long long mtime_ms;
};

struct found_list {
    struct found *items;
    size_t count, cap;
};

static int found_add(struct found_list *l, const char *name, const struct stat *sb) {
    if (l->count == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        struct found *items = realloc(l->items, cap * sizeof *items);
        if (!items)
            return -1;
        l->items = items;
        l->cap = cap;
    }
    struct found *f = &l->items[l->count];
    f->name = strdup(name);
    if (!f->name)
        return -1;
    f->size = (long long)sb->st_size;
    f->mtime_ms = mtime_ms(sb);
    l->count++;
    return 0;
}

static void found_free(struct found_list *l) {
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i].name);
    free(l->items);
}

static int found_cmp(const void *a, const void *b) {
    return strcmp(((const struct found *)a)->name, ((const struct found *)b)->name);
}

/* Could a name under folder rel ("a/b") start with prefix? */
static int may_match(const char *rel, const char *prefix) {
    size_t rl = strlen(rel), pl = strlen(prefix);
    if (pl <= rl)
        return strncmp(rel, prefix, pl) == 0;
    return strncmp(rel, prefix, rl) == 0 && prefix[rl] == '/';
}

/* Adds the visible regular files under dirfd (named rel from the root)
 * whose names start with prefix, recursively. Takes dirfd. */
static int collect(int dirfd, const char *rel, const char *prefix, struct found_list *out) {
    DIR *d = fdopendir(dirfd);
    if (!d) {
        close(dirfd);
        return -1;
    }
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (errno = 0, de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char path[PATH_MAX];
        if (snprintf(path, sizeof path, "%s%s%s", rel, *rel ? "/" : "", de->d_name) >= (int)sizeof path)
            continue;
        struct stat sb;
        if (fstatat(dirfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno != ENOENT) /* removed meanwhile: not listed */
                rc = -1;
            continue;
        }
        if (S_ISREG(sb.st_mode)) {
            if (strncmp(path, prefix, strlen(prefix)) == 0)
                rc = found_add(out, path, &sb);
        } else if (S_ISDIR(sb.st_mode) && may_match(path, prefix)) {
            int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (sub >= 0)
                rc = collect(sub, path, prefix, out);
            else if (errno != ENOENT)
                rc = -1;
        }
    }
    if (rc == 0 && errno != 0)
        rc = -1;
    int e = errno;
    closedir(d);
    errno = e;
    return rc;
}

/* Calls fn for each file, or for each prefix one delimiter down. */
static enum storage_status emit(struct local_store *ls, const struct found_list *l, const char *prefix,
                                const char *delimiter, int metadata, storage_list_fn fn, void *ctx, char *err,
                                size_t errlen) {
    size_t plen = strlen(prefix), dlen = delimiter ? strlen(delimiter) : 0;
    const char *group = NULL; /* the last prefix entry: its first file's name */
    size_t group_len = 0;
    struct storage_meta_buf b = {0};
    enum storage_status st = STORAGE_OK;
    for (size_t i = 0; i < l->count; i++) {
        const struct found *f = &l->items[i];
        const char *d = delimiter ? strstr(f->name + plen, delimiter) : NULL;
        if (d) {
            size_t n = (size_t)(d - f->name) + dlen;
            if (group && n == group_len && strncmp(group, f->name, n) == 0)
                continue;
            group = f->name;
            group_len = n;
            char name[PATH_MAX];
            snprintf(name, sizeof name, "%.*s", (int)n, f->name);
            struct storage_entry e = {name, 1, -1, 0, {0, NULL, NULL}};
            if (fn(&e, ctx))
                break;
            continue;
        }
        storage_meta_buf_clear(&b);
        char path[PATH_MAX + 16];
        meta_path(f->name, path, sizeof path);
        if (metadata && read_meta(ls, path, &b) != 0) {
            st = io_fail(ls, "list", f->name, "cannot read the metadata record", errno, err, errlen);
            break;
        }
        struct storage_entry e = {f->name, 0, f->size, f->mtime_ms, storage_meta_buf_view(&b)};
        if (fn(&e, ctx))
            break;
    }
    storage_meta_buf_free(&b);
    return st;
}

/* Whether the folder part of a prefix can hold visible files: no empty
 * segment, none starting with '.' (which keeps a listing inside the root). */
static int visible_folder(const char *dir) {
    for (const char *seg = dir; *seg;) {
        size_t len = strcspn(seg, "/");
        if (len == 0 || seg[0] == '.')
            return 0;
        seg += len;
        if (*seg == '/')
            seg++;
    }
    return 1;
}

static enum storage_status local_list(void *store, const char *prefix, const char *delimiter, int metadata,
                                      storage_list_fn fn, void *ctx, char *err, size_t errlen) {
    struct local_store *ls = store;
    char start[PATH_MAX];
    split_name(prefix, start, sizeof start);
    if (!visible_folder(start))
        return STORAGE_OK;
    int dirfd = open_dir(ls, start, 0);
    if (dirfd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return STORAGE_OK; /* nothing there */
        return io_fail(ls, "list", prefix, "cannot open the folder", errno, err, errlen);
    }
    struct found_list l = {0};
    enum storage_status st = STORAGE_OK;
    if (collect(dirfd, start, prefix, &l) != 0) {
        st = io_fail(ls, "list", prefix, "cannot read the folder", errno, err, errlen);
    } else {
        if (l.count)
            qsort(l.items, l.count, sizeof *l.items, found_cmp);
        st = emit(ls, &l, prefix, delimiter, metadata, fn, ctx, err, errlen);
    }
    found_free(&l);
    return st;
}

/* --------------------------------------------------------------- open --- */

/* mkdir -p of an absolute path. Returns 0 or -1 with errno. */
static int make_folders(const char *path) {
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return -1;
            *p = c;
            if (!c)
                return 0;
        }
    }
}

enum storage_status storage_local_open(const struct storage_location *loc, const struct storage_options *opt,
                                       void **store, char *err, size_t errlen) {
    if (opt->create_container && strcmp(loc->folder, "/") != 0 && make_folders(loc->folder) != 0) {
        snprintf(err, errlen, "local folder %s: cannot create it: %s", loc->folder, strerror(errno));
        return errno == EACCES || errno == EPERM || errno == EROFS ? STORAGE_DENIED : STORAGE_UNAVAILABLE;
    }
    int fd = open(loc->folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT) {
            snprintf(err, errlen, "local folder %s does not exist: create it or set sink.create.container=true",
                     loc->folder);
            return STORAGE_NOT_FOUND;
        }
        snprintf(err, errlen, "local folder %s: cannot open it: %s", loc->folder, strerror(e));
        return e == ENOTDIR ? STORAGE_INVALID : e == EACCES ? STORAGE_DENIED : STORAGE_UNAVAILABLE;
    }
    struct local_store *ls = calloc(1, sizeof *ls);
    if (!ls) {
        close(fd);
        snprintf(err, errlen, "out of memory");
        return STORAGE_UNAVAILABLE;
    }
    snprintf(ls->folder, sizeof ls->folder, "%s", loc->folder);
    ls->rootfd = fd;
    *store = ls;
    return STORAGE_OK;
}

static void local_close(void *store) {
    struct local_store *ls = store;
    close(ls->rootfd);
    free(ls);
}

const struct storage_store_ops storage_local_ops = {
    local_list, local_get, local_head, local_put, local_delete, local_close,
};
