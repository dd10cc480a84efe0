/* Value names from information_schema's COLUMN_TYPE: see column_type.h. */
#include "column_type.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void column_type_free(char **values, int count) {
    for (int i = 0; values && i < count; i++)
        free(values[i]);
    free(values);
}

/* One quoted name from *p (at its opening quote) into a new string; *p moves
 * past the closing quote. NULL when malformed or out of memory. */
static char *quoted(const char **p) {
    const char *s = *p + 1;
    char *out = malloc(strlen(s) + 1), *o = out;
    if (!out)
        return NULL;
    for (;;) {
        if (*s == '\0') {
            free(out);
            return NULL;
        }
        if (*s == '\'' && s[1] == '\'') {
            *o++ = '\'';
            s += 2;
        } else if (*s == '\'') {
            break;
        } else if (*s == '\\' && s[1]) {
            char c = s[1];
            *o++ = c == 'n' ? '\n' : c == 'r' ? '\r' : c == 'Z' ? '\032' : c == '0' ? '\0' : c;
            s += 2;
        } else {
            *o++ = *s++;
        }
    }
    *o = '\0';
    *p = s + 1;
    return out;
}

int column_type_enum_values(const char *column_type, char ***values) {
    *values = NULL;
    const char *p = column_type;
    if (strncasecmp(p, "enum(", 5) == 0)
        p += 5;
    else if (strncasecmp(p, "set(", 4) == 0)
        p += 4;
    else
        return 0;
    int count = 0, cap = 0;
    char **names = NULL;
    for (;;) {
        if (*p != '\'')
            goto malformed;
        if (count == cap) {
            cap = cap ? cap * 2 : 8;
            char **grown = realloc(names, (size_t)cap * sizeof *names);
            if (!grown)
                goto malformed;
            names = grown;
        }
        if (!(names[count] = quoted(&p)))
            goto malformed;
        count++;
        if (*p == ',') {
            p++;
        } else if (*p == ')' && p[1] == '\0') {
            *values = names;
            return count;
        } else {
            goto malformed;
        }
    }
malformed:
    column_type_free(names, count);
    return -1;
}
