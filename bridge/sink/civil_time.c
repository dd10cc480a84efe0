/* Calendar arithmetic and ISO 8601 text: see civil_time.h. */
#include "civil_time.h"

static int is_leap(int year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

int civil_days_in_month(int year, int month) {
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap(year) ? 29 : days[month - 1];
}

int64_t civil_days(int year, int month, int day) {
    int64_t y = (int64_t)year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void civil_from_seconds(int64_t seconds, struct civil_time *t) {
    int64_t days = seconds / 86400, rest = seconds % 86400;
    if (rest < 0) {
        rest += 86400;
        days--;
    }
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    t->day = (int)(doy - (153 * mp + 2) / 5 + 1);
    t->month = (int)(mp < 10 ? mp + 3 : mp - 9);
    t->year = (int)(yoe + era * 400 + (t->month <= 2));
    t->hour = (int)(rest / 3600);
    t->minute = (int)(rest / 60 % 60);
    t->second = (int)(rest % 60);
}

int64_t civil_to_seconds(const struct civil_time *t) {
    return civil_days(t->year, t->month, t->day) * 86400 + t->hour * 3600 + t->minute * 60 + t->second;
}

/* n decimal digits at *p into *value, advancing *p; 0, or -1. */
static int digits(const char **p, const char *end, int n, int *value) {
    if (end - *p < n)
        return -1;
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *value = v;
    return 0;
}

/* The character c at *p, advancing *p; 0, or -1. */
static int expect(const char **p, const char *end, char c) {
    if (*p == end || **p != c)
        return -1;
    (*p)++;
    return 0;
}

static int parse_date(const char **p, const char *end, struct civil_time *t) {
    if (digits(p, end, 4, &t->year) || expect(p, end, '-') || digits(p, end, 2, &t->month) || expect(p, end, '-') ||
        digits(p, end, 2, &t->day))
        return -1;
    if (t->month < 1 || t->month > 12 || t->day < 1 || t->day > civil_days_in_month(t->year, t->month))
        return -1;
    return 0;
}

/* "hh:mm[:ss[.fff...]]" */
static int parse_clock(const char **p, const char *end, struct civil_time *t) {
    if (digits(p, end, 2, &t->hour) || expect(p, end, ':') || digits(p, end, 2, &t->minute))
        return -1;
    if (*p < end && **p == ':') {
        (*p)++;
        if (digits(p, end, 2, &t->second))
            return -1;
        if (*p < end && **p == '.') {
            (*p)++;
            const char *first = *p;
            while (*p < end && **p >= '0' && **p <= '9')
                (*p)++;
            if (*p == first)
                return -1;
        }
    }
    return t->hour < 24 && t->minute < 60 && t->second < 60 ? 0 : -1;
}

/* "Z" or "+hh:mm"/"-hh:mm" */
static int parse_offset(const char **p, const char *end, int32_t *offset) {
    if (expect(p, end, 'Z') == 0) {
        *offset = 0;
        return 0;
    }
    if (*p == end || (**p != '+' && **p != '-'))
        return -1;
    int sign = **p == '-' ? -1 : 1, hours, minutes;
    (*p)++;
    if (digits(p, end, 2, &hours) || expect(p, end, ':') || digits(p, end, 2, &minutes) || hours > 23 || minutes > 59)
        return -1;
    *offset = sign * (hours * 3600 + minutes * 60);
    return 0;
}

int civil_parse_iso8601(const char *text, size_t len, struct civil_time *t, enum civil_zone *zone, int32_t *offset) {
    const char *p = text, *end = text + len;
    *t = (struct civil_time){0};
    *zone = CIVIL_LOCAL;
    *offset = 0;
    if (parse_date(&p, end, t))
        return -1;
    if (p == end)
        return 0;
    if (*p != 'T' && *p != ' ')
        return -1;
    p++;
    if (parse_clock(&p, end, t))
        return -1;
    if (p == end)
        return 0;
    *zone = CIVIL_OFFSET;
    return parse_offset(&p, end, offset) == 0 && p == end ? 0 : -1;
}
