/* test_golden.c: every fixtures/wire/NAME.pcap with a NAME.txt next to it
 * must dump (nc_wire_dump_pcap) to exactly that text.
 *
 * With NC_GOLDEN_UPDATE=1 in the environment the .txt files are rewritten
 * instead, and the test passes; review the diff before committing it. The
 * program runs from the source root (ctest's working directory), or from
 * wherever NC_SOURCE_DIR points.
 */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/cunit_main.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/text.h"
#include "wire/dumpfile.h"
#include "wire/tests/test_wire.h"

#define GOLDEN_DIR "fixtures/wire"
#define GOLDEN_MAX (16u << 20)

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Returns the next line of text at *pos (without its newline) and moves
 * *pos past it; NULL at the end. */
static const char *next_line(const char *text, size_t len, size_t *pos, size_t *n)
{
	if (*pos >= len)
		return NULL;
	const char *start = text + *pos;
	const char *nl = memchr(start, '\n', len - *pos);
	*n = nl ? (size_t)(nl - start) : len - *pos;
	*pos += *n + (nl ? 1 : 0);
	return start;
}

/* Prints the lines that differ (each line is one packet, so comparing
 * line by line is the useful diff), at most 20 of them. */
static void print_diff(const char *name, const struct nc_buf *want, const struct nc_buf *got)
{
	fprintf(stderr, "\n%s: the dump differs from the golden file (- expected, + actual):\n",
		name);
	size_t pw = 0, pg = 0, nw = 0, ng = 0, line = 0, shown = 0;
	for (;;) {
		const char *w = next_line((const char *)want->data, want->len, &pw, &nw);
		const char *g = next_line((const char *)got->data, got->len, &pg, &ng);
		if (!w && !g)
			break;
		line++;
		if (w && g && nw == ng && memcmp(w, g, nw) == 0)
			continue;
		if (shown++ == 20) {
			fprintf(stderr, "  ...\n");
			break;
		}
		fprintf(stderr, "  line %zu:\n", line);
		if (w)
			fprintf(stderr, "  - %.*s\n", (int)nw, w);
		if (g)
			fprintf(stderr, "  + %.*s\n", (int)ng, g);
	}
	if (want->len > 0 && want->data[want->len - 1] != '\n')
		fprintf(stderr, "  (the golden file does not end with a newline)\n");
	fprintf(stderr, "  regenerate with NC_GOLDEN_UPDATE=1 after checking the change\n");
}

static bool check_one(const char *dir, const char *pcap, bool update)
{
	char *pcap_path = nc_path_join(dir, pcap);
	size_t base = strlen(pcap) - strlen(".pcap");
	char *txt = nc_xmalloc(base + 5);
	memcpy(txt, pcap, base);
	memcpy(txt + base, ".txt", 5);
	char *txt_path = nc_path_join(dir, txt);
	bool ok = false;
	struct nc_buf want, got;
	nc_buf_init(&want, GOLDEN_MAX);
	nc_buf_init(&got, GOLDEN_MAX);

	if (!update && !nc_is_file(txt_path)) {
		ok = true; /* a capture without a golden file is not a golden test */
		goto out;
	}
	char err[512];
	if (nc_wire_dump_pcap(pcap_path, &got, err, sizeof(err)) < 0) {
		fprintf(stderr, "\n%s\n", err);
		goto out;
	}
	if (update) {
		FILE *f = fopen(txt_path, "w");
		if (!f || fwrite(got.data, 1, got.len, f) != got.len) {
			fprintf(stderr, "\n%s: %s\n", txt_path, strerror(errno));
			if (f)
				fclose(f);
			goto out;
		}
		ok = fclose(f) == 0;
		fprintf(stderr, "\nwrote %s\n", txt_path);
		goto out;
	}
	if (nc_read_file(txt_path, &want) < 0) {
		fprintf(stderr, "\n%s: %s\n", txt_path, strerror(errno));
		goto out;
	}
	ok = want.len == got.len && memcmp(want.data, got.data, got.len) == 0;
	if (!ok)
		print_diff(txt_path, &want, &got);
out:
	nc_buf_free(&want);
	nc_buf_free(&got);
	free(txt_path);
	free(txt);
	free(pcap_path);
	return ok;
}

static void test_golden_files(void)
{
	const char *root = getenv("NC_SOURCE_DIR");
	char *dir = nc_path_join(root && *root ? root : ".", GOLDEN_DIR);
	const char *upd = getenv("NC_GOLDEN_UPDATE");
	bool update = upd && strcmp(upd, "1") == 0;

	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "\n%s: %s (run from the source root)\n", dir, strerror(errno));
		CU_FAIL("golden directory missing");
		free(dir);
		return;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || !nc_ends_with(e->d_name, ".pcap"))
			continue;
		names = nc_xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = nc_strdup(e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);

	size_t checked = 0;
	for (size_t i = 0; i < n; i++) {
		if (!check_one(dir, names[i], update)) {
			char msg[300];
			snprintf(msg, sizeof(msg), "golden mismatch: %s", names[i]);
			CU_FAIL(msg);
		}
		checked++;
		free(names[i]);
	}
	free(names);
	free(dir);
	/* An empty directory would make this test pass vacuously. */
	CU_ASSERT(checked >= 5);
}

static void test_dump_errors(void)
{
	struct nc_buf out;
	char err[256];
	nc_buf_init(&out, 0);
	CU_ASSERT_EQUAL(nc_wire_dump_pcap("fixtures/wire/does-not-exist.pcap", &out, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "does-not-exist.pcap"));

	/* A file cut inside a record: the lines before it, then an error. */
	char path[] = "/tmp/nc-wire-cut-XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	static const uint8_t hdr[24] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0,
					 0,    0,    0,    0,    0xff, 0xff, 0, 0, 1, 0, 0, 0 };
	static const uint8_t rec[16] = { 1, 0, 0, 0, 0, 0, 0, 0, 60, 0, 0, 0, 60, 0, 0, 0 };
	uint8_t body[60] = { 0 };
	body[12] = 0x08;
	body[13] = 0x06;
	FILE *f = fdopen(fd, "wb");
	fwrite(hdr, 1, sizeof(hdr), f);
	fwrite(rec, 1, sizeof(rec), f);
	fwrite(body, 1, sizeof(body), f);
	fwrite(rec, 1, sizeof(rec), f);
	fwrite(body, 1, 10, f);
	fclose(f);
	nc_buf_reset(&out);
	CU_ASSERT_EQUAL(nc_wire_dump_pcap(path, &out, err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(nc_buf_str(&out), "#1 ethertype 0x0806, length 60\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "after packet 1"));

	/* Timestamps, and a limit on the output. */
	struct nc_dump_opts o = { .timestamps = true };
	nc_buf_reset(&out);
	nc_wire_dump_pcap_opts(path, &o, &out, err, sizeof(err));
	CU_ASSERT_STRING_EQUAL(nc_buf_str(&out), "#1 1.000000000 ethertype 0x0806, length 60\n");
	struct nc_buf tiny;
	nc_buf_init(&tiny, 8);
	CU_ASSERT_EQUAL(nc_wire_dump_pcap(path, &tiny, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "exceeds the output limit"));
	nc_buf_free(&tiny);
	unlink(path);
	nc_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Replays the fuzzer's regression seeds: inputs that once crashed or
 * misbehaved must now pass (the fuzz target aborts on a broken contract). */
static void test_fuzz_seeds(void)
{
	const char *root = getenv("NC_SOURCE_DIR");
	char *dir = nc_path_join(root && *root ? root : ".", GOLDEN_DIR "/fuzz-seeds");
	DIR *d = opendir(dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	struct dirent *e;
	size_t n = 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || nc_ends_with(e->d_name, ".md"))
			continue;
		char *path = nc_path_join(dir, e->d_name);
		struct nc_buf b;
		nc_buf_init(&b, 1u << 20);
		if (nc_read_file(path, &b) == 0) {
			LLVMFuzzerTestOneInput(b.data ? b.data : (const uint8_t *)"", b.len);
			n++;
		} else {
			fprintf(stderr, "\n%s: %s\n", path, strerror(errno));
			CU_FAIL("unreadable seed");
		}
		nc_buf_free(&b);
		free(path);
	}
	closedir(d);
	free(dir);
	CU_ASSERT(n > 0);
}

void t_register_golden(void)
{
	static const struct nc_unit_test tests[] = {
		{ "fixtures/wire golden dumps", test_golden_files },
		{ "dump errors", test_dump_errors },
		{ "fuzz seeds replay", test_fuzz_seeds },
		{ NULL, NULL },
	};
	nc_unit_suite("golden", tests);
}
