/* result.h: the outcome of one variant, as the reporters see it.
 *
 * The variant supervisor builds a result from the role records, the capture
 * and the checks; it is serialized (codec.c) back to the runner, which hands
 * it to every reporter in a deterministic order. Everything a report shows
 * is in here, already capped in size, so a report never has to look at the
 * scenario file again.
 *
 * Ownership: every pointer in a result is owned by it; nc_result_free()
 * releases them. Strings may hold any bytes a peer sent (already made
 * printable where they come from payloads); reporters escape them for their
 * format.
 */
#ifndef NC_RESULT_RESULT_H
#define NC_RESULT_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

enum nc_status {
	NC_STATUS_PASS,
	NC_STATUS_FAIL,     /* a conformance check failed */
	NC_STATUS_ERROR,    /* the harness could not judge: timeout, crash, bad file */
	NC_STATUS_SKIP,     /* could not run here; the reason says why */
	NC_STATUS_NOTRUN,   /* the run was interrupted before this variant */
};

const char *nc_status_name(enum nc_status s);  /* "PASS", "FAIL", ... */

/* One failed check or harness problem. */
struct nc_failure {
	bool harness;        /* an error of the run (timeout, crash), not a check */
	char *check;         /* short name: "payload", "errno", "endpoint", "timing",
				"deadline", "crash", "wire", "capture", "parse" ... */
	char *file;          /* the scenario file */
	uint32_t line;       /* the line of the step or wire expectation; 0 if none */
	char *message;       /* one line: "expected \"hello\", got \"hellx\"" */
	char *detail;        /* several lines: expected vs actual, hex diff; may be "" */
	int64_t t;           /* when it happened, ns since the variant started; -1: not known */
	bool consequence;    /* it follows from an earlier failure (a role stopped
				because the outcome was already decided) */
};

/* One executed step, for timelines and traces. */
struct nc_trace {
	uint8_t role;        /* 0 server, 1 client */
	uint32_t step;
	uint32_t line;
	char *text;          /* the step as written */
	int64_t t_start;     /* ns since the variant started; -1 if it never began */
	int64_t t_end;       /* -1 if it never finished (blocked or crashed) */
	char *outcome;       /* "5 bytes \"hello\" from 127.0.0.1:41234", "error EAGAIN" */
	bool failed;
};

/* One captured packet, as one tcpdump-like line. */
struct nc_packet_line {
	uint32_t index;
	int64_t t;           /* ns since the variant started */
	char *text;
};

struct nc_prop {
	char *name;
	char *value;
};

#define NC_RESULT_MAX_TRACE 512     /* steps kept per variant */
#define NC_RESULT_MAX_PACKETS 200   /* packet lines kept per variant */
#define NC_RESULT_MAX_OUTPUT (16u * 1024u) /* role output kept per role */
#define NC_RESULT_MAX_FAILURES 32

struct nc_result {
	/* Identity (filled by the runner from the plan). */
	char *name;          /* "udp/hello-bye[inet6]" */
	char *id;            /* "udp/hello-bye" */
	char *group;         /* "udp" */
	char *path;          /* the scenario file */
	char *variant;       /* "inet6" (plus "#2" for repeats) */
	char *scenario;      /* the scenario's declared name */
	char *description;
	uint32_t seq;        /* position in the sorted plan */

	enum nc_status status;
	char *reason;        /* skip/not-run reason, or the first failure's message */
	int64_t started_unix_ns;
	int64_t duration_ns;

	struct nc_failure *failures;
	size_t nfailures;
	size_t failures_dropped;

	struct nc_trace *trace;
	size_t ntrace;
	size_t trace_dropped;

	/* Output of the roles (programs' stdout/stderr; notes of built-in roles). */
	char *output[2];
	size_t output_dropped[2];

	/* Capture. */
	bool capture_on;
	char *capture_note;  /* why capture was off, or drop counts */
	char *pcap_path;     /* written pcap file, relative to the working directory; NULL if none */
	/* Why an artifact of the variant (its pcap file) could not be written
	 * whole, as "cannot write reports/pcap/udp/x[inet].pcap: No space left
	 * on device"; NULL when nothing failed. It does not change the status
	 * (the checks saw every packet); the run's exit status says it (3). */
	char *artifact_error;
	uint64_t packets_total;
	struct nc_packet_line *packets;
	size_t npackets;

	struct nc_prop *props;  /* family, transport, keywords, mode ... */
	size_t nprops;
};

void nc_result_init(struct nc_result *r);
void nc_result_free(struct nc_result *r);

/* Adds a failure; the strings are copied. The status is raised to FAIL (or
 * ERROR for harness failures) unless it is already ERROR. Returns the new
 * failure, whose time is not known (-1) and which is a cause, for the
 * caller to say otherwise; NULL when the result holds the most failures it
 * keeps (the failure is then only counted). */
struct nc_failure *nc_result_fail(struct nc_result *r, bool harness, const char *check,
				  const char *file, uint32_t line, const char *message,
				  const char *detail);
/* Drops every failure (the status and reason are the caller's to set). */
void nc_result_clear_failures(struct nc_result *r);
/* Puts the failures in the order reports show them: causes before their
 * consequences, each in the order they happened (those of unknown time
 * after, as they were added). The first is the headline: it sets the
 * reason, and the status (ERROR when it is a harness failure, else FAIL). */
void nc_result_settle(struct nc_result *r);
struct nc_trace *nc_result_add_trace(struct nc_result *r);
void nc_result_add_packet(struct nc_result *r, uint32_t index, int64_t t, const char *text);
void nc_result_prop(struct nc_result *r, const char *name, const char *value);
/* Appends role output, keeping at most NC_RESULT_MAX_OUTPUT bytes per role. */
void nc_result_output(struct nc_result *r, int role, const char *text, size_t n);
/* Returns the value of a property, or NULL. */
const char *nc_result_get_prop(const struct nc_result *r, const char *name);

/* The failure a report names first, in its headline (the JUnit message,
 * the TAP message, the HTML summary): for an error the first harness
 * failure (the timeout or crash that stopped the variant), for a failure
 * the first failed check, and otherwise the first failure of any kind.
 * NULL when the result has none. Borrowed from r. */
const struct nc_failure *nc_result_headline(const struct nc_result *r);

/* How many variants ended in each status: what every report's totals are
 * made of. Reports that have no "not run" count (JUnit's skipped, TAP's
 * SKIP) add notrun to skipped. */
struct nc_status_counts {
	size_t passed;
	size_t failed;
	size_t errors;
	size_t skipped;
	size_t notrun;
};

/* Counts one variant that ended in status s. */
void nc_status_count(struct nc_status_counts *c, enum nc_status s);
/* All the variants counted. */
size_t nc_status_total(const struct nc_status_counts *c);

/* Serialization between the supervisor and the runner. */
int nc_result_encode(const struct nc_result *r, struct nc_buf *out);
/* Decodes into r (initialized by the caller); -1 when the bytes are
 * malformed. */
int nc_result_decode(const uint8_t *p, size_t n, struct nc_result *r);

#endif
