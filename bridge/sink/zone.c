/* Time zones from TZif files: see zone.h. The file's version 2+ data (64-bit
 * times) is used when present; transitions are searched by bisection, and
 * times after the last one follow the footer's POSIX TZ rule
 * ("GMT0BST,M3.5.0/1,M10.5.0"), as Debian's "slim" files need for every
 * time after 1996 and "fat" ones after 2037. */
#include "zone.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil_time.h"

/* Zone files are a few KiB; anything far larger is not one. */
#define ZONE_FILE_MAX (1 << 20)

/* A day of the year in a POSIX TZ rule and the local time on it. */
struct rule_date {
    char kind; /* 'J': Julian day 1..365 without Feb 29; 'D': day 0..365; 'M': month.week.weekday */
    int day, month, week, weekday;
    int32_t time; /* seconds after local midnight, may be negative or past a day */
};

struct posix_rule {
    int32_t std_offset, dst_offset; /* seconds east of UTC */
    int has_dst;
    struct rule_date start, end; /* of daylight time, in standard and daylight local time */
};

struct zone {
    size_t count;
    int64_t *at;      /* transition instants, ascending */
    int32_t *offsets; /* the offset from each transition on */
    int32_t first;    /* the offset before the first transition */
    int has_rule;     /* the footer's rule rules after the last transition */
    struct posix_rule rule;
};

static uint32_t be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p) { return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4)); }

/* ---- POSIX TZ rules (RFC 8536 section 3.3, with its extensions) ---- */

/* A zone abbreviation: "GMT" or "<+03>". */
static const char *rule_name(const char *s) {
    if (*s == '<') {
        s = strchr(s, '>');
        return s ? s + 1 : NULL;
    }
    const char *start = s;
    while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))
        s++;
    return s - start >= 3 ? s : NULL;
}

/* A number of at most max, of 1 to width digits. */
static const char *rule_number(const char *s, int width, int max, int *value) {
    int v = 0, n = 0;
    while (n < width && s[n] >= '0' && s[n] <= '9')
        v = v * 10 + (s[n++] - '0');
    if (n == 0 || v > max)
        return NULL;
    *value = v;
    return s + n;
}

/* [+-]hh[:mm[:ss]], hours up to max_hours. */
static const char *rule_clock(const char *s, int max_hours, int32_t *seconds) {
    int sign = 1, h, m = 0, sec = 0;
    if (*s == '+' || *s == '-')
        sign = *s++ == '-' ? -1 : 1;
    if (!(s = rule_number(s, 3, max_hours, &h)))
        return NULL;
    if (*s == ':' && !(s = rule_number(s + 1, 2, 59, &m)))
        return NULL;
    if (*s == ':' && !(s = rule_number(s + 1, 2, 59, &sec)))
        return NULL;
    *seconds = sign * (h * 3600 + m * 60 + sec);
    return s;
}

/* Jn, n or Mm.w.d, then an optional /time (02:00 by default). */
static const char *rule_date(const char *s, struct rule_date *d) {
    *d = (struct rule_date){.time = 7200};
    if (*s == 'J') {
        d->kind = 'J';
        if (!(s = rule_number(s + 1, 3, 365, &d->day)) || d->day == 0)
            return NULL;
    } else if (*s == 'M') {
        d->kind = 'M';
        if (!(s = rule_number(s + 1, 2, 12, &d->month)) || *s != '.' || !(s = rule_number(s + 1, 1, 5, &d->week)) ||
            *s != '.' || !(s = rule_number(s + 1, 1, 6, &d->weekday)) || d->month == 0 || d->week == 0)
            return NULL;
    } else {
        d->kind = 'D';
        if (!(s = rule_number(s, 3, 365, &d->day)))
            return NULL;
    }
    if (*s == '/')
        s = rule_clock(s + 1, 167, &d->time);
    return s;
}

/* std offset [dst [offset] ,start[/time],end[/time]]; 0, or -1. */
static int parse_rule(const char *s, struct posix_rule *r) {
    *r = (struct posix_rule){0};
    int32_t west;
    if (!(s = rule_name(s)) || !(s = rule_clock(s, 24, &west)))
        return -1;
    r->std_offset = -west;
    if (*s == '\0')
        return 0;
    if (!(s = rule_name(s)))
        return -1;
    r->has_dst = 1;
    r->dst_offset = r->std_offset + 3600;
    if (*s != ',') {
        if (!(s = rule_clock(s, 24, &west)))
            return -1;
        r->dst_offset = -west;
    }
    if (*s != ',' || !(s = rule_date(s + 1, &r->start)) || *s != ',' || !(s = rule_date(s + 1, &r->end)))
        return -1;
    return *s == '\0' ? 0 : -1;
}

/* The local time, in seconds since 1970 of that clock, the rule names in
 * the year. */
static int64_t rule_local_time(const struct rule_date *d, int year) {
    int64_t day;
    if (d->kind == 'J') {
        int leap = civil_days_in_month(year, 2) == 29;
        day = civil_days(year, 1, 1) + d->day - 1 + (leap && d->day >= 60);
    } else if (d->kind == 'D') {
        day = civil_days(year, 1, 1) + d->day;
    } else {
        int64_t first = civil_days(year, d->month, 1);
        int first_weekday = (int)(((first + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
        int mday = 1 + (d->weekday - first_weekday + 7) % 7 + (d->week - 1) * 7;
        while (mday > civil_days_in_month(year, d->month))
            mday -= 7;
        day = first + mday - 1;
    }
    return day * 86400 + d->time;
}

static int32_t rule_offset(const struct posix_rule *r, int64_t t) {
    if (!r->has_dst)
        return r->std_offset;
    struct civil_time local;
    civil_from_seconds(t + r->std_offset, &local);
    int64_t start = rule_local_time(&r->start, local.year) - r->std_offset;
    int64_t end = rule_local_time(&r->end, local.year) - r->dst_offset;
    /* Southern zones keep daylight time over the new year: start > end. */
    int dst = start < end ? t >= start && t < end : !(t >= end && t < start);
    return dst ? r->dst_offset : r->std_offset;
}

/* ---- TZif ---- */

struct tzif_counts {
    uint32_t isut, isstd, leap, time, type, chars;
};

/* A header's counts and the size of the data block after it, for times of
 * time_size bytes; 0, or -1 when the bytes are no TZif header. */
static int tzif_header(const unsigned char *p, size_t n, int time_size, struct tzif_counts *c, uint64_t *block) {
    if (n < 44 || memcmp(p, "TZif", 4) != 0)
        return -1;
    c->isut = be32(p + 20);
    c->isstd = be32(p + 24);
    c->leap = be32(p + 28);
    c->time = be32(p + 32);
    c->type = be32(p + 36);
    c->chars = be32(p + 40);
    *block = (uint64_t)c->time * (uint64_t)(time_size + 1) + (uint64_t)c->type * 6 + c->chars +
             (uint64_t)c->leap * (uint64_t)(time_size + 4) + c->isstd + c->isut;
    return *block <= n - 44 && c->type > 0 ? 0 : -1;
}

/* Fills z's transitions from a data block; 0, or -1 when it is malformed. */
static int tzif_data(struct zone *z, const unsigned char *p, const struct tzif_counts *c, int time_size) {
    const unsigned char *types = p + (size_t)c->time * (size_t)time_size, *records = types + c->time;
    z->count = c->time;
    z->at = calloc(c->time ? c->time : 1, sizeof *z->at);
    z->offsets = calloc(c->time ? c->time : 1, sizeof *z->offsets);
    if (!z->at || !z->offsets)
        return -1;
    z->first = (int32_t)be32(records);
    for (size_t i = 0; i < c->time; i++) {
        const unsigned char *t = p + i * (size_t)time_size;
        z->at[i] = time_size == 8 ? be64(t) : (int32_t)be32(t);
        if (types[i] >= c->type || (i > 0 && z->at[i] <= z->at[i - 1]))
            return -1;
        z->offsets[i] = (int32_t)be32(records + 6 * (size_t)types[i]);
    }
    return 0;
}

/* The whole file, NUL-terminated; NULL with err. */
static unsigned char *read_file(const char *path, size_t *len, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    unsigned char *data = malloc(ZONE_FILE_MAX + 1);
    size_t n = data ? fread(data, 1, ZONE_FILE_MAX + 1, f) : 0;
    int failed = !data || ferror(f) || n > ZONE_FILE_MAX;
    fclose(f);
    if (failed) {
        snprintf(err, errlen, "cannot read %s as a zone file", path);
        free(data);
        return NULL;
    }
    data[n] = '\0';
    *len = n;
    return data;
}

/* Parses a TZif file into z; 0, or -1 with err. */
static int parse_tzif(struct zone *z, unsigned char *data, size_t n, const char *path, char *err, size_t errlen) {
    struct tzif_counts c;
    uint64_t block;
    if (tzif_header(data, n, 4, &c, &block)) {
        snprintf(err, errlen, "%s is no zone file (TZif)", path);
        return -1;
    }
    const unsigned char *p = data + 44;
    int time_size = 4;
    unsigned char *footer = NULL;
    if (data[4] >= '2') {
        size_t second = 44 + (size_t)block;
        if (tzif_header(data + second, n - second, 8, &c, &block)) {
            snprintf(err, errlen, "%s is a damaged zone file", path);
            return -1;
        }
        footer = data + second + 44 + block;
        p = data + second + 44;
        time_size = 8;
    }
    if (c.leap > 0) {
        snprintf(err, errlen, "%s counts leap seconds (a right/ zone): use the zone of the same name without them",
                 path);
        return -1;
    }
    if (tzif_data(z, p, &c, time_size)) {
        snprintf(err, errlen, "%s is a damaged zone file", path);
        return -1;
    }
    /* The footer: "\n<POSIX TZ>\n", the TZ possibly empty. */
    if (footer && footer < data + n && *footer == '\n') {
        char *rule = (char *)footer + 1, *close = strchr(rule, '\n');
        if (close && close > rule) {
            *close = '\0';
            if (parse_rule(rule, &z->rule)) {
                snprintf(err, errlen, "%s ends with a rule this reader does not know: %.64s", path, rule);
                return -1;
            }
            z->has_rule = 1;
        }
    }
    return 0;
}

/* A name that can only be a file under ZONE_DIR: segments of letters,
 * digits, '_', '-', '+', none starting with '.' or '-'. */
static int name_ok(const char *name) {
    if (strlen(name) > 255)
        return 0;
    int segment_start = 1;
    for (const char *s = name; *s; s++) {
        char c = *s;
        if (c == '/') {
            if (segment_start)
                return 0;
            segment_start = 1;
            continue;
        }
        int letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        if (!letter && !(c >= '0' && c <= '9') && c != '_' && c != '-' && c != '+')
            return 0;
        if (segment_start && c == '-')
            return 0;
        segment_start = 0;
    }
    return !segment_start;
}

struct zone *zone_load(const char *name, char *err, size_t errlen) {
    struct zone *z = calloc(1, sizeof *z);
    if (!z) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!name || !*name || strcmp(name, "UTC") == 0)
        return z;
    if (!name_ok(name)) {
        snprintf(err, errlen, "\"%.64s\" is no zone name (an IANA name like Europe/London, or UTC)", name);
        free(z);
        return NULL;
    }
    char path[sizeof ZONE_DIR + 256];
    snprintf(path, sizeof path, "%s/%s", ZONE_DIR, name);
    size_t n;
    unsigned char *data = read_file(path, &n, err, errlen);
    if (!data || parse_tzif(z, data, n, path, err, errlen)) {
        free(data);
        zone_free(z);
        return NULL;
    }
    free(data);
    return z;
}

void zone_free(struct zone *z) {
    if (!z)
        return;
    free(z->at);
    free(z->offsets);
    free(z);
}

int32_t zone_offset(const struct zone *z, int64_t utc_seconds) {
    if (z->has_rule && (z->count == 0 || utc_seconds >= z->at[z->count - 1]))
        return rule_offset(&z->rule, utc_seconds);
    if (z->count == 0 || utc_seconds < z->at[0])
        return z->first;
    if (utc_seconds >= z->at[z->count - 1])
        return z->offsets[z->count - 1];
    size_t lo = 0, hi = z->count - 1; /* at[lo] <= t < at[hi] */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->at[mid] <= utc_seconds)
            lo = mid;
        else
            hi = mid;
    }
    return z->offsets[lo];
}
