/* Text assertions shared by the cmocka suites: whether an error message or
 * an output contains a piece, printing both when it does not. Include after
 * <cmocka.h>. */
#ifndef BRIDGELAB_TESTS_ASSERT_TEXT_H
#define BRIDGELAB_TESTS_ASSERT_TEXT_H

#include <string.h>

#define assert_contains(hay, needle)                                                                                   \
    do {                                                                                                               \
        const char *hay_ = (hay), *needle_ = (needle);                                                                 \
        if (!hay_ || !strstr(hay_, needle_)) {                                                                         \
            print_error("'%s' does not contain '%s'\n", hay_ ? hay_ : "(null)", needle_);                              \
            fail();                                                                                                    \
        }                                                                                                              \
    } while (0)

#define assert_not_contains(hay, needle)                                                                               \
    do {                                                                                                               \
        const char *hay_ = (hay), *needle_ = (needle);                                                                 \
        if (hay_ && strstr(hay_, needle_)) {                                                                           \
            print_error("'%s' contains '%s'\n", hay_, needle_);                                                        \
            fail();                                                                                                    \
        }                                                                                                              \
    } while (0)

#endif
