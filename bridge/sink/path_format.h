/* The time partitioner's path.format: Joda-style patterns as Confluent's
 * TimeBasedPartitioner takes them ("'year'=YYYY/'month'=MM/'day'=dd"),
 * compiled once, then rendered for each record's time.
 *
 * Tokens: YYYY and yyyy (the year, 4 digits), MM, dd, HH, mm, ss (2 digits);
 * text in single quotes is literal ('' is one quote, inside quotes or out);
 * other characters that are not letters are literal; '/' separates folders.
 * Any other run of letters is refused. */
#ifndef BRIDGELAB_BRIDGE_SINK_PATH_FORMAT_H
#define BRIDGELAB_BRIDGE_SINK_PATH_FORMAT_H

#include <stddef.h>

#include "civil_time.h"

/* A compiled path.format (malloc'd; free() it): literal bytes, '/' and one
 * byte below 0x20 per token. NULL with one line in err naming the option
 * (sink.path.format) and the bad token or character. */
char *path_format_compile(const char *format, char *err, size_t errlen);

/* The folders for time t, or for no time (t NULL): each folder with a token
 * is then its literal text up to the first token followed by
 * __HIVE_DEFAULT_PARTITION__ ("year=__HIVE_DEFAULT_PARTITION__"). Years
 * must be 0..9999. Returns the length, or -1 when it does not fit. */
int path_format_render(const char *compiled, const struct civil_time *t, char *out, size_t outlen);

#endif
