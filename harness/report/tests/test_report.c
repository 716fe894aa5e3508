/* test_report.c: unit tests of the JUnit, HTML and TAP reporters and of
 * the escaping and file helpers under them. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report/report_file.h"
#include "report/report_text.h"
#include "report/reporter.h"
#include "result/result.h"
#include "report/tests/report_fixture.h"
#include "tests/unit/cunit_main.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/text.h"

/* ------------------------------------------------------------------------ */
/* Helpers */

static char *escape(enum nc_esc_mode mode, const char *s, size_t n)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_EQUAL(nc_esc_write(f, mode, s, n), 0);
	fclose(f);
	return out;
}

#define ASSERT_ESC(mode, in, want)                                      \
	do {                                                            \
		char *got_ = escape(mode, in, sizeof(in) - 1);          \
		CU_ASSERT_STRING_EQUAL(got_, want);                     \
		if (strcmp(got_, want) != 0)                            \
			fprintf(stderr, "\n  got  [%s]\n  want [%s]\n", got_, want); \
		free(got_);                                             \
	} while (0)

/* True when s is valid UTF-8 with only characters XML 1.0 allows (and no
 * CR, which the writers always escape). */
static bool xml_clean(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned b = s[i];
		if (b < 0x80) {
			if ((b < 0x20 && b != '\t' && b != '\n') || b == 0x7F)
				return false;
			i++;
			continue;
		}
		size_t len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 ? 2 : 0;
		if (len == 0 || i + len > n)
			return false;
		uint32_t cp = b & (0x7F >> len);
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF ||
		    (cp >= 0x80 && cp <= 0x9F))
			return false;
		i += len;
	}
	return true;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rm_rf(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *make_tmpdir(void)
{
	char *d = strdup("/tmp/nc-report-test-XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(d) != NULL);
	return d;
}

static char *slurp(const char *path)
{
	struct nc_buf b;
	nc_buf_init(&b, 0);
	if (nc_read_file(path, &b) < 0) {
		nc_buf_free(&b);
		return NULL;
	}
	return nc_buf_steal(&b);
}

static char *join(const char *dir, const char *name)
{
	return nc_path_join(dir, name);
}

/* Counts the entries of dir whose name contains needle. */
static int count_entries(const char *dir, const char *needle)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "find '%s' -name '*%s*' | wc -l", dir, needle);
	FILE *p = popen(cmd, "r");
	int n = -1;
	if (p) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	return n;
}

static size_t count_substr(const char *s, const char *needle)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* Runs the hostile fixture through one reporter writing dir/name; returns
 * the file's contents. */
static char *run_one(int (*make)(struct nc_reporter *, const char *, char *, size_t), const char *dir,
		     const char *name, const char *cwd_dir)
{
	char *saved = getcwd(NULL, 0);
	CU_ASSERT_FATAL(chdir(cwd_dir) == 0);
	struct nc_reporter rep;
	char err[512];
	char *path = join(dir, name);
	CU_ASSERT_FATAL(make(&rep, path, err, sizeof(err)) == 0);
	CU_ASSERT_EQUAL(nc_fixture_run(&rep, 1, 0, "pcap", 1, NULL), 0);
	rep.ops->destroy(rep.self);
	char *text = slurp(path);
	CU_ASSERT_PTR_NOT_NULL(text);
	free(path);
	CU_ASSERT(chdir(saved) == 0);
	free(saved);
	return text;
}

/* ------------------------------------------------------------------------ */
/* Escaping */

static void test_escape_xml(void)
{
	ASSERT_ESC(NC_ESC_XML_TEXT, "a<b>&c\"d'e", "a&lt;b&gt;&amp;c\"d'e");
	ASSERT_ESC(NC_ESC_XML_TEXT, "x]]>y", "x]]&gt;y");
	ASSERT_ESC(NC_ESC_XML_TEXT, "\x01\x1b\x0b\x0c\x7f", "\\x01\\x1b\\x0b\\x0c\\x7f");
	ASSERT_ESC(NC_ESC_XML_TEXT, "t\tn\nr\r", "t\tn\nr&#13;");
	ASSERT_ESC(NC_ESC_XML_TEXT, "\xff\xfe", "\\xff\\xfe");
	ASSERT_ESC(NC_ESC_XML_TEXT, "\xef\xbf\xbe\xef\xbf\xbf", "\\uFFFE\\uFFFF");
	ASSERT_ESC(NC_ESC_XML_TEXT, "\xc2\x85", "\\u0085");
	ASSERT_ESC(NC_ESC_XML_TEXT, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* Overlong, surrogate, above U+10FFFF, truncated sequences. */
	ASSERT_ESC(NC_ESC_XML_TEXT, "\xc0\xaf", "\\xc0\\xaf");
	ASSERT_ESC(NC_ESC_XML_TEXT, "\xed\xa0\x80", "\\xed\\xa0\\x80");
	ASSERT_ESC(NC_ESC_XML_TEXT, "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
	ASSERT_ESC(NC_ESC_XML_TEXT, "\xe2\x82", "\\xe2\\x82");
	ASSERT_ESC(NC_ESC_XML_TEXT, "\xe2\x82x", "\\xe2\\x82x");
	/* A NUL in counted text is shown, not cut. */
	ASSERT_ESC(NC_ESC_XML_TEXT, "a\0b", "a\\x00b");
	ASSERT_ESC(NC_ESC_XML_ATTR, "a\"b'c<&>\t\n\r", "a&quot;b'c&lt;&amp;&gt;&#9;&#10;&#13;");
}

static void test_escape_others(void)
{
	ASSERT_ESC(NC_ESC_HTML, "<script>alert('x')</script>&\"", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;");
	ASSERT_ESC(NC_ESC_HTML, "a\r\nb\x1b", "a\\r\nb\\x1b");
	ASSERT_ESC(NC_ESC_YAML_DQ, "q\"b\\s\tn\nr\r\x1b\xff", "q\\\"b\\\\s\\tn\\nr\\r\\\\x1b\\\\xff");
	ASSERT_ESC(NC_ESC_YAML_DQ, "\xe2\x80\xa8", "\\\\u2028");
	ASSERT_ESC(NC_ESC_YAML_LINE, "a\tb\rc\x1b#\\", "a\tb\\rc\\x1b#\\");
	ASSERT_ESC(NC_ESC_TAP_NAME, "x#1 \\ y\tz\n", "x\\#1 \\\\ y z\\\\n");
	ASSERT_ESC(NC_ESC_TAP_NAME, "inet6#2\x1b", "inet6\\#2\\\\x1b");
	ASSERT_ESC(NC_ESC_PLAIN, "<&>\x01", "<&>\\x01");
}

/* Every byte value and many random byte strings come out as clean XML. */
static void test_escape_any_bytes(void)
{
	unsigned char buf[4096];
	for (int c = 0; c < 256; c++) {
		unsigned char one[3] = { (unsigned char)c, (unsigned char)c, 'x' };
		char *out = escape(NC_ESC_XML_TEXT, (const char *)one, sizeof(one));
		CU_ASSERT(xml_clean((const unsigned char *)out, strlen(out)));
		free(out);
	}
	unsigned seed = 12345;
	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < sizeof(buf); i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = (unsigned char)(seed >> 16);
		}
		for (int m = NC_ESC_XML_TEXT; m <= NC_ESC_XML_ATTR; m++) {
			char *out = escape((enum nc_esc_mode)m, (const char *)buf, sizeof(buf));
			CU_ASSERT(xml_clean((const unsigned char *)out, strlen(out)));
			CU_ASSERT(strstr(out, "]]>") == NULL);
			CU_ASSERT(strchr(out, '<') == NULL);
			free(out);
		}
	}
}

static void test_cut(void)
{
	CU_ASSERT_EQUAL(nc_esc_cut("abc", 3, 10), 3);
	CU_ASSERT_EQUAL(nc_esc_cut("abcdef", 6, 4), 4);
	/* A newline in the second half of the limit is preferred. */
	CU_ASSERT_EQUAL(nc_esc_cut("abc\ndefgh", 9, 6), 4);
	CU_ASSERT_EQUAL(nc_esc_cut("a\nbcdefgh", 9, 6), 6);
	/* Never inside a UTF-8 sequence: "ab" + 3-byte euro sign. */
	CU_ASSERT_EQUAL(nc_esc_cut("ab\xe2\x82\xac", 5, 3), 2);
	CU_ASSERT_EQUAL(nc_esc_cut("ab\xe2\x82\xac", 5, 4), 2);
	CU_ASSERT_EQUAL(nc_esc_cut("ab\xe2\x82\xacz", 6, 5), 5);
}

static void test_formats(void)
{
	char b[64];
	CU_ASSERT_STRING_EQUAL(nc_fmt_seconds(0, b, sizeof(b)), "0.000");
	CU_ASSERT_STRING_EQUAL(nc_fmt_seconds(-5, b, sizeof(b)), "0.000");
	CU_ASSERT_STRING_EQUAL(nc_fmt_seconds(1499999, b, sizeof(b)), "0.001");
	CU_ASSERT_STRING_EQUAL(nc_fmt_seconds(1500000, b, sizeof(b)), "0.002");
	CU_ASSERT_STRING_EQUAL(nc_fmt_seconds(12345678901LL, b, sizeof(b)), "12.346");
	CU_ASSERT_STRING_EQUAL(nc_fmt_millis(3100000, b, sizeof(b)), "3.100");
	CU_ASSERT_STRING_EQUAL(nc_fmt_millis(999, b, sizeof(b)), "0.001");
	CU_ASSERT_STRING_EQUAL(nc_fmt_utc(1714564800LL * 1000000000LL + 999999999, false, b, sizeof(b)),
			       "2024-05-01T12:00:00");
	CU_ASSERT_STRING_EQUAL(nc_fmt_utc(1714564800LL * 1000000000LL, true, b, sizeof(b)),
			       "2024-05-01T12:00:00Z");
	CU_ASSERT_STRING_EQUAL(nc_fmt_utc(0, false, b, sizeof(b)), "");
}

static void test_link_relative(void)
{
	struct {
		const char *cwd, *dir, *target, *want;
	} cases[] = {
		{ "/w", ".", "reports/x.pcap", "reports/x.pcap" },
		{ "/w", "reports", "reports/pcap/x.pcap", "pcap/x.pcap" },
		{ "/w", "reports/html", "reports/pcap/x.pcap", "../pcap/x.pcap" },
		{ "/w", "/elsewhere/out", "reports/x.pcap", "../../w/reports/x.pcap" },
		{ "/w", "./a/../b/.", "b/./c/../x.pcap", "x.pcap" },
		{ "/w", "out", "/abs/x.pcap", "../../abs/x.pcap" },
		{ "/w", "out", "p/a b#c?d%e\"<f>:g.pcap", "../p/a%20b%23c%3Fd%25e%22%3Cf%3E%3Ag.pcap" },
		{ "/w", "out", "p/\xff\x1b.pcap", "../p/%FF%1B.pcap" },
		{ "/", "/", "/../../x", "x" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = nc_link_relative(cases[i].cwd, cases[i].dir, cases[i].target);
		CU_ASSERT_STRING_EQUAL(got, cases[i].want);
		if (strcmp(got, cases[i].want) != 0)
			fprintf(stderr, "\n  case %zu: got [%s] want [%s]\n", i, got, cases[i].want);
		free(got);
	}
}

/* ------------------------------------------------------------------------ */
/* Reporters */

static void test_junit_hostile(void)
{
	char *dir = make_tmpdir();
	char *xml = run_one(nc_junit_reporter, dir, "out/junit.xml", dir);
	CU_ASSERT_FATAL(xml != NULL);
	CU_ASSERT(xml_clean((const unsigned char *)xml, strlen(xml)));
	CU_ASSERT(strstr(xml, "]]>") == NULL);
	CU_ASSERT(strstr(xml, "<script") == NULL);
	CU_ASSERT(strstr(xml, "<testsuites name=\"netconform\" tests=\"8\" failures=\"2\" errors=\"2\"") != NULL);
	CU_ASSERT(strstr(xml, "<testsuite name=\"udp/hello-bye\" tests=\"3\" failures=\"1\" errors=\"0\" "
			      "skipped=\"1\" time=\"0.006\" timestamp=\"2024-05-01T12:00:00\" "
			      "hostname=\"fixture-host\" file=\"scenarios/udp/hello-bye.scn\">") != NULL);
	CU_ASSERT(strstr(xml, "<testsuite name=\"tcp/host\\xffile\" tests=\"3\" failures=\"1\" errors=\"1\"") != NULL);
	CU_ASSERT(strstr(xml, "classname=\"udp.hello-bye\" name=\"inet6#2\"") != NULL);
	/* The repeated name is made unique. */
	CU_ASSERT(strstr(xml, "name=\"in&lt;&amp;&gt;&quot;'#et\\x1b\"") != NULL);
	CU_ASSERT(strstr(xml, "name=\"in&lt;&amp;&gt;&quot;'#et\\x1b (2)\"") != NULL);
	/* Failure: location and expected/actual in the message and the body. */
	CU_ASSERT(strstr(xml, "<failure message=\"scenarios/udp/hello-bye.scn:14: expected &quot;bye&quot;, "
			      "got &quot;hellx&quot; (and 1 more)\" type=\"payload\">"
			      "scenarios/udp/hello-bye.scn:14: payload: expected \"bye\", got \"hellx\"\n") != NULL);
	CU_ASSERT(strstr(xml, "    expected (3 bytes):\n") != NULL);
	/* The error shows the harness failure, the parse error keeps its own location. */
	CU_ASSERT(strstr(xml, "<error message=\"scenarios/tcp/hostile.scn:3: timed out after 2.000 s waiting "
			      "for accept (and 1 more)\" type=\"deadline\">") != NULL);
	CU_ASSERT(strstr(xml, "<error message=\"scenarios/bad/malformed.scn:3:7: expected a port number") != NULL);
	CU_ASSERT(strstr(xml, "<skipped message=\"no IPv6 on this machine\"/>") != NULL);
	CU_ASSERT(strstr(xml, "<skipped message=\"not run: interrupted by SIGINT\" type=\"notrun\"/>") != NULL);
	CU_ASSERT(strstr(xml, "[[ATTACHMENT|pcap/tcp_hostile_1.pcap]]\n</system-out>") != NULL);
	CU_ASSERT(strstr(xml, "[netconform: truncated here") != NULL);
	/* The system-out cut keeps the attachment line after it. */
	CU_ASSERT(strstr(xml, "not shown; the limit is 64 KiB]\n[[ATTACHMENT|pcap/tcp_hostile_1.pcap]]\n"
			      "</system-out>") != NULL);
	CU_ASSERT(strstr(xml, "<property name=\"inet6:family\" value=\"inet6\"/>") != NULL);
	CU_ASSERT(strstr(xml, "<property name=\"inet:pcap\" value=\"pcap/udp_hello-bye_inet.pcap\"/>") != NULL);
	CU_ASSERT(strstr(xml, "<testsuites") < strstr(xml, "</testsuites>\n"));
	/* No testcase carries properties: junit-10.xsd forbids them there. */
	size_t ncases = 0;
	for (const char *tc = xml; (tc = strstr(tc, "<testcase ")) != NULL; tc++, ncases++) {
		const char *end = strstr(tc, "</testcase>");
		const char *props = strstr(tc, "<propert");
		CU_ASSERT(end != NULL && (props == NULL || props > end));
	}
	CU_ASSERT_EQUAL(ncases, 8);
	CU_ASSERT_EQUAL(count_entries(dir, ".tmp-"), 0);
	free(xml);
	rm_rf(dir);
	free(dir);
}

static void test_html_hostile(void)
{
	char *dir = make_tmpdir();
	char *html = run_one(nc_html_reporter, dir, "html/report.html", dir);
	CU_ASSERT_FATAL(html != NULL);
	/* Our two scripts, and nothing the results smuggled in. */
	CU_ASSERT_EQUAL(count_substr(html, "<script"), 2);
	CU_ASSERT(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL);
	CU_ASSERT(strstr(html, "://") == NULL);
	CU_ASSERT(strstr(html, "Content-Security-Policy") != NULL);
	CU_ASSERT(strstr(html, "<details id=\"v1\" class=\"v s-pass\" data-g=\"udp\"><summary>") != NULL);
	CU_ASSERT(strstr(html, "<details id=\"v2\" class=\"v s-fail\" data-g=\"udp\" open><summary>") != NULL);
	CU_ASSERT(strstr(html, "<details id=\"v6\" class=\"v s-error\" data-g=\"tcp&quot;&lt;g&gt;&amp;\" open>") != NULL);
	CU_ASSERT(strstr(html, "<details id=\"v8\" class=\"v s-notrun\" data-g=\"udp\"><summary>") != NULL);
	CU_ASSERT(strstr(html, "<span id=\"nc-total\">8</span>") != NULL);
	CU_ASSERT(strstr(html, "id=\"nc-passed\">2 passed<") != NULL);
	CU_ASSERT(strstr(html, "id=\"nc-failed\">2 failed<") != NULL);
	CU_ASSERT(strstr(html, "<a href=\"../pcap/udp_hello-bye_inet.pcap\">pcap/udp_hello-bye_inet.pcap</a>") != NULL);
	CU_ASSERT(strstr(html, "tcp/host\\xffile[in&lt;&amp;&gt;&quot;&#39;#et\\x1b]") != NULL);
	CU_ASSERT(strstr(html, "<tr class=\"bad\">") != NULL);
	CU_ASSERT(strstr(html, "never started") != NULL);
	CU_ASSERT(strstr(html, "bytes of this variant's text are not shown") != NULL);
	CU_ASSERT(strstr(html, "timeout scale 1.50") != NULL);
	CU_ASSERT(xml_clean((const unsigned char *)html, strlen(html)));
	CU_ASSERT_EQUAL(count_entries(dir, ".tmp-"), 0);
	free(html);
	rm_rf(dir);
	free(dir);
}

static void test_tap_hostile(void)
{
	char *dir = make_tmpdir();
	char *tap = run_one(nc_tap_reporter, dir, "report.tap", dir);
	CU_ASSERT_FATAL(tap != NULL);
	CU_ASSERT(strncmp(tap, "TAP version 13\n1..8\n", 20) == 0);
	CU_ASSERT(strstr(tap, "\nok 1 - udp/hello-bye[inet]\n") != NULL);
	CU_ASSERT(strstr(tap, "\nnot ok 2 - udp/hello-bye[inet6]\n  ---\n  message: \"scenarios/udp/hello-bye.scn:14: "
			      "expected \\\"bye\\\", got \\\"hellx\\\"\"\n  severity: fail\n  check: \"payload\"\n") != NULL);
	/* The detail starts with a letter: a literal block; the second
	 * failure's blank line is the block's indentation. */
	CU_ASSERT(strstr(tap, "  detail: |\n    expected (3 bytes):\n      62 79 65                 bye\n    \n"
			      "    actual (5 bytes):\n") != NULL);
	CU_ASSERT(strstr(tap, "\nok 3 - udp/hello-bye[inet6\\#2] # SKIP no IPv6 on this machine\n") != NULL);
	CU_ASSERT(strstr(tap, "\nnot ok 4 - tcp/host\\\\xffile[in<&>\"'\\#et\\\\x1b]\n") != NULL);
	CU_ASSERT(strstr(tap, "  severity: error\n  check: \"deadline\"\n") != NULL);
	CU_ASSERT(strstr(tap, "\nok 8 - udp/late[inet] # SKIP not run: interrupted by SIGINT\n") != NULL);
	CU_ASSERT(strstr(tap, "# Totals: pass:2 fail:2 xfail:0 xpass:0 skip:2 error:2\n") != NULL);
	/* Only tab and newline among the controls. */
	for (const char *p = tap; *p; p++)
		CU_ASSERT((unsigned char)*p >= 0x20 || *p == '\n' || *p == '\t');
	free(tap);
	rm_rf(dir);
	free(dir);
}

/* TAP to standard output streams, plan first from run_info.total. */
static void test_tap_stdout(void)
{
	char *dir = make_tmpdir();
	char *out = join(dir, "stdout.tap");
	fflush(stdout);
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
			_exit(3);
		struct nc_reporter rep;
		char err[256];
		if (nc_tap_reporter(&rep, "-", err, sizeof(err)) < 0)
			_exit(4);
		int rc = nc_fixture_run(&rep, 1, 0, "pcap", 0, NULL);
		rep.ops->destroy(rep.self);
		fflush(stdout);
		/* The parent's copies, freed so a leak checker following the
		 * fork sees a clean child. */
		free(out);
		free(dir);
		_exit(rc < 0 ? 5 : 0);
	}
	int st;
	CU_ASSERT_FATAL(waitpid(pid, &st, 0) == pid);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	char *tap = slurp(out);
	CU_ASSERT_FATAL(tap != NULL);
	CU_ASSERT(strncmp(tap, "TAP version 13\n1..8\n# netconform 0.1.0-fixture", 46) == 0);
	CU_ASSERT(strstr(tap, "\nok 8 - udp/late[inet] # SKIP") != NULL);
	CU_ASSERT(strstr(tap, "planned") == NULL);
	free(tap);
	free(out);
	rm_rf(dir);
	free(dir);
}

static void test_empty_run(void)
{
	char *dir = make_tmpdir();
	char *saved = getcwd(NULL, 0);
	CU_ASSERT_FATAL(chdir(dir) == 0);
	struct nc_reporter reps[3];
	char err[256];
	CU_ASSERT_FATAL(nc_junit_reporter(&reps[0], "j.xml", err, sizeof(err)) == 0);
	CU_ASSERT_FATAL(nc_html_reporter(&reps[1], "h.html", err, sizeof(err)) == 0);
	CU_ASSERT_FATAL(nc_tap_reporter(&reps[2], "t.tap", err, sizeof(err)) == 0);
	struct nc_run_totals tot = { 0 };
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(reps[i].ops->begin(reps[i].self, nc_fixture_run_info(0)), 0);
		CU_ASSERT_EQUAL(reps[i].ops->end(reps[i].self, &tot), 0);
		reps[i].ops->destroy(reps[i].self);
	}
	char *x = slurp("j.xml"), *t = slurp("t.tap"), *h = slurp("h.html");
	CU_ASSERT(x && strstr(x, "<testsuites name=\"netconform\" tests=\"0\" failures=\"0\" errors=\"0\" "
				 "time=\"0.000\">\n</testsuites>\n") != NULL);
	CU_ASSERT(t && strncmp(t, "TAP version 13\n1..0\n", 20) == 0);
	CU_ASSERT(h && strstr(h, "</html>\n") != NULL);
	free(x);
	free(t);
	free(h);
	CU_ASSERT(chdir(saved) == 0);
	free(saved);
	rm_rf(dir);
	free(dir);
}

typedef int (*make_fn)(struct nc_reporter *, const char *, char *, size_t);
static const make_fn makers[] = { nc_junit_reporter, nc_html_reporter, nc_tap_reporter };

/* Paths that cannot work fail in the constructor, with a message. */
static void test_bad_paths(void)
{
	char *dir = make_tmpdir();
	char *file = join(dir, "plain");
	FILE *f = fopen(file, "w");
	CU_ASSERT_FATAL(f != NULL);
	fclose(f);
	char *under_file = join(file, "x.xml");
	for (size_t i = 0; i < 3; i++) {
		struct nc_reporter rep;
		char err[512] = "";
		CU_ASSERT_EQUAL(makers[i](&rep, dir, err, sizeof(err)), -1);
		CU_ASSERT(strstr(err, "Is a directory") != NULL);
		err[0] = 0;
		CU_ASSERT_EQUAL(makers[i](&rep, under_file, err, sizeof(err)), -1);
		CU_ASSERT(strstr(err, "Not a directory") != NULL);
		err[0] = 0;
		CU_ASSERT_EQUAL(makers[i](&rep, "", err, sizeof(err)), -1);
		CU_ASSERT(err[0] != 0);
	}
	/* A missing directory is created. */
	char *deep = join(dir, "new/sub/r.xml");
	struct nc_reporter rep;
	char err[512];
	CU_ASSERT_EQUAL(nc_junit_reporter(&rep, deep, err, sizeof(err)), 0);
	rep.ops->destroy(rep.self);
	char *deepdir = join(dir, "new/sub");
	CU_ASSERT(nc_is_dir(deepdir));
	CU_ASSERT_EQUAL(count_entries(dir, ".tmp-"), 0);
	free(deepdir);
	free(deep);
	free(under_file);
	free(file);
	rm_rf(dir);
	free(dir);
}

/* A failed write leaves neither a temporary nor a partial report, and a
 * previous report stays as it was. */
static void test_failures_leave_nothing(void)
{
	char *dir = make_tmpdir();
	char *sub = join(dir, "sub");
	CU_ASSERT_FATAL(mkdir(sub, 0755) == 0);
	for (size_t i = 0; i < 3; i++) {
		char *target = join(sub, "r.out");
		struct nc_reporter rep;
		char err[512];
		CU_ASSERT_FATAL(makers[i](&rep, target, err, sizeof(err)) == 0);
		/* The directory disappears during the run. */
		rm_rf(sub);
		CU_ASSERT_EQUAL(nc_fixture_run(&rep, 1, 0, "pcap", 0, NULL), -1);
		rep.ops->destroy(rep.self);
		CU_ASSERT_EQUAL(count_entries(dir, ".tmp-"), 0);
		CU_ASSERT(!nc_is_file(target));
		CU_ASSERT_FATAL(mkdir(sub, 0755) == 0);
		free(target);
	}
	/* A device target is written in place (never renamed over), and
	 * its write error is reported. */
	for (size_t i = 0; i < 3; i++) {
		struct nc_reporter rep;
		char err[512];
		CU_ASSERT_FATAL(makers[i](&rep, "/dev/full", err, sizeof(err)) == 0);
		CU_ASSERT_EQUAL(nc_fixture_run(&rep, 1, 0, "pcap", 0, NULL), -1);
		rep.ops->destroy(rep.self);
	}
	struct stat st;
	CU_ASSERT(stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode));
	/* Destroyed without end(): nothing is written, nothing remains. */
	char *target = join(sub, "never.xml");
	for (size_t i = 0; i < 3; i++) {
		struct nc_reporter rep;
		char err[512];
		CU_ASSERT_FATAL(makers[i](&rep, target, err, sizeof(err)) == 0);
		CU_ASSERT_EQUAL(rep.ops->begin(rep.self, nc_fixture_run_info(1)), 0);
		rep.ops->destroy(rep.self);
	}
	CU_ASSERT(!nc_is_file(target));
	CU_ASSERT_EQUAL(count_entries(dir, ".tmp-"), 0);
	free(target);
	free(sub);
	rm_rf(dir);
	free(dir);
}

/* The new report replaces the old one whole, with the usual permissions. */
static void test_atomic_replace(void)
{
	char *dir = make_tmpdir();
	char *target = join(dir, "junit.xml");
	FILE *f = fopen(target, "w");
	CU_ASSERT_FATAL(f != NULL);
	fputs("OLD", f);
	fclose(f);
	mode_t old = umask(022);
	struct nc_reporter rep;
	char err[512];
	CU_ASSERT_FATAL(nc_junit_reporter(&rep, target, err, sizeof(err)) == 0);
	CU_ASSERT_EQUAL(nc_fixture_run(&rep, 1, 0, "pcap", 0, NULL), 0);
	rep.ops->destroy(rep.self);
	umask(old);
	char *x = slurp(target);
	CU_ASSERT(x && strncmp(x, "<?xml", 5) == 0);
	free(x);
	struct stat st;
	CU_ASSERT(stat(target, &st) == 0 && (st.st_mode & 0777) == 0644);
	CU_ASSERT_EQUAL(count_entries(dir, ".tmp-"), 0);
	free(target);
	rm_rf(dir);
	free(dir);
}

/* A symbolic link at the path is replaced by the report, not followed:
 * the file it named keeps its contents, and a dangling link is replaced
 * too. */
static void test_symlink_target(void)
{
	char *dir = make_tmpdir();
	char *real = join(dir, "run-5.xml"), *link = join(dir, "latest.xml");
	char *dangling = join(dir, "dangling.xml");
	FILE *f = fopen(real, "w");
	CU_ASSERT_FATAL(f != NULL);
	fputs("OLD", f);
	fclose(f);
	CU_ASSERT_FATAL(symlink("run-5.xml", link) == 0);
	CU_ASSERT_FATAL(symlink("nowhere/x.xml", dangling) == 0);
	const char *targets[] = { link, dangling };
	for (size_t i = 0; i < 2; i++) {
		struct nc_reporter rep;
		char err[512];
		CU_ASSERT_FATAL(nc_junit_reporter(&rep, targets[i], err, sizeof(err)) == 0);
		CU_ASSERT_EQUAL(nc_fixture_run(&rep, 1, 0, "pcap", 0, NULL), 0);
		rep.ops->destroy(rep.self);
		struct stat st;
		CU_ASSERT(lstat(targets[i], &st) == 0 && S_ISREG(st.st_mode));
		char *x = slurp(targets[i]);
		CU_ASSERT(x && strncmp(x, "<?xml", 5) == 0);
		free(x);
	}
	char *x = slurp(real);
	CU_ASSERT(x && strcmp(x, "OLD") == 0);
	free(x);
	CU_ASSERT_EQUAL(count_entries(dir, ".tmp-"), 0);
	free(real);
	free(link);
	free(dangling);
	rm_rf(dir);
	free(dir);
}

/* Targets that are not files: one of our own descriptors is written after
 * what it holds, never truncated or renamed over; a FIFO without a reader
 * is an error at once, not a wait; a link to a device is written through. */
static void test_device_targets(void)
{
	char *dir = make_tmpdir();
	char *file = join(dir, "out.txt");
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, "HEAD\n", 5) == 5);
	char path[64];
	snprintf(path, sizeof(path), "/dev/fd/%d", fd);
	for (size_t i = 0; i < 3; i++) {
		struct nc_reporter rep;
		char err[512];
		CU_ASSERT_FATAL(makers[i](&rep, path, err, sizeof(err)) == 0);
		CU_ASSERT_EQUAL(nc_fixture_run(&rep, 1, 0, "pcap", 0, NULL), 0);
		rep.ops->destroy(rep.self);
	}
	/* Still open, and still ours. */
	CU_ASSERT(fcntl(fd, F_GETFD) >= 0);
	close(fd);
	char *x = slurp(file);
	CU_ASSERT(x && strncmp(x, "HEAD\n<?xml", 10) == 0);
	CU_ASSERT(x && strstr(x, "</testsuites>") && strstr(x, "</html>") && strstr(x, "TAP version 13"));
	free(x);
	/* A descriptor that is not open is refused before the run. */
	struct nc_reporter rep;
	char err[512];
	CU_ASSERT_EQUAL(nc_junit_reporter(&rep, "/dev/fd/999", err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "cannot write /dev/fd/999: Bad file descriptor");

	char *fifo = join(dir, "pipe.xml");
	CU_ASSERT_FATAL(mkfifo(fifo, 0600) == 0);
	CU_ASSERT_FATAL(nc_junit_reporter(&rep, fifo, err, sizeof(err)) == 0);
	CU_ASSERT_EQUAL(nc_fixture_run(&rep, 1, 0, "pcap", 0, NULL), -1);
	rep.ops->destroy(rep.self);
	struct stat st;
	CU_ASSERT(lstat(fifo, &st) == 0 && S_ISFIFO(st.st_mode));

	char *null = join(dir, "null.xml");
	CU_ASSERT_FATAL(symlink("/dev/null", null) == 0);
	CU_ASSERT_FATAL(nc_junit_reporter(&rep, null, err, sizeof(err)) == 0);
	CU_ASSERT_EQUAL(nc_fixture_run(&rep, 1, 0, "pcap", 0, NULL), 0);
	rep.ops->destroy(rep.self);
	CU_ASSERT(lstat(null, &st) == 0 && S_ISLNK(st.st_mode));
	CU_ASSERT_EQUAL(count_entries(dir, ".tmp-"), 0);
	free(null);
	free(fifo);
	free(file);
	rm_rf(dir);
	free(dir);
}


/* The console escapes everything that comes from outside: on the hostile
 * run (C0, DEL, C1, U+FFFE, invalid UTF-8, CR in names, messages, details,
 * outputs and packet lines), verbose so every block is shown, its output
 * holds no control byte but newline and tab, no C1 control, no U+2028 and
 * only valid UTF-8. */
static void test_console_hostile(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	CU_ASSERT_FATAL(out != NULL);
	struct nc_console_opts o = { .out = out, .verbose = true, .color = 0 };
	struct nc_reporter rep;
	CU_ASSERT_FATAL(nc_console_reporter(&rep, &o) == 0);
	CU_ASSERT_EQUAL(nc_fixture_run(&rep, 1, 0, "pcap", 0, NULL), 0);
	rep.ops->destroy(rep.self);
	fclose(out);
	CU_ASSERT(len > 1000);
	const unsigned char *p = (const unsigned char *)text;
	size_t bad = 0;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = nc_utf8_decode(p + i, len - i, &cp);
		if (n == 0 || (cp < 0x20 && cp != '\n' && cp != '\t') || cp == 0x7F ||
		    (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029) {
			if (!bad++)
				fprintf(stderr, "\n  raw byte 0x%02x at %zu: ...%.40s\n", p[i], i,
					text + (i > 40 ? i - 40 : 0));
			n = n ? n : 1;
		}
		i += n;
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* The escaped forms are there instead. */
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\\x1b"));
	free(text);

	/* A console whose output fails says so and fails its end(). */
	FILE *full = fopen("/dev/full", "w");
	if (full) {
		o.out = full;
		o.verbose = false;
		CU_ASSERT_FATAL(nc_console_reporter(&rep, &o) == 0);
		CU_ASSERT_EQUAL(nc_fixture_run(&rep, 1, 0, "pcap", 0, NULL), -1);
		rep.ops->destroy(rep.self);
		fclose(full);
	}
}

/* A reporter stub whose begin() or end() fails on request. */
struct stub {
	int fail_begin, fail_end;
	size_t variants, ends;
};
static int stub_begin(void *self, const struct nc_run_info *run)
{
	(void)run;
	return ((struct stub *)self)->fail_begin ? -1 : 0;
}
static int stub_variant(void *self, const struct nc_result *r)
{
	(void)r;
	((struct stub *)self)->variants++;
	return 0;
}
static int stub_end(void *self, const struct nc_run_totals *t)
{
	(void)t;
	struct stub *s = self;
	s->ends++;
	return s->fail_end ? -1 : 0;
}
static void stub_destroy(void *self)
{
	(void)self;
}
static const struct nc_reporter_ops stub_ops = {
	"stub", stub_begin, NULL, stub_variant, stub_end, stub_destroy,
};

/* The fanout drives every reporter, drops one whose begin() failed, and
 * counts reporters that failed and results that lost an artifact. */
static void test_fanout(void)
{
	struct stub ok = { 0 }, bad_begin = { .fail_begin = 1 }, bad_end = { .fail_end = 1 };
	struct nc_reporter reps[] = { { &stub_ops, &ok }, { &stub_ops, &bad_begin },
				      { &stub_ops, &bad_end } };
	struct nc_report_outcome oc;
	struct nc_reporter all;
	nc_fanout_reporter(&all, reps, 3, &oc);
	CU_ASSERT_EQUAL(all.ops->begin(all.self, nc_fixture_run_info(3)), 0);
	const enum nc_status st[] = { NC_STATUS_PASS, NC_STATUS_FAIL, NC_STATUS_NOTRUN };
	for (size_t i = 0; i < 3; i++) {
		struct nc_result r;
		nc_result_init(&r);
		r.status = st[i];
		if (i == 0)
			r.artifact_error = strdup("cannot write reports/pcap/x.pcap: No space left on device");
		CU_ASSERT_EQUAL(all.ops->variant(all.self, &r), 0);
		nc_result_free(&r);
	}
	struct nc_run_totals t = { 0 };
	CU_ASSERT_EQUAL(all.ops->end(all.self, &t), -1);
	all.ops->destroy(all.self);
	CU_ASSERT_EQUAL(ok.variants, 3);
	CU_ASSERT_EQUAL(ok.ends, 1);
	CU_ASSERT_EQUAL(bad_begin.variants, 0);
	CU_ASSERT_EQUAL(bad_begin.ends, 0);
	CU_ASSERT_EQUAL(bad_end.ends, 1);
	CU_ASSERT_EQUAL(oc.reports_failed, 2);
	CU_ASSERT_EQUAL(oc.artifacts_failed, 1);
	CU_ASSERT_EQUAL(oc.counts.passed, 1);
	CU_ASSERT_EQUAL(oc.counts.failed, 1);
	CU_ASSERT_EQUAL(oc.counts.notrun, 1);
}

void nc_unit_register(void)
{
	static const struct nc_unit_test escaping[] = {
		{ "xml", test_escape_xml },
		{ "html_yaml_tap", test_escape_others },
		{ "any_bytes", test_escape_any_bytes },
		{ "cut", test_cut },
		{ "formats", test_formats },
		{ "link_relative", test_link_relative },
		{ NULL, NULL },
	};
	static const struct nc_unit_test reporters[] = {
		{ "junit_hostile", test_junit_hostile },
		{ "html_hostile", test_html_hostile },
		{ "tap_hostile", test_tap_hostile },
		{ "tap_stdout", test_tap_stdout },
		{ "empty_run", test_empty_run },
		{ "bad_paths", test_bad_paths },
		{ "failures_leave_nothing", test_failures_leave_nothing },
		{ "atomic_replace", test_atomic_replace },
		{ "symlink_target", test_symlink_target },
		{ "device_targets", test_device_targets },
		{ "console_hostile", test_console_hostile },
		{ "fanout", test_fanout },
		{ NULL, NULL },
	};
	nc_unit_suite("escaping", escaping);
	nc_unit_suite("reporters", reporters);
}
