/* Reading the lake's CSV files (RFC 4180, as bridge sink writes them): one
 * record at a time, as a JSON array of its fields (text; an empty unquoted
 * field is null, as the sink writes null). */
#ifndef BRIDGELAB_DASHBOARD_LAKE_CSV_H
#define BRIDGELAB_DASHBOARD_LAKE_CSV_H

#include <stddef.h>

#include <jansson.h>

/* The record at *pos of data[0..len): 1 with *fields (a new array) and *pos
 * past its line end, 0 at the end, -1 when it is malformed (a quote left
 * open, text after a closing quote) or memory runs out. */
int lake_csv_record(const char *data, size_t len, size_t *pos, json_t **fields);

#endif
