/* report_fixture.c: a synthetic run for testing the file reports. */
#include "report/tests/report_fixture.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "result/result.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/text.h"

#define FIXTURE_START_NS (1714564800LL * 1000000000LL)   /* 2024-05-01T12:00:00Z */

/* What a reader of the reports must find for one variant, in the visible
 * form of report_text.h (so "\\x1b" is the four characters \x1b). */
struct expect {
	const char *suite;      /* testsuite name */
	const char *classname;
	const char *name;       /* testcase name */
	const char *display;    /* the variant's full name in HTML and TAP */
	const char *status;     /* PASS FAIL ERROR SKIP NOTRUN */
	const char *type;       /* failure or error type; NULL if none */
	const char *message;    /* an excerpt of the message or skip reason; NULL if none */
};

struct fixture {
	struct nc_reporter *reps;
	size_t nreps;
	FILE *manifest;
	size_t nexpect;
	const char *pcap_dir;
	int create_pcaps;
	int rc;
	struct nc_run_totals totals;
};

static struct nc_run_info run_info;

const struct nc_run_info *nc_fixture_run_info(size_t total)
{
	run_info = (struct nc_run_info){
		.version = "0.1.0-fixture",
		.hostname = "fixture-host",
		.started_unix_ns = FIXTURE_START_NS,
		.mode = "network namespaces",
		.mode_note = "unshare(CLONE_NEWNET) works here",
		.capture_on = true,
		.capture_note = NULL,
		.total = total,
		.timeout_scale = 1.5,
		.jobs = 4,
		.shard = NULL,
		.command_line = "netconform --junit reports/junit.xml --html 'reports/a b.html' -k \"<udp>\"",
		.reports_dir = "reports",
	};
	return &run_info;
}

/* ------------------------------------------------------------------------ */
/* Manifest */

static void json_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void expect(struct fixture *fx, const struct expect *e)
{
	FILE *f = fx->manifest;
	if (!f)
		return;
	fputs(fx->nexpect++ ? ",\n  {" : "  {", f);
	fputs("\"suite\": ", f);
	json_str(f, e->suite);
	fputs(", \"classname\": ", f);
	json_str(f, e->classname);
	fputs(", \"name\": ", f);
	json_str(f, e->name);
	fputs(", \"display\": ", f);
	json_str(f, e->display);
	fputs(", \"status\": ", f);
	json_str(f, e->status);
	fputs(", \"type\": ", f);
	json_str(f, e->type);
	fputs(", \"message\": ", f);
	json_str(f, e->message);
	fputc('}', f);
}

/* ------------------------------------------------------------------------ */
/* Results */

static void ident(struct nc_result *r, const char *path, const char *id, const char *group,
		  const char *variant, uint32_t seq)
{
	r->path = nc_strdup(path);
	r->id = nc_strdup(id);
	r->group = nc_strdup(group);
	r->variant = variant ? nc_strdup(variant) : NULL;
	struct nc_buf b;
	nc_buf_init(&b, 0);
	if (variant)
		nc_buf_printf(&b, "%s[%s]", id, variant);
	else
		nc_buf_adds(&b, id);
	r->name = nc_buf_steal(&b);
	const char *slash = strrchr(id, '/');
	r->scenario = nc_strdup(slash ? slash + 1 : id);
	r->seq = seq;
	r->started_unix_ns = FIXTURE_START_NS + (int64_t)seq * 50000000LL;
}

static void step(struct nc_result *r, int role, uint32_t line, const char *text, int64_t t0,
		 int64_t t1, const char *outcome, bool failed)
{
	struct nc_trace *t = nc_result_add_trace(r);
	if (!t)
		return;
	t->role = (uint8_t)role;
	t->step = (uint32_t)r->ntrace;
	t->line = line;
	t->text = nc_strdup(text);
	t->t_start = t0;
	t->t_end = t1;
	t->outcome = nc_strdup(outcome);
	t->failed = failed;
}

static void pcap(struct fixture *fx, struct nc_result *r, const char *file)
{
	char *p = nc_path_join(fx->pcap_dir, file);
	r->pcap_path = p;
	if (fx->create_pcaps) {
		nc_mkdir_p(fx->pcap_dir);
		int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
	}
}

/* The normal exchange of a UDP hello/bye scenario. */
static void hello_bye(struct nc_result *r, const char *fam, bool reply_ok)
{
	int v6 = strcmp(fam, "inet6") == 0;
	const char *srv = v6 ? "[::1]:4000" : "127.0.0.1:4000";
	const char *cli = v6 ? "[::1]:41234" : "127.0.0.1:41234";
	char buf[128];
	step(r, 0, 4, "socket udp", 10000, 40000, "fd 3", false);
	snprintf(buf, sizeof(buf), "bind %s", srv);
	step(r, 0, 5, buf, 50000, 90000, "ok", false);
	step(r, 1, 12, "socket udp", 120000, 140000, "fd 3", false);
	snprintf(buf, sizeof(buf), "sendto %s \"hello\"", srv);
	step(r, 1, 13, buf, 200000, 260000, "5 bytes", false);
	snprintf(buf, sizeof(buf), "5 bytes \"hello\" from %s", cli);
	step(r, 0, 6, "recvfrom", 100000, 300000, buf, false);
	step(r, 0, 7, "sendto peer \"bye\"", 320000, 360000, "3 bytes", false);
	step(r, 1, 14, "recvfrom expect \"bye\"", 270000, 400000,
	     reply_ok ? "3 bytes \"bye\"" : "5 bytes \"hellx\"", !reply_ok);
	snprintf(buf, sizeof(buf), "%s %s > %s: UDP, length 5", v6 ? "IP6" : "IP", cli, srv);
	nc_result_add_packet(r, 1, 230000, buf);
	snprintf(buf, sizeof(buf), "%s %s > %s: UDP, length 3", v6 ? "IP6" : "IP", srv, cli);
	nc_result_add_packet(r, 2, 340000, buf);
	nc_result_prop(r, "family", fam);
	nc_result_prop(r, "transport", "udp");
	nc_result_prop(r, "keywords", "udp basic");
	r->capture_on = true;
	r->duration_ns = 3100000;
}

static void feed(struct fixture *fx, struct nc_result *r)
{
	for (size_t i = 0; i < fx->nreps; i++)
		if (fx->reps[i].ops->variant(fx->reps[i].self, r) < 0)
			fx->rc = -1;
	switch (r->status) {
	case NC_STATUS_PASS: fx->totals.passed++; break;
	case NC_STATUS_FAIL: fx->totals.failed++; break;
	case NC_STATUS_ERROR: fx->totals.errors++; break;
	case NC_STATUS_SKIP: fx->totals.skipped++; break;
	case NC_STATUS_NOTRUN: fx->totals.notrun++; break;
	}
	/* The runner frees every result once the reporters have seen it. */
	nc_result_free(r);
}

#define HOSTILE_ID "tcp/host\xff" "ile"
#define HOSTILE_ID_VISIBLE "tcp/host\\xffile"
#define HOSTILE_VARIANT "in<&>\"'#et\x1b"
#define HOSTILE_VARIANT_VISIBLE "in<&>\"'#et\\x1b"
#define HOSTILE_TEXT \
	"expected \"]]>\" <script>alert(1)</script> got \x01\x1b\x0b \xff\xfe \xef\xbf\xbe \xc2\x85 end\r"
#define HOSTILE_TEXT_VISIBLE \
	"\"]]>\" <script>alert(1)</script> got \\x01\\x1b\\x0b \\xff\\xfe \\uFFFE \\u0085 end"

static size_t hostile_run(struct fixture *fx)
{
	struct nc_result r;
	uint32_t seq = 0;

	/* udp/hello-bye: a pass, a failure and a skip. */
	nc_result_init(&r);
	ident(&r, "scenarios/udp/hello-bye.scn", "udp/hello-bye", "udp", "inet", seq++);
	r.description = nc_strdup("a datagram each way");
	hello_bye(&r, "inet", true);
	nc_result_output(&r, 0, "server ready\n", 13);
	pcap(fx, &r, "udp_hello-bye_inet.pcap");
	feed(fx, &r);
	expect(fx, &(struct expect){ "udp/hello-bye", "udp.hello-bye", "inet", "udp/hello-bye[inet]",
				     "PASS", NULL, NULL });

	nc_result_init(&r);
	ident(&r, "scenarios/udp/hello-bye.scn", "udp/hello-bye", "udp", "inet6", seq++);
	hello_bye(&r, "inet6", false);
	nc_result_fail(&r, false, "payload", "scenarios/udp/hello-bye.scn", 14,
		       "expected \"bye\", got \"hellx\"",
		       "expected (3 bytes):\n  62 79 65                 bye\n\nactual (5 bytes):\n"
		       "  68 65 6c 6c 78           hellx\n        ^^ first difference at offset 0\n");
	nc_result_fail(&r, false, "wire", "scenarios/udp/hello-bye.scn", 20,
		       "expected 2 packets, captured 3", "");
	pcap(fx, &r, "udp_hello-bye_inet6.pcap");
	feed(fx, &r);
	expect(fx, &(struct expect){ "udp/hello-bye", "udp.hello-bye", "inet6", "udp/hello-bye[inet6]",
				     "FAIL", "payload", "hello-bye.scn:14: expected \"bye\", got \"hellx\"" });

	nc_result_init(&r);
	ident(&r, "scenarios/udp/hello-bye.scn", "udp/hello-bye", "udp", "inet6#2", seq++);
	r.status = NC_STATUS_SKIP;
	r.reason = nc_strdup("no IPv6 on this machine");
	feed(fx, &r);
	expect(fx, &(struct expect){ "udp/hello-bye", "udp.hello-bye", "inet6#2", "udp/hello-bye[inet6#2]",
				     "SKIP", NULL, "no IPv6 on this machine" });

	/* A hostile scenario: bytes no format may carry as is, everywhere. */
	struct nc_buf big;
	nc_buf_init(&big, 0);
	for (int i = 0; i < 12000; i++)
		nc_buf_printf(&big, "%05d 0123456789abcdef ]]> <b>&amp; \x1b[31m\xff\n", i);
	nc_result_init(&r);
	ident(&r, "scenarios/tcp/hostile.scn", HOSTILE_ID, "tcp\"<g>&", HOSTILE_VARIANT, seq++);
	r.description = nc_strdup("quotes \" ' and <tags> & \x01");
	step(&r, 0, 3, "listen \x1b]0;title\x07 <script>", 1000, 2000, "ok ]]> \xc3\x28", false);
	step(&r, 1, 9, "connect #1 \"quoted\"", 3000, -1, "blocked \xe2\x80\xa8 line sep", true);
	step(&r, 1, 10, "send \"never\"", -1, -1, "", false);
	/* Enough long steps that the JUnit system-out (64 KiB) is cut. */
	for (int i = 0; i < 300; i++) {
		char text[400];
		snprintf(text, sizeof(text), "send %d \"%0300d\" ]]> \x1b", i, i);
		step(&r, i % 2, 100 + (uint32_t)i, text, 10000 + i * 1000, 10500 + i * 1000, "300 bytes", false);
	}
	nc_result_add_packet(&r, 1, 2500, "IP 127.0.0.1.1 > 127.0.0.1.2: Flags [S] \"]]>\" \x1b \xff");
	const char *out0 = "out: <script>alert('x')</script>\r\n\x0b\x0c\x7f\xc2\x9f end\n";
	nc_result_output(&r, 0, out0, strlen(out0));
	nc_result_output(&r, 1, (const char *)big.data, big.len);
	nc_result_prop(&r, "family", "inet \"<&>\"");
	nc_result_prop(&r, "keywords", "a]]>b \x1b");
	nc_result_fail(&r, false, "payload\x1b<x>", "scenarios/tcp/hostile.scn", 9, HOSTILE_TEXT,
		       (const char *)big.data);
	r.duration_ns = 12345678;
	r.capture_on = true;
	pcap(fx, &r, "tcp_hostile_1.pcap");
	feed(fx, &r);
	expect(fx, &(struct expect){ HOSTILE_ID_VISIBLE, "tcp.host\\xffile", HOSTILE_VARIANT_VISIBLE,
				     HOSTILE_ID_VISIBLE "[" HOSTILE_VARIANT_VISIBLE "]", "FAIL",
				     "payload\\x1b<x>", HOSTILE_TEXT_VISIBLE });

	/* The same variant name again: the JUnit name must stay unique. */
	nc_result_init(&r);
	ident(&r, "scenarios/tcp/hostile.scn", HOSTILE_ID, "tcp\"<g>&", HOSTILE_VARIANT, seq++);
	r.duration_ns = 1500000;
	r.capture_on = false;
	r.capture_note = nc_strdup("no permission to capture (need CAP_NET_RAW)");
	feed(fx, &r);
	expect(fx, &(struct expect){ HOSTILE_ID_VISIBLE, "tcp.host\\xffile", HOSTILE_VARIANT_VISIBLE " (2)",
				     HOSTILE_ID_VISIBLE "[" HOSTILE_VARIANT_VISIBLE "]", "PASS", NULL,
				     NULL });

	/* A timeout: a harness error. */
	nc_result_init(&r);
	ident(&r, "scenarios/tcp/hostile.scn", HOSTILE_ID, "tcp\"<g>&", "inet6", seq++);
	step(&r, 0, 3, "accept", 1000, -1, "", true);
	nc_result_fail(&r, true, "deadline", "scenarios/tcp/hostile.scn", 3,
		       "timed out after 2.000 s waiting for accept", "server: blocked in accept()\n");
	nc_result_fail(&r, false, "errno", "scenarios/tcp/hostile.scn", 4, "expected 0, got ECONNREFUSED",
		       "");
	r.duration_ns = 2000000000;
	feed(fx, &r);
	expect(fx, &(struct expect){ HOSTILE_ID_VISIBLE, "tcp.host\\xffile", "inet6",
				     HOSTILE_ID_VISIBLE "[inet6]", "ERROR", "deadline",
				     "timed out after 2.000 s waiting for accept" });
	nc_buf_free(&big);

	/* A malformed scenario file arrives as one error result. */
	nc_result_init(&r);
	ident(&r, "scenarios/bad/malformed.scn", "bad/malformed", "bad", NULL, seq++);
	nc_result_fail(&r, true, "parse", "scenarios/bad/malformed.scn", 3,
		       "scenarios/bad/malformed.scn:3:7: expected a port number near 'abc' "
		       "(while parsing step 'bind' at 3:3)", "");
	feed(fx, &r);
	expect(fx, &(struct expect){ "bad/malformed", "bad.malformed", "bad/malformed", "bad/malformed",
				     "ERROR", "parse",
				     "scenarios/bad/malformed.scn:3:7: expected a port number near 'abc'" });

	/* The run was interrupted before this one. */
	nc_result_init(&r);
	ident(&r, "scenarios/udp/late.scn", "udp/late", "udp", "inet", seq++);
	r.status = NC_STATUS_NOTRUN;
	r.reason = nc_strdup("interrupted by SIGINT");
	feed(fx, &r);
	expect(fx, &(struct expect){ "udp/late", "udp.late", "inet", "udp/late[inet]", "NOTRUN", "notrun",
				     "not run: interrupted by SIGINT" });
	fx->totals.interrupted = true;
	fx->totals.signal = 2;
	return seq;
}

static size_t bulk_run(struct fixture *fx, size_t n)
{
	static const char *const fams[] = { "inet", "inet6", "inet#2", "inet6#2" };
	char path[128], id[96], group[16], buf[128];
	for (size_t i = 0; i < n; i++) {
		size_t file = i / 4;
		snprintf(group, sizeof(group), "g%02zu", file % 10);
		snprintf(id, sizeof(id), "%s/scenario-%04zu", group, file);
		snprintf(path, sizeof(path), "scenarios/%s.scn", id);
		struct nc_result r;
		nc_result_init(&r);
		ident(&r, path, id, group, fams[i % 4], (uint32_t)i);
		hello_bye(&r, i % 2 ? "inet6" : "inet", true);
		for (int k = 0; k < 5; k++) {
			snprintf(buf, sizeof(buf), "setsockopt SO_RCVBUF %d", 4096 << k);
			step(&r, k % 2, 20 + (uint32_t)k, buf, 500000 + k * 10000, 505000 + k * 10000, "ok", false);
		}
		for (uint32_t k = 3; k <= 10; k++) {
			snprintf(buf, sizeof(buf), "IP 127.0.0.1.41234 > 127.0.0.1.4000: UDP, length %u", k);
			nc_result_add_packet(&r, k, 400000 + k * 1000, buf);
		}
		const char *out0 = "listening on 127.0.0.1:4000\nreceived 5 bytes\n";
		nc_result_output(&r, 0, out0, strlen(out0));
		snprintf(buf, sizeof(buf), "%s_%s.pcap", id, fams[i % 4]);
		for (char *p = buf; *p; p++)
			if (*p == '/' || *p == '#')
				*p = '_';
		pcap(fx, &r, buf);
		const char *status = "PASS", *type = NULL;
		size_t m = i % 100;
		if (m < 5) {
			nc_result_fail(&r, false, "payload", path, 14, "expected \"bye\", got \"hellx\"",
				       "expected: 62 79 65\nactual:   68 65 6c 6c 78\n");
			status = "FAIL";
			type = "payload";
		} else if (m == 5) {
			nc_result_fail(&r, true, "deadline", path, 6, "timed out after 2.000 s", "");
			status = "ERROR";
			type = "deadline";
		} else if (m < 8) {
			r.status = NC_STATUS_SKIP;
			r.reason = nc_strdup("needs IPv6");
			status = "SKIP";
		}
		char *classname = nc_strdup(id), *display = nc_strdup(r.name), *variant = nc_strdup(fams[i % 4]);
		for (char *p = classname; *p; p++)
			if (*p == '/')
				*p = '.';
		feed(fx, &r);
		expect(fx, &(struct expect){ id, classname, variant, display, status, type, NULL });
		free(classname);
		free(display);
		free(variant);
	}
	return n;
}

int nc_fixture_run(struct nc_reporter *reps, size_t nreps, size_t bulk, const char *pcap_dir,
		   int create_pcaps, FILE *manifest)
{
	struct fixture fx = { .reps = reps, .nreps = nreps, .manifest = manifest,
			      .pcap_dir = pcap_dir, .create_pcaps = create_pcaps };
	const struct nc_run_info *run = nc_fixture_run_info(bulk ? bulk : 8);
	for (size_t i = 0; i < nreps; i++)
		if (reps[i].ops->begin(reps[i].self, run) < 0)
			fx.rc = -1;
	if (manifest)
		fputs("{\"cases\": [\n", manifest);
	size_t n = bulk ? bulk_run(&fx, bulk) : hostile_run(&fx);
	fx.totals.duration_ns = (int64_t)n * 60000000LL + 1234567;
	for (size_t i = 0; i < nreps; i++)
		if (reps[i].ops->end(reps[i].self, &fx.totals) < 0)
			fx.rc = -1;
	if (manifest) {
		fprintf(manifest,
			"\n],\n\"totals\": {\"tests\": %zu, \"passed\": %zu, \"failed\": %zu, "
			"\"errors\": %zu, \"skipped\": %zu, \"notrun\": %zu}}\n",
			n, fx.totals.passed, fx.totals.failed, fx.totals.errors, fx.totals.skipped,
			fx.totals.notrun);
	}
	return fx.rc;
}
