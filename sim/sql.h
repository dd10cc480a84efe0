/* The SQL text of each action's transaction, shared by the simulator and
 * the benchmark's raw ceiling so that both issue the very same statements.
 * Every value is a number or a string from the model's own word lists, and
 * the data-centre code is checked to be [A-Za-z0-9_], so no quoting of user
 * input is needed. The caller sends the statements, then COMMIT. */
#ifndef BRIDGELAB_SIM_SQL_H
#define BRIDGELAB_SIM_SQL_H

#include <stddef.h>

#include "model.h"

#define SQL_MAX_STATEMENTS 3
#define SQL_STATEMENT_SIZE 8192

struct sql_batch {
    int count;
    char text[SQL_MAX_STATEMENTS][SQL_STATEMENT_SIZE];
};

/* Fills batch with the statements of action a; dc names the out-of-stock table. */
void sql_for_action(const struct action *a, const char *dc, struct sql_batch *batch);

/* "YYYY-MM-DD HH:MM:SS" in UTC for an epoch second. */
void sql_format_datetime(long long epoch_s, char out[20]);

#endif
