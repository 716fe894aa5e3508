/* clock.c: monotonic time and duration text. */
#include "util/clock.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t nc_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NC_SEC + ts.tv_nsec;
}

int64_t nc_realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NC_SEC + ts.tv_nsec;
}

int64_t nc_tick_ns(void)
{
	struct timespec ts;
	if (clock_getres(CLOCK_MONOTONIC_COARSE, &ts) < 0)
		return 10 * NC_MS; /* HZ=100, the coarsest common configuration */
	return (int64_t)ts.tv_sec * NC_SEC + ts.tv_nsec;
}

int nc_parse_duration(const char *s, int64_t *ns)
{
	/* Integer and fraction are parsed separately so "0.1s" is exact. */
	const char *p = s;
	if (!isdigit((unsigned char)*p))
		return -1;
	int64_t whole = 0;
	while (isdigit((unsigned char)*p)) {
		/* Exact bound for this digit, so INT64_MAX itself still parses. */
		int d = *p++ - '0';
		if (whole > (INT64_MAX - d) / 10)
			return -1;
		whole = whole * 10 + d;
	}
	int64_t frac = 0, frac_div = 1;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p)) {
			if (frac_div < 1000000000LL) {
				frac = frac * 10 + (*p - '0');
				frac_div *= 10;
			}
			p++;
		}
	}
	int64_t unit;
	if (strcmp(p, "ns") == 0)
		unit = 1;
	else if (strcmp(p, "us") == 0)
		unit = 1000;
	else if (strcmp(p, "ms") == 0)
		unit = NC_MS;
	else if (strcmp(p, "s") == 0)
		unit = NC_SEC;
	else if (strcmp(p, "m") == 0 || strcmp(p, "min") == 0)
		unit = 60 * NC_SEC;
	else
		return -1;
	if (whole > INT64_MAX / unit)
		return -1;
	/* frac * unit overflows for minutes with nine fraction digits
	 * (999999999 * 60e9), and the sum may pass INT64_MAX
	 * ("9223372036.9s"). Splitting unit by frac_div keeps every product
	 * below 1e18 and the result exact: frac * unit / frac_div ==
	 * frac * q + frac * r / frac_div with unit == q * frac_div + r. */
	int64_t q = unit / frac_div, r = unit % frac_div;
	int64_t part = frac * q + frac * r / frac_div;
	if (whole * unit > INT64_MAX - part)
		return -1;
	*ns = whole * unit + part;
	return 0;
}

const char *nc_fmt_duration(int64_t ns, char *buf, size_t n)
{
	double v = (double)ns;
	if (ns < 0)
		snprintf(buf, n, "-");
	else if (ns < 1000)
		snprintf(buf, n, "%lld ns", (long long)ns);
	else if (ns < NC_MS)
		snprintf(buf, n, "%.0f us", v / 1e3);
	else if (ns < NC_SEC)
		snprintf(buf, n, "%.1f ms", v / 1e6);
	else
		snprintf(buf, n, "%.2f s", v / 1e9);
	return buf;
}
