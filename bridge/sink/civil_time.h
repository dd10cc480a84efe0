/* Calendar arithmetic for the time partitioner, without the C library's
 * time functions (their time zone is the process's TZ, one for all threads):
 * days since 1970 to and from a proleptic Gregorian date (H. Hinnant's
 * algorithms), and ISO 8601 text as the CDC writes dates and date-times. */
#ifndef BRIDGELAB_BRIDGE_SINK_CIVIL_TIME_H
#define BRIDGELAB_BRIDGE_SINK_CIVIL_TIME_H

#include <stddef.h>
#include <stdint.h>

struct civil_time {
    int year, month, day; /* month 1..12, day 1..31 */
    int hour, minute, second;
};

/* Days from 1970-01-01 to the date (negative before it). */
int64_t civil_days(int year, int month, int day);
int civil_days_in_month(int year, int month);
/* Seconds since 1970-01-01T00:00:00 (of some clock: UTC or a local one)
 * as a date and time of that clock. */
void civil_from_seconds(int64_t seconds, struct civil_time *t);
int64_t civil_to_seconds(const struct civil_time *t);

enum civil_zone {
    CIVIL_LOCAL,  /* no zone given: a wall-clock time */
    CIVIL_OFFSET, /* "Z" or "+hh:mm"/"-hh:mm": an instant */
};

/* Parses the whole of text: "YYYY-MM-DD", or that followed by "T" (or a
 * space) and "hh:mm", "hh:mm:ss" or "hh:mm:ss.fff..." (any number of
 * fraction digits, dropped), optionally followed by "Z" or "+hh:mm"/"-hh:mm"
 * (*offset: seconds east of UTC). Years 0000..9999; every field is checked
 * (month, day in the month, hour < 24, minute and second < 60).
 * Returns 0, or -1. */
int civil_parse_iso8601(const char *text, size_t len, struct civil_time *t, enum civil_zone *zone, int32_t *offset);

#endif
