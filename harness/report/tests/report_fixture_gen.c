/* report_fixture_gen.c: writes the JUnit, HTML and TAP reports of a
 * synthetic run, and the manifest of what they must contain.
 *
 * usage: report_fixture_gen [--bulk N] [--rss] [--print-locale] [--junit P] [--html P]
 *                           [--tap P] OUTDIR
 *
 * Works inside OUTDIR (created if needed) and writes there, unless other
 * paths are given ("-" is standard output):
 *   junit.xml, html/report.html, report.tap   the reports
 *   manifest.json                             what each report must show
 *   pcap/NAME.pcap                            empty files the pcap links name
 *                                             (hostile run only)
 * --bulk N writes N realistic variants instead of the hostile run.
 * --rss prints "maxrss_kib=N" (the peak resident set) at the end, which the
 * memory test compares between run sizes.
 * --print-locale prints "decimal_point=C" for the LC_NUMERIC in effect, so
 * the locale test can tell that its locale really was loaded.
 * The locale is taken from the environment, so LC_NUMERIC=de_DE.UTF-8 shows
 * whether any number in a report depends on it.
 */
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "report/reporter.h"
#include "report/tests/report_fixture.h"
#include "util/fsutil.h"

static int usage(void)
{
	fputs("usage: report_fixture_gen [--bulk N] [--rss] [--print-locale] [--junit P] [--html P] [--tap P] OUTDIR\n",
	      stderr);
	return 2;
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	size_t bulk = 0;
	int rss = 0;
	const char *junit = "junit.xml", *html = "html/report.html", *tap = "report.tap";
	const char *outdir = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--bulk") == 0 && i + 1 < argc)
			bulk = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--rss") == 0)
			rss = 1;
		else if (strcmp(argv[i], "--print-locale") == 0)
			printf("decimal_point=%s\n", localeconv()->decimal_point);
		else if (strcmp(argv[i], "--junit") == 0 && i + 1 < argc)
			junit = argv[++i];
		else if (strcmp(argv[i], "--html") == 0 && i + 1 < argc)
			html = argv[++i];
		else if (strcmp(argv[i], "--tap") == 0 && i + 1 < argc)
			tap = argv[++i];
		else if (argv[i][0] == '-' && argv[i][1])
			return usage();
		else
			outdir = argv[i];
	}
	if (!outdir)
		return usage();
	if (nc_mkdir_p(outdir) < 0 || chdir(outdir) < 0) {
		fprintf(stderr, "report_fixture_gen: %s: %s\n", outdir, strerror(errno));
		return 1;
	}

	struct nc_reporter reps[3];
	char err[512];
	if (nc_junit_reporter(&reps[0], junit, err, sizeof(err)) < 0 ||
	    nc_html_reporter(&reps[1], html, err, sizeof(err)) < 0 ||
	    nc_tap_reporter(&reps[2], tap, err, sizeof(err)) < 0) {
		fprintf(stderr, "report_fixture_gen: %s\n", err);
		return 1;
	}
	FILE *manifest = fopen("manifest.json", "w");
	if (!manifest) {
		fprintf(stderr, "report_fixture_gen: manifest.json: %s\n", strerror(errno));
		return 1;
	}
	int rc = nc_fixture_run(reps, 3, bulk, "pcap", bulk == 0, manifest);
	if (fclose(manifest) != 0)
		rc = -1;
	for (int i = 0; i < 3; i++)
		reps[i].ops->destroy(reps[i].self);
	if (rss) {
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		printf("maxrss_kib=%ld\n", ru.ru_maxrss);
	}
	return rc < 0 ? 1 : 0;
}
