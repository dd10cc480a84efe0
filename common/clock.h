/* Time for the work loops: which clock, and how to wait.
 *
 * Two clocks, named for what they are good for. The wall clock (epoch
 * milliseconds, CLOCK_REALTIME) is for times that leave the process or are
 * shared between threads as a schedule: ts_ms fields, "due at". The
 * monotonic clock (CLOCK_MONOTONIC) is for deadlines and durations, which a
 * step of the system time must not stretch or cut.
 *
 * The sleeps are never restarted after a signal: a SIGTERM ends them early
 * (see shutdown.h), so a loop notices a shutdown at once. */
#ifndef BRIDGELAB_CLOCK_H
#define BRIDGELAB_CLOCK_H

/* Milliseconds since the epoch (CLOCK_REALTIME). */
long long clock_wall_ms(void);

/* Milliseconds on CLOCK_MONOTONIC: only differences mean anything. */
long long clock_mono_ms(void);

/* CLOCK_MONOTONIC_COARSE in milliseconds: it moves once a kernel tick (4 ms
 * here) and costs a sixth of a precise reading (3.5 against 22 ns measured
 * here), for a per-record choice of whether to take one. */
long long clock_coarse_ms(void);

/* The same in microseconds, for timings finer than a millisecond (benchmarks). */
long long clock_wall_us(void);
long long clock_mono_us(void);

/* Nanoseconds since the epoch (CLOCK_REALTIME), for Debezium's ts_ns
 * (int64 nanoseconds last until 2262). */
long long clock_wall_ns(void);

/* Sleeps ms milliseconds (nothing if ms <= 0), less if a signal arrives. */
void clock_sleep_ms(int ms);

/* Sleeps up to ms milliseconds in steps of 50 ms (so ms is rounded up to a
 * multiple of 50), asking should_stop() before each step. Returns 1 as soon
 * as should_stop() says so, else 0 after the full time. A NULL should_stop
 * never stops. E.g. clock_sleep_or_stop(backoff, shutdown_requested). */
int clock_sleep_or_stop(int ms, int (*should_stop)(void));

#endif
