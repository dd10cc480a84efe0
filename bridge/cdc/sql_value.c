/* One value of a one-row result: see sql_value.h. */
#include "sql_value.h"

#include <stdio.h>

int sql_value(MYSQL *m, const char *query, int column, char *out, size_t outlen) {
    if (mysql_query(m, query) != 0)
        return -1;
    MYSQL_RES *res = mysql_store_result(m);
    if (!res)
        return -1;
    MYSQL_ROW row = mysql_fetch_row(res);
    int rc = row && column >= 0 && (unsigned)column < mysql_num_fields(res) && row[column] ? 0 : -1;
    if (rc == 0)
        snprintf(out, outlen, "%s", row[column]);
    mysql_free_result(res);
    return rc;
}
