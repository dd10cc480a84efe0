/* The name of the Kafka header in which `bridge cdc` gives each event's
 * column types, and `bridge sink` reads them for the typed lake formats:
 * the one contract about it that both sides share (its text is described
 * in bridge/cdc/event_json.h, event_json_columns, and read by
 * bridge/sink/row_schema.h). */
#ifndef BRIDGELAB_COLUMNS_HEADER_H
#define BRIDGELAB_COLUMNS_HEADER_H

#define COLUMNS_HEADER "bridgelab.columns"

#endif
