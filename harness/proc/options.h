/* options.h: the settings of one run, shared by the runner and the
 * variant supervisors it forks. Filled once by main from the command line;
 * read-only afterwards. */
#ifndef NC_PROC_OPTIONS_H
#define NC_PROC_OPTIONS_H

#include <stdbool.h>

#include "proc/ns.h"

enum nc_keep_pcap { NC_KEEP_FAILED, NC_KEEP_ALWAYS, NC_KEEP_NEVER };

/* The default cap on one variant's pcap file (--pcap-max). */
#define NC_PCAP_MAX_DEFAULT (256ULL << 20)

struct nc_run_opts {
	int jobs;                   /* variants at once */
	double timeout_scale;       /* multiplies every deadline and window */
	bool capture;               /* capture traffic (when permitted) */
	bool require_capture;       /* no capture permission is an error */
	enum nc_keep_pcap keep_pcap;
	unsigned long long pcap_max; /* the largest pcap file kept per variant; 0: no cap */
	const char *reports_dir;    /* pcaps go under <reports_dir>/pcap/ */
	const char *wrap;           /* command built-in roles run under, or NULL */
	bool allow_remote;          /* permit addresses outside loopback */
	const char *exec_path;      /* extra directories for program roles, ':'-separated */
	const char *self_exe;       /* this binary, for roles that must be exec'd */
	struct nc_ns ns;            /* namespace mode, probed once */
};

#endif
