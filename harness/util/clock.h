/* clock.h: monotonic time and duration text. */
#ifndef NC_UTIL_CLOCK_H
#define NC_UTIL_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#define NC_MS 1000000LL          /* nanoseconds per millisecond */
#define NC_SEC 1000000000LL      /* nanoseconds per second */

/* CLOCK_MONOTONIC in nanoseconds. All processes of a run share this clock, so
 * timestamps taken in different roles are directly comparable. */
int64_t nc_now_ns(void);

/* CLOCK_REALTIME in nanoseconds: wall-clock times for reports, and the
 * clock packet capture timestamps are on. */
int64_t nc_realtime_ns(void);

/* The kernel tick (CLOCK_MONOTONIC_COARSE resolution): socket timeouts are
 * counted in ticks, so a timeout may end up to one tick early or late. */
int64_t nc_tick_ns(void);

/* Parses "200ms", "2s", "1.5s", "250us", "100ns", "1m". Returns 0 and sets
 * *ns, or -1 when the text is not a duration or overflows. */
int nc_parse_duration(const char *s, int64_t *ns);

/* Writes a human form ("3.1 ms", "2.00 s", "850 us") into buf. */
const char *nc_fmt_duration(int64_t ns, char *buf, size_t n);

#endif
