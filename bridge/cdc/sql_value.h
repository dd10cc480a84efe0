/* One value of a one-row result: the small questions CDC asks MySQL
 * (SELECT @@..., SHOW STATUS LIKE ...), answered into a buffer. */
#ifndef BRIDGELAB_BRIDGE_SQL_VALUE_H
#define BRIDGELAB_BRIDGE_SQL_VALUE_H

#include <stddef.h>

#include <mysql.h>

/* Runs query and copies column (0-based) of its first row into out.
 * Returns 0, or -1 when the query fails (mysql_error tells why), gives no
 * row, or the value is NULL or missing. */
int sql_value(MYSQL *m, const char *query, int column, char *out, size_t outlen);

#endif
