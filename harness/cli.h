/* cli.h: the command line. */
#ifndef NC_CLI_H
#define NC_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum nc_command { NC_CMD_RUN, NC_CMD_CHECK, NC_CMD_LIST, NC_CMD_DECODE, NC_CMD_HELP,
		  NC_CMD_VERSION };

#define NC_CLI_MAX_LIST 64

struct nc_cli {
	enum nc_command cmd;
	const char *paths[256];
	size_t npaths;
	const char *filters[NC_CLI_MAX_LIST];
	size_t nfilters;
	const char *keywords[NC_CLI_MAX_LIST];
	size_t nkeywords;
	unsigned families;          /* bit per enum nc_family; 0 = all */
	int jobs;                   /* 0: automatic */
	double timeout_scale;
	bool verbose;
	bool quiet;
	int color;                  /* -1 auto, 0 never, 1 always */
	bool progress;
	const char *junit;
	const char *html;
	const char *tap;
	const char *reports_dir;
	int keep_pcap;              /* enum nc_keep_pcap */
	unsigned long long pcap_max; /* --pcap-max in bytes; 0: no cap */
	bool no_capture;
	bool require_capture;
	unsigned shard_k, shard_n;
	unsigned repeat;
	bool shuffle;
	uint64_t seed;
	const char *wrap;
	bool allow_remote;
	const char *exec_path;
	bool ctest;                 /* list: print CMake add_test() lines */
	const char *ctest_prefix;   /* test name prefix (default "scenario.") */
	const char *ctest_labels;   /* extra labels, ';'-separated */
};

/* Parses argv into c. Returns 0, or -1 with a message in err (a usage error). */
int nc_cli_parse(int argc, char **argv, struct nc_cli *c, char *err, size_t errlen);

/* Prints the --help text. */
void nc_cli_usage(FILE *out);

#endif
