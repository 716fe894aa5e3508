/* test_lexer.c: bytes and lines: encodings, line endings, limits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario/tests/scn_test.h"

#define UDP_SERVER "scenario t\ntransport udp\nserver\n"

static void test_crlf_and_tabs(void)
{
	struct nc_scenario *s = PARSE_OK("scenario\tt\r\ntransport udp\r\n\r\nserver\r\n"
					 "\tbind\tloopback:0\t# comment\r\n"
					 "\trecvfrom 10 => \"a\tb\"\r\n");
	if (!s)
		return;
	CU_ASSERT_STRING_EQUAL(s->name, "t");
	CU_ASSERT_EQUAL(s->role[NC_ROLE_SERVER].nsteps, 2);
	CU_ASSERT_STRING_EQUAL(s->role[NC_ROLE_SERVER].steps[0].text, "bind\tloopback:0");
	CU_ASSERT_EQUAL(s->role[NC_ROLE_SERVER].steps[1].expect.payload.text.parts[0].len, 3);
	nc_scenario_free(s);
	/* The last line may end without a line break, with or without CR. */
	s = PARSE_OK(UDP_SERVER "  close\r");
	nc_scenario_free(s);
	s = PARSE_OK(UDP_SERVER "  close");
	nc_scenario_free(s);
}

static void test_lone_cr(void)
{
	ASSERT_ERR("scenario t\rtransport udp\n",
		   "1:11: carriage return (0x0d) in the middle of a line (lines end with \\n or "
		   "\\r\\n)");
	/* In a comment too: with old Mac line endings, the whole file would
	 * otherwise be one comment. */
	ASSERT_ERR("# a comment\rscenario t\rtransport udp\r",
		   "1:12: carriage return (0x0d) in the middle of a line (lines end with \\n or "
		   "\\r\\n)");
	ASSERT_ERR("scenario t\ntransport udp\nserver\n  send \"a\rb\"\n",
		   "4:10: carriage return (0x0d) in the middle of a line (lines end with \\n or "
		   "\\r\\n); write it as \\r inside a string");
}

static void test_control_bytes(void)
{
	ASSERT_ERR("scenario t\ntransport\fudp\n",
		   "2:10: unexpected control character 0x0c (scenario files are text; separate "
		   "words with spaces or tabs)");
	ASSERT_ERR(UDP_SERVER "  send \"a\x01\"\n",
		   "4:10: control character 0x01 in a string (write it as an escape, like \\x01)");
	ASSERT_ERR(UDP_SERVER "  send \"a\x7f\"\n",
		   "4:10: control character 0x7f in a string (write it as an escape, like \\x7f)");
	/* Comments may hold anything but NUL and invalid UTF-8. */
	struct nc_scenario *s = PARSE_OK(UDP_SERVER "  close # \x01\x7f\x1b[0m\n");
	nc_scenario_free(s);
}

static void test_nul(void)
{
	ASSERT_ERR("scenario t\ntransport udp\0\n",
		   "2:14: unexpected NUL byte (scenario files are text)");
	ASSERT_ERR("scenario t\n# a comment \0 too\n",
		   "2:13: unexpected NUL byte (scenario files are text)");
	ASSERT_ERR("\0", "1:1: unexpected NUL byte (scenario files are text)");
}

static void test_utf8(void)
{
	/* Valid UTF-8 in comments, strings and program arguments. */
	struct nc_scenario *s = PARSE_OK("# café ☕ 𝄞\nscenario t\ndescription \"naïve ☕\"\n"
					 "transport udp\nserver\n  bind loopback:0\n"
					 "  recvfrom 100 => \"€\"\n");
	if (s) {
		CU_ASSERT_STRING_EQUAL(s->description, "naïve ☕");
		CU_ASSERT_EQUAL(s->role[0].steps[1].expect.payload.text.parts[0].len, 3);
		nc_scenario_free(s);
	}
	const char *tail = " (scenario files are UTF-8 text; write binary bytes as \\xHH "
			   "escapes or with 'hex')";
	char want[512];
	snprintf(want, sizeof(want), "%s:1:3: invalid UTF-8: impossible byte 0xff%s",
		 SCN_TEST_PATH, tail);
	ASSERT_STR(PARSE_ERR("# \xff\n"), want);
	snprintf(want, sizeof(want), "%s:1:3: invalid UTF-8: stray continuation byte 0x80%s",
		 SCN_TEST_PATH, tail);
	ASSERT_STR(PARSE_ERR("# \x80\n"), want);
	snprintf(want, sizeof(want), "%s:1:3: invalid UTF-8: incomplete sequence at byte 0xc3%s",
		 SCN_TEST_PATH, tail);
	ASSERT_STR(PARSE_ERR("# \xc3\n"), want);
	ASSERT_STR(PARSE_ERR("# \xc3"), want);
	snprintf(want, sizeof(want), "%s:1:3: invalid UTF-8: impossible byte 0xc0%s",
		 SCN_TEST_PATH, tail);
	ASSERT_STR(PARSE_ERR("# \xc0\xaf\n"), want);
	snprintf(want, sizeof(want), "%s:1:3: invalid UTF-8: overlong encoding at byte 0xe0%s",
		 SCN_TEST_PATH, tail);
	ASSERT_STR(PARSE_ERR("# \xe0\x80\xaf\n"), want);
	snprintf(want, sizeof(want), "%s:1:3: invalid UTF-8: encoded UTF-16 surrogate at byte "
		 "0xed%s", SCN_TEST_PATH, tail);
	ASSERT_STR(PARSE_ERR("# \xed\xa0\x80\n"), want);
	snprintf(want, sizeof(want), "%s:1:3: invalid UTF-8: code point above U+10FFFF at byte "
		 "0xf4%s", SCN_TEST_PATH, tail);
	ASSERT_STR(PARSE_ERR("# \xf4\x90\x80\x80\n"), want);
	snprintf(want, sizeof(want), "%s:4:11: invalid UTF-8: incomplete sequence at byte "
		 "0xe2%s", SCN_TEST_PATH, tail);
	ASSERT_STR(PARSE_ERR(UDP_SERVER "  send \"ab\xe2\x82\"\n"), want);
}

static void test_bom_and_lookalikes(void)
{
	struct nc_scenario *s = PARSE_OK("\xef\xbb\xbfscenario t\ntransport udp\nserver\n  close\n");
	nc_scenario_free(s);
	ASSERT_ERR(UDP_SERVER "  send \xe2\x80\x9chello\xe2\x80\x9d\n",
		   "4:8: typographic quote U+201C instead of a plain double quote '\"' (strings "
		   "are written \"like this\")");
	ASSERT_ERR(UDP_SERVER "  close\xc2\xa0now\n",
		   "4:8: non-breaking space U+00A0 between words (separate words with plain "
		   "spaces or tabs)");
	/* A word that ends the file with a multi-byte character. */
	s = PARSE_OK("scenario t\ntransport udp\nserver exec caf\xc3\xa9");
	nc_scenario_free(s);
	ASSERT_ERR("scenario t\n\xef\xbb\xbftransport udp\n",
		   "2:1: byte order mark U+FEFF inside a line (only the start of the file may "
		   "carry one)");
}

static void test_strings(void)
{
	ASSERT_ERR(UDP_SERVER "  send \"abc\n",
		   "4:8: unterminated string (the closing quote is missing; a string must end "
		   "on the line it starts)");
	ASSERT_ERR(UDP_SERVER "  send \"abc\\\"\n",
		   "4:8: unterminated string (the closing quote is missing; a string must end "
		   "on the line it starts)");
	ASSERT_ERR(UDP_SERVER "  send \"a\"b\n", "4:11: expected a space after the closing quote");
	ASSERT_ERR(UDP_SERVER "  send a\"b\"\n",
		   "4:9: unexpected quote inside a word (put a space before the string)");
	/* '#' inside a string is text; right after one, it starts a comment. */
	struct nc_scenario *s = PARSE_OK(UDP_SERVER "  bind loopback:0\n"
					 "  recvfrom 10 => \"#1\"# comment\n");
	if (s) {
		CU_ASSERT_EQUAL(s->role[0].steps[1].expect.payload.text.parts[0].len, 2);
		nc_scenario_free(s);
	}
}

static void test_limits(void)
{
	/* A line of exactly 8192 bytes is fine; one more byte is not. */
	size_t n = 8192;
	char *text = malloc(64 + n + 2);
	int k = snprintf(text, 64, "scenario t\ntransport udp\nserver\n  close #");
	memset(text + k, 'x', n - 9);
	strcpy(text + k + n - 9, "\n");
	struct nc_scenario *s = PARSE_OK(text);
	nc_scenario_free(s);
	memset(text + k, 'x', n - 8);
	strcpy(text + k + n - 8, "\n");
	char want[256];
	snprintf(want, sizeof(want), "%s:4:8193: line too long (8193 bytes; the limit is 8192; "
		 "put large payloads in a file and use 'file PATH')", SCN_TEST_PATH);
	ASSERT_STR(scn_parse_err(text, strlen(text), __LINE__, __FILE__), want);
	free(text);

	/* 257 words on one line: "keywords" and 256 keywords; the last one,
	 * at column 8 + 2 * 256, is one too many. */
	text = malloc(64 + 257 * 2);
	k = snprintf(text, 64, "scenario t\ntransport udp\nkeywords");
	for (int i = 0; i < 256; i++)
		k += sprintf(text + k, " k");
	snprintf(want, sizeof(want), "%s:3:520: too many words on one line (the limit is 256)",
		 SCN_TEST_PATH);
	ASSERT_STR(scn_parse_err(text, (size_t)k, __LINE__, __FILE__), want);
	free(text);
}

/* Writes a scenario of exactly `size` bytes (comment lines after a valid
 * header) to a temporary file and returns its path, which the caller
 * unlinks and frees. */
static char *big_file(size_t size)
{
	char *path = strdup("/tmp/nc-scenario-test-XXXXXX");
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	const char *head = "scenario big\ntransport udp\nserver\n  close\n";
	fputs(head, f);
	size_t left = size - strlen(head);
	while (left > 0) {
		size_t line = left > 1000 ? 1000 : left;
		if (line == 1) {
			fputc('\n', f);
		} else {
			fputc('#', f);
			for (size_t i = 0; i < line - 2; i++)
				fputc('.', f);
			fputc('\n', f);
		}
		left -= line;
	}
	fclose(f);
	return path;
}

static void test_file_size(void)
{
	struct nc_diag d;
	char buf[1400], want[256];
	char *path = big_file(NC_SCENARIO_MAX_BYTES);
	struct nc_scenario *s = nc_scenario_load(path, "big", "tmp", &d);
	CU_ASSERT_PTR_NOT_NULL(s);
	nc_scenario_free(s);
	unlink(path);
	free(path);

	path = big_file(NC_SCENARIO_MAX_BYTES + 1);
	s = nc_scenario_load(path, "big", "tmp", &d);
	CU_ASSERT_PTR_NULL(s);
	snprintf(want, sizeof(want), "%s: scenario file too large (the limit is 1024 KiB)", path);
	ASSERT_STR(nc_diag_format(&d, buf, sizeof(buf)), want);
	unlink(path);
	free(path);

	/* The same limit holds for text handed to nc_scenario_parse. */
	char *text = calloc(1, NC_SCENARIO_MAX_BYTES + 2);
	memset(text, '\n', NC_SCENARIO_MAX_BYTES + 1);
	snprintf(want, sizeof(want), "%s: scenario file too large (1048577 bytes; the limit is "
		 "1024 KiB)", SCN_TEST_PATH);
	ASSERT_STR(scn_parse_err(text, NC_SCENARIO_MAX_BYTES + 1, __LINE__, __FILE__), want);
	free(text);

	s = nc_scenario_load("fixtures/parse/no-such-file.scn", "x", "x", &d);
	CU_ASSERT_PTR_NULL(s);
	ASSERT_STR(nc_diag_format(&d, buf, sizeof(buf)),
		   "fixtures/parse/no-such-file.scn: cannot read scenario file: No such file or "
		   "directory");
}

static void test_empty(void)
{
	ASSERT_ERR("", "1:1: empty scenario file (expected 'scenario NAME' as the first line)");
	ASSERT_ERR("# one\n\n   # two\n",
		   "1:1: no 'scenario NAME' line: the file has only comments and blank lines");
}

void scn_register_lexer(void)
{
	static const struct nc_unit_test tests[] = {
		{ "crlf and tabs", test_crlf_and_tabs },
		{ "lone carriage return", test_lone_cr },
		{ "control bytes", test_control_bytes },
		{ "NUL bytes", test_nul },
		{ "UTF-8", test_utf8 },
		{ "byte order mark and lookalikes", test_bom_and_lookalikes },
		{ "strings", test_strings },
		{ "line limits", test_limits },
		{ "file size", test_file_size },
		{ "empty files", test_empty },
		{ NULL, NULL },
	};
	nc_unit_suite("lexer", tests);
}
