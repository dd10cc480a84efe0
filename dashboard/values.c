/* Exact money and time values: see values.h. */
#include "values.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define CENTS_LIMIT 1000000000000000LL

int value_cents_parse(const char *text, long long *cents) {
    const char *p = text;
    int negative = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    long long whole = 0;
    int digits = 0;
    for (; isdigit((unsigned char)*p); p++, digits++) {
        whole = whole * 10 + (*p - '0');
        if (whole > CENTS_LIMIT / 100)
            return -1;
    }
    long long frac = 0;
    int places = 0;
    if (*p == '.')
        for (p++; isdigit((unsigned char)*p); p++, places++) {
            if (places == 2)
                return -1;
            frac = frac * 10 + (*p - '0');
            digits++;
        }
    if (*p || digits == 0)
        return -1;
    if (places == 1)
        frac *= 10;
    long long v = whole * 100 + frac;
    *cents = negative ? -v : v;
    return 0;
}

void value_cents_format(long long cents, char *out, size_t outlen) {
    unsigned long long a = cents < 0 ? 0ULL - (unsigned long long)cents : (unsigned long long)cents;
    snprintf(out, outlen, "%s%llu.%02llu", cents < 0 ? "-" : "", a / 100, a % 100);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's). */
static long long days_from_civil(long long y, unsigned m, unsigned d) {
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

static void civil_from_days(long long z, int *y, unsigned *m, unsigned *d) {
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* n digits at *p as a number in [lo, hi], advancing *p; -1 if not. */
static int fixed(const char **p, int n, int lo, int hi) {
    int v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (!isdigit((unsigned char)**p))
            return -1;
        v = v * 10 + (**p - '0');
    }
    return v < lo || v > hi ? -1 : v;
}

static int epoch_digits(const char *text, long long *ms) {
    long long v = 0;
    for (const char *p = text; *p; p++) {
        if (!isdigit((unsigned char)*p) || v > 922337203685477LL)
            return -1;
        v = v * 10 + (*p - '0');
    }
    *ms = v;
    return *text ? 0 : -1;
}

/* [.fraction] after the seconds: milliseconds, truncated. */
static long long fraction_ms(const char **p) {
    long long ms = 0;
    if (**p != '.')
        return 0;
    int places = 0;
    for ((*p)++; isdigit((unsigned char)**p); (*p)++, places++)
        if (places < 3)
            ms = ms * 10 + (**p - '0');
    for (; places < 3; places++)
        ms *= 10;
    return ms;
}

/* Z, +-HH:MM or nothing: the offset east of UTC in minutes; -10000 if bad. */
static int zone_minutes(const char *p) {
    if (*p == 0 || (p[0] == 'Z' && p[1] == 0))
        return 0;
    if (*p != '+' && *p != '-')
        return -10000;
    int sign = *p++ == '-' ? -1 : 1;
    int h = fixed(&p, 2, 0, 23);
    if (h < 0 || *p++ != ':')
        return -10000;
    int m = fixed(&p, 2, 0, 59);
    return m < 0 || *p ? -10000 : sign * (h * 60 + m);
}

int value_time_parse(const char *text, long long *ms) {
    if (!strchr(text, '-') || isdigit((unsigned char)text[0]) == 0)
        return epoch_digits(text, ms);
    const char *p = text;
    int y = fixed(&p, 4, 0, 9999), mo = -1, d = -1, h = 0, mi = 0, s = 0;
    if (y >= 0 && *p++ == '-' && (mo = fixed(&p, 2, 1, 12)) >= 0 && *p++ == '-')
        d = fixed(&p, 2, 1, 31);
    if (d < 0)
        return epoch_digits(text, ms);
    long long frac = 0;
    if (*p == 'T' || *p == ' ') {
        p++;
        if ((h = fixed(&p, 2, 0, 23)) < 0 || *p++ != ':' || (mi = fixed(&p, 2, 0, 59)) < 0)
            return -1;
        if (*p == ':' && (p++, (s = fixed(&p, 2, 0, 60)) < 0))
            return -1;
        frac = fraction_ms(&p);
    }
    int zone = zone_minutes(p);
    if (zone == -10000)
        return -1;
    long long days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    *ms = ((days * 24 + h) * 60 + mi - zone) * 60000LL + s * 1000LL + frac;
    return 0;
}

long long value_minute(long long ms) {
    long long m = ms / MINUTE_MS;
    if (ms % MINUTE_MS < 0)
        m--;
    return m * MINUTE_MS;
}

void value_time_format(long long ms, char *out, size_t outlen) {
    long long day_ms = 86400000LL;
    long long days = ms / day_ms, rest = ms % day_ms;
    if (rest < 0) {
        rest += day_ms;
        days--;
    }
    int y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    long long sec = rest / 1000;
    int n = snprintf(out, outlen, "%04d-%02u-%02uT%02lld:%02lld:%02lld", y, m, d, sec / 3600, sec / 60 % 60, sec % 60);
    if (n <= 0 || (size_t)n >= outlen)
        return;
    if (rest % 1000)
        snprintf(out + n, outlen - (size_t)n, ".%03lldZ", rest % 1000);
    else
        snprintf(out + n, outlen - (size_t)n, "Z");
}
