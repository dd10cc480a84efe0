/* information_schema's COLUMN_TYPE text, as CDC needs it when the binlog
 * carries no column metadata (binlog_row_metadata not FULL): the value
 * names of an ENUM or SET column, such as enum('new','it''s',''). */
#ifndef BRIDGELAB_BRIDGE_COLUMN_TYPE_H
#define BRIDGELAB_BRIDGE_COLUMN_TYPE_H

/* The names of enum('a',...) or set('a',...) in order, unquoted as MariaDB
 * quotes them there ('' for a quote; \\, \n, \r, \Z, \0 for a backslash,
 * newline, return, ^Z and NUL, a NUL ending the name). Returns the count
 * with a malloc'd array of malloc'd names in *values (free with
 * column_type_free), 0 when the text is not an ENUM or SET, -1 when it is
 * malformed or memory runs out. */
int column_type_enum_values(const char *column_type, char ***values);
void column_type_free(char **values, int count);

#endif
