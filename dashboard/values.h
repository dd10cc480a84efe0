/* The dashboard's exact values: money as integer cents read from DECIMAL
 * text ("2.50", never through a double), and times as epoch milliseconds
 * read from ISO 8601 text (what CDC writes for DATETIME) or epoch ms digits
 * (what a request may give). Shared by the store (rows from the lake) and
 * the views (request parameters, answers). */
#ifndef BRIDGELAB_DASHBOARD_VALUES_H
#define BRIDGELAB_DASHBOARD_VALUES_H

#include <stddef.h>

#define MINUTE_MS 60000LL

/* "-12", "2.5", "2.50", "+0.05" -> cents. More than two decimals, no digits,
 * anything else, or beyond +-10^15 cents: -1. */
int value_cents_parse(const char *text, long long *cents);

/* "1234.50", "-0.05": at least 24 bytes. */
void value_cents_format(long long cents, char *out, size_t outlen);

/* ISO 8601: YYYY-MM-DD, optionally followed by T (or a space) HH:MM[:SS[.f...]]
 * and Z or +-HH:MM (no zone: UTC); or all digits: epoch ms. Returns 0 with
 * *ms, or -1. */
int value_time_parse(const char *text, long long *ms);

/* "2026-12-01T10:00:00Z" (".123" before the Z when ms has a remainder):
 * at least 32 bytes. */
void value_time_format(long long ms, char *out, size_t outlen);

/* The start of ms's minute (floor, also before 1970). */
long long value_minute(long long ms);

#endif
