/* test_fixtures.c: fixture files are held once per scenario, and what a
 * scenario's payloads hold is bounded by its payload budget.
 *
 * The fixtures are made at test time in a temporary directory, never
 * committed: a 1 MiB file that thousands of steps send, a set of distinct
 * files past a lowered budget, and a sparse file too large to be read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "scenario/payload.h"
#include "scenario/tests/scn_test.h"
#include "util/buf.h"

#define MIB (1u << 20)
#define STEPS 3000

static char dir[96];

/* Peak resident memory of this process so far, in bytes. */
static uint64_t peak_rss(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)ru.ru_maxrss * 1024;
}

/* Writes n pseudo-random bytes (from seed) to dir/name. */
static void make_file(const char *name, size_t n, unsigned seed)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	uint32_t x = seed * 2654435761u + 1;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		fputc((int)(x & 0xff), f);
	}
	CU_ASSERT_EQUAL(fclose(f), 0);
}

static int setup(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/nc-fixtures-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Parses text as the file dir/t.scn with the given budget (0: default). */
static struct nc_scenario *parse_in_dir(const struct nc_buf *text, uint64_t budget,
					struct nc_diag *d)
{
	char path[128];
	struct nc_parse_opts opts = { .payload_budget = budget };
	snprintf(path, sizeof(path), "%s/t.scn", dir);
	return nc_scenario_parse_opts(path, "t", "", (const char *)text->data, text->len, &opts, d);
}

static void test_held_once(void)
{
	make_file("big.bin", MIB, 1);
	struct nc_buf text;
	nc_buf_init(&text, 0);
	nc_buf_printf(&text, "scenario t\ntransport tcp\nclient\n  connect server\n");
	/* Three spellings of one file (relative, with './', absolute): still
	 * one file. */
	for (int i = 0; i < STEPS; i++) {
		if (i % 3 == 2)
			nc_buf_printf(&text, "  sendall file %s/big.bin\n", dir);
		else
			nc_buf_printf(&text, "  sendall file %s\n", i % 3 ? "./big.bin" : "big.bin");
	}
	nc_buf_printf(&text, "server\n  accept\n  recv 64 => prefix file big.bin\n");

	uint64_t before = peak_rss();
	struct nc_diag d;
	struct nc_scenario *s = parse_in_dir(&text, 0, &d);
	uint64_t grown = peak_rss() - before;
	nc_buf_free(&text);
	if (!s) {
		char buf[1400];
		CU_assertImplementation(CU_FALSE, __LINE__, nc_diag_format(&d, buf, sizeof(buf)),
					__FILE__, "", CU_TRUE);
		return;
	}
	/* Held once: one fixture, 1 MiB of payload memory, every step and the
	 * expectation pointing at the same bytes. */
	CU_ASSERT_EQUAL(s->nfixtures, 1);
	CU_ASSERT_EQUAL(nc_scenario_payload_bytes(s), MIB);
	const struct nc_role *c = &s->role[NC_ROLE_CLIENT];
	CU_ASSERT_EQUAL_FATAL(c->nsteps, STEPS + 1);
	const uint8_t *bytes = s->fixtures[0].data;
	size_t same = 0;
	for (size_t i = 1; i < c->nsteps; i++)
		same += c->steps[i].payload.text.nparts == 1 &&
			c->steps[i].payload.text.parts[0].bytes == bytes &&
			c->steps[i].payload.text.parts[0].len == MIB;
	CU_ASSERT_EQUAL(same, STEPS);
	CU_ASSERT(s->role[NC_ROLE_SERVER].steps[1].expect.payload.text.parts[0].bytes == bytes);
	/* The parse never held more than a few copies, not one per step
	 * (which would be 3000 MiB). */
	CU_ASSERT(grown < 32ull * MIB);

	/* At run time the bytes are served from the fixture, not copied. */
	struct nc_payload_gen g;
	uint8_t head[16];
	CU_ASSERT_EQUAL_FATAL(nc_payload_open(&g, &c->steps[STEPS].payload, NULL, NULL), 0);
	CU_ASSERT_EQUAL(g.len, MIB);
	CU_ASSERT(g.data == bytes);
	CU_ASSERT_EQUAL(nc_payload_read(&g, head, sizeof(head)), sizeof(head));
	CU_ASSERT(memcmp(head, bytes, sizeof(head)) == 0);
	nc_payload_close(&g);
	nc_scenario_free(s);
}

/* Four distinct 1 MiB files fit a 4 MiB budget however often they are
 * sent; a fifth does not, and the error names it, its line and the budget. */
static void test_budget(void)
{
	char name[32], want[1024], buf[1400];
	struct nc_buf text;
	struct nc_diag d;
	for (unsigned i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "f%u.bin", i);
		make_file(name, MIB, 10 + i);
	}
	nc_buf_init(&text, 0);
	nc_buf_printf(&text, "scenario t\ntransport tcp\nclient\n  connect 127.0.0.1:9\n");
	for (int round = 0; round < 50; round++)
		for (unsigned i = 0; i < 4; i++)
			nc_buf_printf(&text, "  sendall file f%u.bin\n", i);
	struct nc_scenario *s = parse_in_dir(&text, 4 * MIB, &d);
	CU_ASSERT_PTR_NOT_NULL(s);
	if (s)
		CU_ASSERT_EQUAL(nc_scenario_payload_bytes(s), 4 * MIB);
	nc_scenario_free(s);

	nc_buf_printf(&text, "  sendall file f4.bin\n");
	CU_ASSERT_PTR_NULL(parse_in_dir(&text, 4 * MIB, &d));
	CU_ASSERT_EQUAL(d.code, NC_DIAG_LIMIT);
	snprintf(want, sizeof(want), "%s/t.scn:205:16: fixture file '%s/f4.bin' (1 MiB) would take "
		 "the payloads this scenario holds in memory past their budget of 4 MiB (4 MiB "
		 "held already; each fixture file counts once; generate large payloads with random "
		 "or repeat) (while parsing step 'sendall' at 205:3)", dir, dir);
	ASSERT_STR(nc_diag_format(&d, buf, sizeof(buf)), want);

	/* The default budget takes all five. */
	s = parse_in_dir(&text, 0, &d);
	CU_ASSERT_PTR_NOT_NULL(s);
	nc_scenario_free(s);
	nc_buf_free(&text);
}

/* Literal payloads count too, and a file that cannot fit is refused by its
 * size, before it is read. */
static void test_budget_literal_and_unread(void)
{
	char path[128], want[1024], buf[1400];
	struct nc_buf text;
	struct nc_diag d;
	nc_buf_init(&text, 0);
	nc_buf_printf(&text, "scenario t\ntransport udp\nclient\n  sendto \"0123456789\" unused\n"
		      "  sendto hex 00 01 02 03 04 05 unused\n");
	struct nc_scenario *s = parse_in_dir(&text, 16, &d);
	CU_ASSERT_PTR_NOT_NULL(s);
	if (s)
		CU_ASSERT_EQUAL(nc_scenario_payload_bytes(s), 16);
	nc_scenario_free(s);
	nc_buf_printf(&text, "  sendto \"!\" unused\n");
	CU_ASSERT_PTR_NULL(parse_in_dir(&text, 16, &d));
	snprintf(want, sizeof(want), "%s/t.scn:6:10: this payload (1 byte) would take the "
		 "payloads this scenario holds in memory past their budget of 16 bytes (16 bytes "
		 "held already; each fixture file counts once; generate large payloads with random "
		 "or repeat) (while parsing step 'sendto' at 6:3)", dir);
	ASSERT_STR(nc_diag_format(&d, buf, sizeof(buf)), want);

	/* 60 MiB that take no disk: reading them would show in the peak. */
	snprintf(path, sizeof(path), "%s/sparse.bin", dir);
	FILE *f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(ftruncate(fileno(f), 60 * MIB), 0);
	fclose(f);
	nc_buf_reset(&text);
	nc_buf_printf(&text, "scenario t\ntransport tcp\nclient\n  sendall file sparse.bin\n");
	uint64_t before = peak_rss();
	CU_ASSERT_PTR_NULL(parse_in_dir(&text, 4 * MIB, &d));
	CU_ASSERT(peak_rss() - before < 16ull * MIB);
	CU_ASSERT_EQUAL(d.code, NC_DIAG_LIMIT);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "(60 MiB) would take the payloads"));
	nc_buf_free(&text);
}

void scn_register_fixtures(void)
{
	CU_pSuite suite = CU_add_suite("fixtures and payload budget", setup, teardown);
	CU_add_test(suite, "a file used by many steps is held once", test_held_once);
	CU_add_test(suite, "distinct files past the budget", test_budget);
	CU_add_test(suite, "literal payloads, and files refused unread", test_budget_literal_and_unread);
}
