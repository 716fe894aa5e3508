/* report_fixture.h: a synthetic run for testing the file reports.
 *
 * Builds struct nc_result values the way the runner would (in plan order,
 * one at a time, each freed after the reporters saw it) and feeds them to
 * reporters. Two runs exist:
 *
 *   - the hostile run: every status, several scenario files, a repeated
 *     testcase name, a malformed scenario file, an interrupted variant, and
 *     hostile bytes (C0 controls, DEL, C1, U+FFFE, invalid UTF-8, "]]>",
 *     quotes, "<script>", '#', CR, very long text) in names, groups,
 *     messages, details, outputs, packet lines and properties;
 *   - a bulk run of n realistic variants (about 5% failing, 1% errors, 2%
 *     skipped), for size, load-time and memory measurements.
 *
 * Alongside, a JSON manifest records what a reader of each report must
 * find: per variant its suite, classname, testcase name, display name,
 * status, failure type and a message excerpt, all in the visible form the
 * escaping rules produce (report_text.h). The check scripts compare the
 * parsed reports against it.
 */
#ifndef NC_REPORT_TESTS_REPORT_FIXTURE_H
#define NC_REPORT_TESTS_REPORT_FIXTURE_H

#include <stddef.h>
#include <stdio.h>

#include "report/reporter.h"

/* Runs begin, variant for each result, and end on every reporter. bulk 0
 * selects the hostile run. Writes the manifest to manifest when not NULL.
 * pcap_dir (relative to the working directory) is where the results' pcap
 * paths point; when create_pcaps is true an empty file is created for
 * each so links can be checked. Returns 0, or -1 when a reporter call
 * failed. */
int nc_fixture_run(struct nc_reporter *reps, size_t nreps, size_t bulk, const char *pcap_dir,
		   int create_pcaps, FILE *manifest);

/* The run info and totals the fixture passes (for assertions). */
const struct nc_run_info *nc_fixture_run_info(size_t total);

#endif
