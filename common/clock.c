/* Clocks and sleeps for the work loops: see clock.h. */
#include "clock.h"

#include <time.h>

#define STOP_POLL_MS 50

static long long ms_of(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long clock_wall_ms(void) { return ms_of(CLOCK_REALTIME); }

long long clock_mono_ms(void) { return ms_of(CLOCK_MONOTONIC); }

long long clock_coarse_ms(void) { return ms_of(CLOCK_MONOTONIC_COARSE); }

static long long us_of(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

long long clock_wall_us(void) { return us_of(CLOCK_REALTIME); }

long long clock_mono_us(void) { return us_of(CLOCK_MONOTONIC); }

long long clock_wall_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void clock_sleep_ms(int ms) {
    if (ms <= 0)
        return;
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL); /* not resumed on EINTR, on purpose */
}

int clock_sleep_or_stop(int ms, int (*should_stop)(void)) {
    for (int waited = 0; waited < ms; waited += STOP_POLL_MS) {
        if (should_stop && should_stop())
            return 1;
        clock_sleep_ms(STOP_POLL_MS);
    }
    return should_stop && should_stop();
}
