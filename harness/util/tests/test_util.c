/* test_util.c: unit tests of the shared helpers in harness/util/: the
 * bounded buffer, the bounds-checked cursor, duration text, stream digests,
 * byte display, size text and the file helpers. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/unit/cunit_main.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/cursor.h"
#include "util/digest.h"
#include "util/fsutil.h"
#include "util/hexdump.h"
#include "util/termsafe.h"
#include "util/text.h"

/* ------------------------------------------------------------------------ */
/* Helpers */

/* Compares strings and shows both when they differ, because CUnit's own
 * message shows only the expression. */
#define ASSERT_STR(got, want)                                                        \
	do {                                                                         \
		const char *g_ = (got), *w_ = (want);                                \
		CU_ASSERT_STRING_EQUAL(g_, w_);                                      \
		if (strcmp(g_, w_) != 0)                                             \
			fprintf(stderr, "\n  %s:%d\n  got  [%s]\n  want [%s]\n",      \
				__FILE__, __LINE__, g_, w_);                         \
	} while (0)

/* Asserts that haystack contains needle, showing the haystack if not. */
#define ASSERT_HAS(hay, needle)                                                      \
	do {                                                                         \
		const char *h_ = (hay), *n_ = (needle);                              \
		CU_ASSERT_PTR_NOT_NULL(strstr(h_, n_));                              \
		if (!strstr(h_, n_))                                                 \
			fprintf(stderr, "\n  %s:%d\n  missing [%s]\n  in [%s]\n",     \
				__FILE__, __LINE__, n_, h_);                         \
	} while (0)

/* Deterministic test bytes (splitmix64), so failures reproduce. */
static void fill_bytes(uint8_t *p, size_t n, uint64_t seed)
{
	uint64_t s = seed;
	for (size_t i = 0; i < n; i++) {
		s += 0x9E3779B97F4A7C15ULL;
		uint64_t z = s;
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
		z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
		p[i] = (uint8_t)(z ^ (z >> 31));
	}
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes a temporary tree made by a test. */
static void rm_tree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_EQUAL(fwrite(p, 1, n, f), n);
	fclose(f);
}

/* ------------------------------------------------------------------------ */
/* buf.h */

static void test_buf_basics(void)
{
	struct nc_buf b;
	nc_buf_init(&b, 0);
	CU_ASSERT_EQUAL(b.max, SIZE_MAX);
	ASSERT_STR(nc_buf_str(&b), "");
	CU_ASSERT_EQUAL(nc_buf_adds(&b, "hello"), 0);
	CU_ASSERT_EQUAL(nc_buf_addc(&b, ' '), 0);
	CU_ASSERT_EQUAL(nc_buf_add(&b, "world!!", 5), 0);
	CU_ASSERT_EQUAL(b.len, 11);
	/* The contents are always NUL-terminated for text use. */
	CU_ASSERT_EQUAL(b.data[b.len], 0);
	ASSERT_STR(nc_buf_str(&b), "hello world");
	/* A zero-length append changes nothing. */
	CU_ASSERT_EQUAL(nc_buf_add(&b, NULL, 0), 0);
	CU_ASSERT_EQUAL(b.len, 11);
	nc_buf_reset(&b);
	CU_ASSERT_EQUAL(b.len, 0);
	ASSERT_STR(nc_buf_str(&b), "");
	/* Large appends grow the storage and keep every byte. */
	uint8_t big[100000];
	fill_bytes(big, sizeof(big), 1);
	CU_ASSERT_EQUAL(nc_buf_add(&b, big, sizeof(big)), 0);
	CU_ASSERT_EQUAL(nc_buf_add(&b, big, sizeof(big)), 0);
	CU_ASSERT_EQUAL_FATAL(b.len, 2 * sizeof(big));
	CU_ASSERT(b.cap > b.len);
	CU_ASSERT(memcmp(b.data, big, sizeof(big)) == 0);
	CU_ASSERT(memcmp(b.data + sizeof(big), big, sizeof(big)) == 0);
	CU_ASSERT_EQUAL(b.dropped, 0);
	nc_buf_free(&b);
	CU_ASSERT_PTR_NULL(b.data);
	CU_ASSERT_EQUAL(b.len, 0);
}

static void test_buf_max(void)
{
	struct nc_buf b;
	nc_buf_init(&b, 10);
	CU_ASSERT_EQUAL(nc_buf_adds(&b, "abcdef"), 0);
	CU_ASSERT_EQUAL(b.dropped, 0);
	/* Only what fits is kept; the rest is counted, not lost silently. */
	CU_ASSERT_EQUAL(nc_buf_adds(&b, "ghijkl"), 0);
	CU_ASSERT_EQUAL(b.len, 10);
	CU_ASSERT_EQUAL(b.dropped, 2);
	ASSERT_STR(nc_buf_str(&b), "abcdefghij");
	CU_ASSERT_EQUAL(nc_buf_addc(&b, 'x'), 0);
	CU_ASSERT_EQUAL(b.dropped, 3);
	CU_ASSERT_EQUAL(nc_buf_put_u32(&b, 7), 0);
	CU_ASSERT_EQUAL(b.dropped, 7);
	CU_ASSERT_EQUAL(nc_buf_printf(&b, "%d", 12345), 0);
	CU_ASSERT_EQUAL(b.dropped, 12);
	CU_ASSERT_EQUAL(b.len, 10);
	ASSERT_STR(nc_buf_str(&b), "abcdefghij");
	/* Reset empties the buffer and the drop count, but keeps the max. */
	nc_buf_reset(&b);
	CU_ASSERT_EQUAL(b.dropped, 0);
	CU_ASSERT_EQUAL(b.max, 10);
	CU_ASSERT_EQUAL(nc_buf_adds(&b, "0123456789ABC"), 0);
	CU_ASSERT_EQUAL(b.len, 10);
	CU_ASSERT_EQUAL(b.dropped, 3);
	nc_buf_free(&b);

	/* A maximum of exactly the appended size drops nothing. */
	nc_buf_init(&b, 5);
	CU_ASSERT_EQUAL(nc_buf_adds(&b, "12345"), 0);
	CU_ASSERT_EQUAL(b.dropped, 0);
	ASSERT_STR(nc_buf_str(&b), "12345");
	nc_buf_free(&b);
}

static void test_buf_printf(void)
{
	struct nc_buf b;
	nc_buf_init(&b, 0);
	CU_ASSERT_EQUAL(nc_buf_printf(&b, "%s=%d;", "a", 1), 0);
	CU_ASSERT_EQUAL(nc_buf_printf(&b, "%s=%u", "bb", 22u), 0);
	ASSERT_STR(nc_buf_str(&b), "a=1;bb=22");
	nc_buf_reset(&b);

	/* The formatter uses a 256-byte stack buffer first: results of 255,
	 * 256 and many more bytes take both paths and must all be exact. */
	size_t sizes[] = { 0, 1, 254, 255, 256, 257, 1000, 70000 };
	char *text = malloc(70001);
	CU_ASSERT_FATAL(text != NULL);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t n = sizes[k];
		for (size_t i = 0; i < n; i++)
			text[i] = (char)('a' + (i * 7 + k) % 26);
		text[n] = 0;
		nc_buf_reset(&b);
		CU_ASSERT_EQUAL(nc_buf_adds(&b, "<"), 0);
		CU_ASSERT_EQUAL(nc_buf_printf(&b, "%s>", text), 0);
		CU_ASSERT_EQUAL(b.len, n + 2);
		CU_ASSERT(b.len == n + 2 && b.data[0] == '<' && memcmp(b.data + 1, text, n) == 0 &&
			  b.data[n + 1] == '>');
	}
	nc_buf_free(&b);

	/* A long printf into a bounded buffer keeps the start and counts the
	 * rest as dropped. */
	nc_buf_init(&b, 100);
	memset(text, 'z', 300);
	text[300] = 0;
	CU_ASSERT_EQUAL(nc_buf_printf(&b, "%s", text), 0);
	CU_ASSERT_EQUAL(b.len, 100);
	CU_ASSERT_EQUAL(b.dropped, 200);
	nc_buf_free(&b);
	free(text);
}

static void test_buf_put(void)
{
	struct nc_buf b;
	nc_buf_init(&b, 0);
	nc_buf_put_u8(&b, 0xab);
	nc_buf_put_u16(&b, 0x1234);
	nc_buf_put_u32(&b, 0xdeadbeef);
	nc_buf_put_u64(&b, 0x0102030405060708ULL);
	nc_buf_put_bytes(&b, "xyz", 3);
	nc_buf_put_str(&b, "hi");
	nc_buf_put_str(&b, NULL);
	nc_buf_put_bytes(&b, NULL, 0);
	static const uint8_t want[] = {
		0xab,
		0x12, 0x34,
		0xde, 0xad, 0xbe, 0xef,
		1, 2, 3, 4, 5, 6, 7, 8,
		0, 0, 0, 3, 'x', 'y', 'z',
		0, 0, 0, 2, 'h', 'i',
		0, 0, 0, 0,               /* NULL is encoded as "" */
		0, 0, 0, 0,
	};
	CU_ASSERT_EQUAL_FATAL(b.len, sizeof(want));
	CU_ASSERT(memcmp(b.data, want, sizeof(want)) == 0);

	/* The cursor reads back exactly what the buffer wrote. */
	struct nc_cursor c = nc_cursor_make(b.data, b.len);
	CU_ASSERT_EQUAL(nc_cursor_u8(&c), 0xab);
	CU_ASSERT_EQUAL(nc_cursor_u16(&c), 0x1234);
	CU_ASSERT_EQUAL(nc_cursor_u32(&c), 0xdeadbeef);
	CU_ASSERT(nc_cursor_u64(&c) == 0x0102030405060708ULL);
	CU_ASSERT_EQUAL(nc_cursor_u32(&c), 3);
	CU_ASSERT(c.ok);
	nc_buf_free(&b);

	/* Extremes of every width. */
	nc_buf_init(&b, 0);
	nc_buf_put_u16(&b, 0xffff);
	nc_buf_put_u32(&b, 0);
	nc_buf_put_u64(&b, UINT64_MAX);
	c = nc_cursor_make(b.data, b.len);
	CU_ASSERT_EQUAL(nc_cursor_u16(&c), 0xffff);
	CU_ASSERT_EQUAL(nc_cursor_u32(&c), 0);
	CU_ASSERT(nc_cursor_u64(&c) == UINT64_MAX);
	CU_ASSERT(c.ok && c.left == 0);
	nc_buf_free(&b);
}

static void test_buf_steal(void)
{
	struct nc_buf b;
	nc_buf_init(&b, 50);
	nc_buf_adds(&b, "stolen text");
	char *s = nc_buf_steal(&b);
	CU_ASSERT_FATAL(s != NULL);
	ASSERT_STR(s, "stolen text");
	/* The buffer is left empty and usable, with its maximum kept. */
	CU_ASSERT_PTR_NULL(b.data);
	CU_ASSERT_EQUAL(b.len, 0);
	CU_ASSERT_EQUAL(b.cap, 0);
	CU_ASSERT_EQUAL(b.max, 50);
	ASSERT_STR(nc_buf_str(&b), "");
	nc_buf_adds(&b, "again");
	ASSERT_STR(nc_buf_str(&b), "again");
	free(s);
	nc_buf_free(&b);

	/* Stealing from a buffer that never held anything yields an owned "". */
	nc_buf_init(&b, 0);
	s = nc_buf_steal(&b);
	CU_ASSERT_FATAL(s != NULL);
	ASSERT_STR(s, "");
	free(s);
	nc_buf_free(&b);
}

/* ------------------------------------------------------------------------ */
/* cursor.h */

/* The reads under test, by width: each reads from c and reports whether it
 * claimed success. */
enum cread { R_U8, R_U16, R_U32, R_U64, R_U16LE, R_COPY5, R_TAKE6, R_SKIP3, R_SUB4, R_COUNT };

static size_t cread_width(enum cread r)
{
	static const size_t w[R_COUNT] = { 1, 2, 4, 8, 2, 5, 6, 3, 4 };
	return w[r];
}

/* Performs read r; returns the value read (0 for those without one). */
static uint64_t cread_do(enum cread r, struct nc_cursor *c, uint8_t dst[8])
{
	switch (r) {
	case R_U8: return nc_cursor_u8(c);
	case R_U16: return nc_cursor_u16(c);
	case R_U32: return nc_cursor_u32(c);
	case R_U64: return nc_cursor_u64(c);
	case R_U16LE: return nc_cursor_u16le(c);
	case R_COPY5: return nc_cursor_copy(c, dst, 5);
	case R_TAKE6: return nc_cursor_take(c, 6) != NULL;
	case R_SKIP3: return nc_cursor_skip(c, 3);
	case R_SUB4: {
		struct nc_cursor s = nc_cursor_sub(c, 4);
		return s.ok && s.left == 4;
	}
	case R_COUNT: break;
	}
	return 0;
}

static void test_cursor_short(void)
{
	/* Every read at every length short of its width fails, returns zero,
	 * leaves the cursor failed and empty, and (the buffer being a heap
	 * block of exactly that length) touches no byte past it, which
	 * valgrind and the sanitizers would report. */
	for (int r = 0; r < R_COUNT; r++) {
		size_t w = cread_width((enum cread)r);
		for (size_t n = 0; n < w; n++) {
			uint8_t *p = malloc(n ? n : 1);
			CU_ASSERT_FATAL(p != NULL);
			memset(p, 0xff, n ? n : 1);
			struct nc_cursor c = nc_cursor_make(p, n);
			uint8_t dst[8];
			memset(dst, 0x55, sizeof(dst));
			uint64_t v = cread_do((enum cread)r, &c, dst);
			CU_ASSERT_EQUAL(v, 0);
			CU_ASSERT_FALSE(c.ok);
			CU_ASSERT_EQUAL(c.left, 0);
			if (r == R_COPY5) {
				/* A failed copy leaves zeroes, not stale bytes. */
				static const uint8_t zero[5];
				CU_ASSERT(memcmp(dst, zero, 5) == 0);
			}
			/* Once failed, every later read fails, even a 0-byte one. */
			CU_ASSERT_EQUAL(nc_cursor_u8(&c), 0);
			CU_ASSERT_PTR_NULL(nc_cursor_take(&c, 0));
			CU_ASSERT_FALSE(nc_cursor_has(&c, 0));
			CU_ASSERT_FALSE(c.ok);
			free(p);
		}
		/* At exactly its width the read succeeds and empties the cursor. */
		uint8_t *p = malloc(w);
		CU_ASSERT_FATAL(p != NULL);
		memset(p, 0xff, w);
		struct nc_cursor c = nc_cursor_make(p, w);
		uint8_t dst[8];
		cread_do((enum cread)r, &c, dst);
		CU_ASSERT(c.ok);
		CU_ASSERT_EQUAL(c.left, 0);
		free(p);
	}
}

static void test_cursor_values(void)
{
	static const uint8_t d[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
				     0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
				     0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87 };
	struct nc_cursor c = nc_cursor_make(d, sizeof(d));
	CU_ASSERT_EQUAL(nc_cursor_u8(&c), 0x01);
	CU_ASSERT_EQUAL(nc_cursor_u16(&c), 0x0203);
	CU_ASSERT_EQUAL(nc_cursor_u16le(&c), 0x0504);
	CU_ASSERT_EQUAL(nc_cursor_u8(&c), 0x06);
	CU_ASSERT_EQUAL(nc_cursor_u16(&c), 0x0708);
	CU_ASSERT(nc_cursor_u64(&c) == 0x090a0b0c0d0e0f10ULL);
	CU_ASSERT_EQUAL(nc_cursor_u32(&c), 0xf0e1d2c3u);
	CU_ASSERT_EQUAL(c.left, 4);
	CU_ASSERT(nc_cursor_has(&c, 4));
	CU_ASSERT_FALSE(nc_cursor_has(&c, 5));
	/* has() only asks; it does not fail the cursor. */
	CU_ASSERT(c.ok);
	/* A u64 with only 4 bytes left fails as a whole and returns zero,
	 * not half a value. */
	CU_ASSERT(nc_cursor_u64(&c) == 0);
	CU_ASSERT_FALSE(c.ok);
	CU_ASSERT_EQUAL(c.left, 0);
}

static void test_cursor_sub(void)
{
	static const uint8_t d[] = { 0, 3, 'a', 'b', 'c', 0x7f, 0xee };
	struct nc_cursor c = nc_cursor_make(d, sizeof(d));
	uint16_t n = nc_cursor_u16(&c);
	struct nc_cursor s = nc_cursor_sub(&c, n);
	CU_ASSERT(s.ok);
	CU_ASSERT_EQUAL(s.left, 3);
	CU_ASSERT_PTR_EQUAL(s.p, d + 2);
	/* The parent moved past the sub-structure. */
	CU_ASSERT(c.ok);
	CU_ASSERT_EQUAL(c.left, 2);
	CU_ASSERT_EQUAL(nc_cursor_u8(&c), 0x7f);
	/* Reading past the sub-cursor's end fails it, not the parent, and does
	 * not reach the parent's following bytes. */
	CU_ASSERT_EQUAL(nc_cursor_u16(&s), ('a' << 8) | 'b');
	CU_ASSERT_EQUAL(nc_cursor_u16(&s), 0);
	CU_ASSERT_FALSE(s.ok);
	CU_ASSERT(c.ok);
	CU_ASSERT_EQUAL(nc_cursor_u8(&c), 0xee);
	CU_ASSERT(c.ok && c.left == 0);

	/* A sub-cursor longer than what is left fails both. */
	c = nc_cursor_make(d, sizeof(d));
	s = nc_cursor_sub(&c, sizeof(d) + 1);
	CU_ASSERT_FALSE(s.ok);
	CU_ASSERT_EQUAL(s.left, 0);
	CU_ASSERT_PTR_NULL(s.p);
	CU_ASSERT_FALSE(c.ok);
	CU_ASSERT_EQUAL(nc_cursor_u8(&s), 0);

	/* An empty sub-cursor is valid and empty. */
	c = nc_cursor_make(d, sizeof(d));
	s = nc_cursor_sub(&c, 0);
	CU_ASSERT(s.ok);
	CU_ASSERT_EQUAL(s.left, 0);
	CU_ASSERT_EQUAL(c.left, sizeof(d));
}

/* ------------------------------------------------------------------------ */
/* clock.h */

static void expect_duration(const char *text, int64_t want)
{
	int64_t ns = -12345;
	int rc = nc_parse_duration(text, &ns);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(ns, want);
	if (rc != 0 || ns != want)
		fprintf(stderr, "\n  '%s': rc %d, %lld ns, want %lld ns\n", text, rc, (long long)ns,
			(long long)want);
}

static void expect_bad_duration(const char *text)
{
	int64_t ns = -12345;
	int rc = nc_parse_duration(text, &ns);
	CU_ASSERT_EQUAL(rc, -1);
	/* A rejected text leaves the output alone. */
	CU_ASSERT_EQUAL(ns, -12345);
	if (rc != -1)
		fprintf(stderr, "\n  '%s' was accepted as %lld ns\n", text, (long long)ns);
}

static void test_parse_duration(void)
{
	expect_duration("200ms", 200 * NC_MS);
	expect_duration("2s", 2 * NC_SEC);
	expect_duration("1.5s", 1500 * NC_MS);
	expect_duration("0.1s", 100 * NC_MS);
	expect_duration("250us", 250000);
	expect_duration("100ns", 100);
	expect_duration("1m", 60 * NC_SEC);
	expect_duration("1min", 60 * NC_SEC);
	expect_duration("0s", 0);
	expect_duration("0.000000001s", 1);
	expect_duration("1.123456789s", 1123456789);
	/* Digits beyond nanoseconds are ignored, not rounded. */
	expect_duration("1.1234567899s", 1123456789);
	expect_duration("0.5ms", 500000);
	expect_duration("2.5us", 2500);
	expect_duration("007s", 7 * NC_SEC);
	/* Fractions of a minute with every digit a nanosecond can hold. */
	expect_duration("0.5m", 30 * NC_SEC);
	expect_duration("1.999999999m", 119999999940LL);
	expect_duration("0.123456789m", 7407407340LL);

	expect_bad_duration("");
	expect_bad_duration("s");
	expect_bad_duration("ms");
	expect_bad_duration("1");
	expect_bad_duration("10");
	expect_bad_duration("1.s");
	expect_bad_duration(".5s");
	expect_bad_duration("-1s");
	expect_bad_duration("+1s");
	expect_bad_duration("1 s");
	expect_bad_duration(" 1s");
	expect_bad_duration("1s ");
	expect_bad_duration("1sec");
	expect_bad_duration("1h");
	expect_bad_duration("1S");
	expect_bad_duration("1.5.5s");
	expect_bad_duration("1e3ms");
	expect_bad_duration("0x10s");
}

static void test_parse_duration_overflow(void)
{
	/* The largest representable durations in each unit are accepted. */
	expect_duration("9223372036854775807ns", INT64_MAX);
	expect_duration("9223372036854775us", 9223372036854775000LL);
	expect_duration("9223372036s", 9223372036LL * NC_SEC);
	expect_duration("9223372036.854775807s", INT64_MAX);
	expect_duration("153722867m", 153722867LL * 60 * NC_SEC);
	/* One more overflows, whether in the whole part, the unit or the
	 * fraction; none may wrap around to a negative or small value. */
	expect_bad_duration("9223372036854775808ns");
	expect_bad_duration("9223372036854775808us");
	expect_bad_duration("9223372037s");
	expect_bad_duration("9223372036.854775808s");
	expect_bad_duration("9223372036.9s");
	expect_bad_duration("153722868m");
	expect_bad_duration("153722867.9m");
	expect_bad_duration("99999999999999999999999999s");
	expect_bad_duration("99999999999999999999999999.5ns");
}

static void test_fmt_duration(void)
{
	char buf[32];
	ASSERT_STR(nc_fmt_duration(0, buf, sizeof(buf)), "0 ns");
	ASSERT_STR(nc_fmt_duration(999, buf, sizeof(buf)), "999 ns");
	ASSERT_STR(nc_fmt_duration(1000, buf, sizeof(buf)), "1 us");
	ASSERT_STR(nc_fmt_duration(850000, buf, sizeof(buf)), "850 us");
	ASSERT_STR(nc_fmt_duration(NC_MS, buf, sizeof(buf)), "1.0 ms");
	ASSERT_STR(nc_fmt_duration(3100000, buf, sizeof(buf)), "3.1 ms");
	ASSERT_STR(nc_fmt_duration(250 * NC_MS, buf, sizeof(buf)), "250.0 ms");
	ASSERT_STR(nc_fmt_duration(NC_SEC, buf, sizeof(buf)), "1.00 s");
	ASSERT_STR(nc_fmt_duration(2 * NC_SEC, buf, sizeof(buf)), "2.00 s");
	ASSERT_STR(nc_fmt_duration(90 * NC_SEC, buf, sizeof(buf)), "90.00 s");
	ASSERT_STR(nc_fmt_duration(-1, buf, sizeof(buf)), "-");
	/* The result always fits the buffer, cut if need be. */
	char small[4];
	ASSERT_STR(nc_fmt_duration(3100000, small, sizeof(small)), "3.1");
	/* The value returned is the buffer passed. */
	CU_ASSERT_PTR_EQUAL(nc_fmt_duration(1, buf, sizeof(buf)), buf);
}

static void test_clock(void)
{
	int64_t a = nc_now_ns(), b = nc_now_ns();
	CU_ASSERT(a > 0);
	CU_ASSERT(b >= a);
	int64_t tick = nc_tick_ns();
	CU_ASSERT(tick > 0 && tick <= NC_SEC);
}

/* ------------------------------------------------------------------------ */
/* digest.h */

static void test_digest_splits(void)
{
	/* Streaming over any split gives the one-shot digest: the 32-byte
	 * lanes and the tail must not depend on how the bytes arrived. */
	uint8_t d[300];
	fill_bytes(d, sizeof(d), 7);
	size_t lens[] = { 0, 1, 31, 32, 33, 63, 64, 65, 100, 300 };
	for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		size_t n = lens[k];
		uint64_t whole = nc_digest_bytes(d, n);
		for (size_t i = 0; i <= n; i++) {
			struct nc_digest g;
			nc_digest_init(&g);
			nc_digest_update(&g, d, i);
			nc_digest_update(&g, d + i, n - i);
			CU_ASSERT(nc_digest_final(&g) == whole);
			CU_ASSERT(g.total == n);
		}
	}
	/* Every pair of split points of a 100-byte buffer. */
	uint64_t whole = nc_digest_bytes(d, 100);
	for (size_t i = 0; i <= 100; i++) {
		for (size_t j = i; j <= 100; j++) {
			struct nc_digest g;
			nc_digest_init(&g);
			nc_digest_update(&g, d, i);
			nc_digest_update(&g, d + i, j - i);
			nc_digest_update(&g, d + j, 100 - j);
			CU_ASSERT(nc_digest_final(&g) == whole);
		}
	}
	/* Byte by byte. */
	struct nc_digest g;
	nc_digest_init(&g);
	for (size_t i = 0; i < sizeof(d); i++)
		nc_digest_update(&g, d + i, 1);
	CU_ASSERT(nc_digest_final(&g) == nc_digest_bytes(d, sizeof(d)));
	/* final() does not consume the state: more bytes may follow. */
	nc_digest_init(&g);
	nc_digest_update(&g, d, 50);
	(void)nc_digest_final(&g);
	nc_digest_update(&g, d + 50, 50);
	CU_ASSERT(nc_digest_final(&g) == whole);
}

static void test_digest_sensitivity(void)
{
	/* Different lengths and single-bit changes anywhere give different
	 * digests (a 64-bit collision here would be a broken digest). */
	uint8_t d[200];
	fill_bytes(d, sizeof(d), 9);
	uint64_t base = nc_digest_bytes(d, sizeof(d));
	for (size_t i = 0; i < sizeof(d); i++) {
		d[i] ^= 0x01;
		CU_ASSERT(nc_digest_bytes(d, sizeof(d)) != base);
		d[i] ^= 0x01;
	}
	CU_ASSERT(nc_digest_bytes(d, sizeof(d)) == base);
	static const uint8_t zeros[64];
	for (size_t n = 0; n < 64; n++)
		CU_ASSERT(nc_digest_bytes(zeros, n) != nc_digest_bytes(zeros, n + 1));
	/* Swapping two 32-byte lanes' words changes the digest. */
	uint8_t e[64];
	memcpy(e, d + 32, 32);
	memcpy(e + 32, d, 32);
	CU_ASSERT(nc_digest_bytes(e, 64) != nc_digest_bytes(d, 64));
}

/* A stream of STREAM_LEN bytes: three complete 64 KiB blocks and a partial
 * fourth. */
#define STREAM_LEN (3u * NC_SUM_BLOCK + 1000u)

/* Summarizes p, fed in chunks whose sizes cycle through `chunks`. */
static void sum_chunked(struct nc_streamsum *s, const uint8_t *p, size_t n, const size_t *chunks,
			size_t nchunks)
{
	nc_streamsum_init(s);
	size_t off = 0, k = 0;
	while (off < n) {
		size_t c = chunks[k++ % nchunks];
		if (c > n - off)
			c = n - off;
		CU_ASSERT_EQUAL(nc_streamsum_update(s, p + off, c), 0);
		off += c;
	}
	nc_streamsum_finish(s);
}

static void sum_odd(struct nc_streamsum *s, const uint8_t *p, size_t n)
{
	static const size_t odd[] = { 1, 7, 4093, 65537, 13, 30011 };
	sum_chunked(s, p, n, odd, sizeof(odd) / sizeof(odd[0]));
}

static void sum_whole(struct nc_streamsum *s, const uint8_t *p, size_t n)
{
	size_t all = n ? n : 1;
	sum_chunked(s, p, n, &all, 1);
}

static void test_streamsum_equal(void)
{
	uint8_t *d = malloc(STREAM_LEN);
	CU_ASSERT_FATAL(d != NULL);
	fill_bytes(d, STREAM_LEN, 11);
	struct nc_streamsum a, b;
	sum_whole(&a, d, STREAM_LEN);
	sum_odd(&b, d, STREAM_LEN);
	CU_ASSERT_EQUAL(a.total, STREAM_LEN);
	CU_ASSERT_EQUAL(a.nblocks, 3);
	CU_ASSERT_EQUAL(b.nblocks, 3);
	CU_ASSERT_EQUAL(a.head.len, NC_SUM_HEAD);
	CU_ASSERT_EQUAL(b.head.len, NC_SUM_HEAD);
	CU_ASSERT(memcmp(a.head.data, d, NC_SUM_HEAD) == 0);
	CU_ASSERT_FALSE(a.blocks_overflow);
	/* Each block digest is the digest of that block's bytes. */
	for (uint32_t i = 0; i < 3; i++)
		CU_ASSERT(a.blocks[i] == nc_digest_bytes(d + (size_t)i * NC_SUM_BLOCK, NC_SUM_BLOCK));
	CU_ASSERT(a.last == nc_digest_bytes(d + 3 * NC_SUM_BLOCK, 1000));
	uint64_t lo = 77, hi = 77;
	CU_ASSERT(nc_streamsum_equal(&a, &b, &lo, &hi));
	CU_ASSERT(nc_streamsum_equal(&b, &a, NULL, NULL));
	CU_ASSERT(nc_streamsum_prefix_of(&a, &b, &lo, &hi));
	nc_streamsum_free(&b);

	/* A one-byte change in the head is located exactly, in both orders. */
	struct {
		size_t at;
		uint64_t lo, hi;
	} cases[] = {
		{ 0, 0, 0 },
		{ 1234, 1234, 1234 },
		{ NC_SUM_HEAD - 1, NC_SUM_HEAD - 1, NC_SUM_HEAD - 1 },
		/* Beyond the head, a block digest locates it to its block. */
		{ NC_SUM_BLOCK, NC_SUM_BLOCK, 2 * NC_SUM_BLOCK - 1 },
		{ NC_SUM_BLOCK + 40000, NC_SUM_BLOCK, 2 * NC_SUM_BLOCK - 1 },
		{ 3 * NC_SUM_BLOCK - 1, 2 * NC_SUM_BLOCK, 3 * NC_SUM_BLOCK - 1 },
		/* In the final partial block: from its start to the end. */
		{ 3 * NC_SUM_BLOCK, 3 * NC_SUM_BLOCK, STREAM_LEN - 1 },
		{ STREAM_LEN - 1, 3 * NC_SUM_BLOCK, STREAM_LEN - 1 },
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		d[cases[k].at] ^= 0x20;
		sum_odd(&b, d, STREAM_LEN);
		d[cases[k].at] ^= 0x20;
		lo = hi = 77;
		CU_ASSERT_FALSE(nc_streamsum_equal(&a, &b, &lo, &hi));
		CU_ASSERT_EQUAL(lo, cases[k].lo);
		CU_ASSERT_EQUAL(hi, cases[k].hi);
		if (lo != cases[k].lo || hi != cases[k].hi)
			fprintf(stderr, "\n  change at %zu: got %llu..%llu\n", cases[k].at,
				(unsigned long long)lo, (unsigned long long)hi);
		lo = hi = 77;
		CU_ASSERT_FALSE(nc_streamsum_equal(&b, &a, &lo, &hi));
		CU_ASSERT_EQUAL(lo, cases[k].lo);
		CU_ASSERT_EQUAL(hi, cases[k].hi);
		/* Neither is a prefix of the other. */
		CU_ASSERT_FALSE(nc_streamsum_prefix_of(&a, &b, NULL, NULL));
		nc_streamsum_free(&b);
	}
	nc_streamsum_free(&a);
	free(d);
}

static void test_streamsum_lengths(void)
{
	uint8_t *d = malloc(STREAM_LEN);
	CU_ASSERT_FATAL(d != NULL);
	fill_bytes(d, STREAM_LEN, 12);
	struct nc_streamsum full, part;
	uint64_t lo, hi;
	sum_odd(&full, d, STREAM_LEN);

	/* Streams that differ only in length: within the heads the end of the
	 * shorter one is the exact place. */
	sum_odd(&part, d, 1000);
	CU_ASSERT_FALSE(nc_streamsum_equal(&part, &full, &lo, &hi));
	CU_ASSERT_EQUAL(lo, 1000);
	CU_ASSERT_EQUAL(hi, 1000);
	CU_ASSERT_FALSE(nc_streamsum_equal(&full, &part, &lo, &hi));
	CU_ASSERT_EQUAL(lo, 1000);
	CU_ASSERT_EQUAL(hi, 1000);
	CU_ASSERT(nc_streamsum_prefix_of(&part, &full, &lo, &hi));
	/* The longer is not a prefix of the shorter: it goes on at its end. */
	CU_ASSERT_FALSE(nc_streamsum_prefix_of(&full, &part, &lo, &hi));
	CU_ASSERT_EQUAL(lo, 1000);
	CU_ASSERT_EQUAL(hi, 1000);
	nc_streamsum_free(&part);

	/* A shorter stream ending exactly at a block boundary. */
	sum_odd(&part, d, 2 * NC_SUM_BLOCK);
	CU_ASSERT(nc_streamsum_prefix_of(&part, &full, &lo, &hi));
	CU_ASSERT_FALSE(nc_streamsum_equal(&part, &full, &lo, &hi));
	CU_ASSERT_EQUAL(lo, 2 * NC_SUM_BLOCK);
	CU_ASSERT_EQUAL(hi, 2 * NC_SUM_BLOCK);
	nc_streamsum_free(&part);

	/* A shorter stream whose end lies in a block beyond the head: its
	 * final partial block cannot be compared with the longer stream's
	 * complete block, so only the range from the last compared byte to
	 * its end is known to hold the first difference. */
	sum_odd(&part, d, 100000);
	CU_ASSERT(nc_streamsum_prefix_of(&part, &full, &lo, &hi));
	CU_ASSERT_FALSE(nc_streamsum_equal(&part, &full, &lo, &hi));
	CU_ASSERT_EQUAL(lo, NC_SUM_BLOCK);
	CU_ASSERT_EQUAL(hi, 100000);
	CU_ASSERT_FALSE(nc_streamsum_prefix_of(&full, &part, &lo, &hi));
	CU_ASSERT_EQUAL(lo, NC_SUM_BLOCK);
	CU_ASSERT_EQUAL(hi, 100000);
	nc_streamsum_free(&part);

	/* The same shorter stream, corrupted at 80000 (beyond the head, in
	 * its partial block): the reported range must contain 80000, not
	 * point at the end of the shorter stream. */
	d[80000] ^= 1;
	sum_odd(&part, d, 100000);
	d[80000] ^= 1;
	CU_ASSERT_FALSE(nc_streamsum_equal(&part, &full, &lo, &hi));
	CU_ASSERT(lo <= 80000 && hi >= 80000);
	/* prefix_of cannot see a change in the final partial block beyond
	 * the head; the header documents that limit. */
	CU_ASSERT(nc_streamsum_prefix_of(&part, &full, &lo, &hi));
	nc_streamsum_free(&part);

	/* Corrupted in a complete block it shares with the longer stream: the
	 * prefix check sees it, and locates it to that block. */
	d[NC_SUM_BLOCK + 5] ^= 1;
	sum_odd(&part, d, 2 * NC_SUM_BLOCK + 10);
	d[NC_SUM_BLOCK + 5] ^= 1;
	CU_ASSERT_FALSE(nc_streamsum_prefix_of(&part, &full, &lo, &hi));
	CU_ASSERT_EQUAL(lo, NC_SUM_BLOCK);
	CU_ASSERT_EQUAL(hi, 2 * NC_SUM_BLOCK - 1);
	nc_streamsum_free(&part);

	/* Corrupted inside the head: exact in both checks. */
	d[500] ^= 1;
	sum_odd(&part, d, 600);
	d[500] ^= 1;
	CU_ASSERT_FALSE(nc_streamsum_prefix_of(&part, &full, &lo, &hi));
	CU_ASSERT_EQUAL(lo, 500);
	CU_ASSERT_EQUAL(hi, 500);
	CU_ASSERT_FALSE(nc_streamsum_equal(&full, &part, &lo, &hi));
	CU_ASSERT_EQUAL(lo, 500);
	CU_ASSERT_EQUAL(hi, 500);
	nc_streamsum_free(&part);

	/* Same length, one byte changed in the final partial block: not a
	 * prefix either, with the partial block's range. */
	d[STREAM_LEN - 3] ^= 1;
	sum_odd(&part, d, STREAM_LEN);
	d[STREAM_LEN - 3] ^= 1;
	CU_ASSERT_FALSE(nc_streamsum_prefix_of(&part, &full, &lo, &hi));
	CU_ASSERT_EQUAL(lo, 3 * NC_SUM_BLOCK);
	CU_ASSERT_EQUAL(hi, STREAM_LEN - 1);
	nc_streamsum_free(&part);

	/* The empty stream is a prefix of everything and equal only to
	 * itself. */
	struct nc_streamsum e1, e2;
	sum_whole(&e1, d, 0);
	sum_whole(&e2, d, 0);
	CU_ASSERT(nc_streamsum_equal(&e1, &e2, &lo, &hi));
	CU_ASSERT(nc_streamsum_prefix_of(&e1, &full, &lo, &hi));
	CU_ASSERT_FALSE(nc_streamsum_equal(&e1, &full, &lo, &hi));
	CU_ASSERT_EQUAL(lo, 0);
	CU_ASSERT_EQUAL(hi, 0);
	nc_streamsum_free(&e1);
	nc_streamsum_free(&e2);
	nc_streamsum_free(&full);
	free(d);
}

/* ------------------------------------------------------------------------ */
/* hexdump.h */

static char *show(const void *p, size_t n, size_t max)
{
	struct nc_buf b;
	nc_buf_init(&b, 0);
	nc_show_bytes(&b, p, n, max);
	return nc_buf_steal(&b);
}

static void test_show_bytes(void)
{
	/* Every byte value, one at a time, by class. */
	for (int c = 0; c < 256; c++) {
		uint8_t byte = (uint8_t)c;
		char want[16];
		switch (c) {
		case '\n': snprintf(want, sizeof(want), "\"\\n\""); break;
		case '\r': snprintf(want, sizeof(want), "\"\\r\""); break;
		case '\t': snprintf(want, sizeof(want), "\"\\t\""); break;
		case '\\': snprintf(want, sizeof(want), "\"\\\\\""); break;
		case '"': snprintf(want, sizeof(want), "\"\\\"\""); break;
		default:
			if (c >= 0x20 && c < 0x7f)
				snprintf(want, sizeof(want), "\"%c\"", c);
			else
				snprintf(want, sizeof(want), "\"\\x%02x\"", c);
		}
		char *got = show(&byte, 1, 64);
		ASSERT_STR(got, want);
		free(got);
	}
	/* Classes written out literally, so the rule above is itself checked. */
	static const uint8_t mix[] = { 'h', 'i', 0, '\n', 0x7f, 0x80, 0xff, '"', '\\', ' ', '~',
				       0x1b, '\t', '\r' };
	char *got = show(mix, sizeof(mix), 64);
	ASSERT_STR(got, "\"hi\\x00\\n\\x7f\\x80\\xff\\\"\\\\ ~\\x1b\\t\\r\"");
	free(got);

	/* The cut counts input bytes, not output characters, and names the
	 * full length. */
	got = show("abcdefghij", 10, 4);
	ASSERT_STR(got, "\"abcd\"... (10 bytes)");
	free(got);
	got = show("\n\n\n\n\n", 5, 2);
	ASSERT_STR(got, "\"\\n\\n\"... (5 bytes)");
	free(got);
	got = show("abcd", 4, 4);
	ASSERT_STR(got, "\"abcd\"");
	free(got);
	got = show("abcd", 4, 0);
	ASSERT_STR(got, "\"\"... (4 bytes)");
	free(got);
	got = show("", 0, 0);
	ASSERT_STR(got, "\"\"");
	free(got);
}

static void test_first_diff(void)
{
	const uint8_t *a = (const uint8_t *)"hello world";
	CU_ASSERT_EQUAL(nc_first_diff(a, 11, a, 11), -1);
	CU_ASSERT_EQUAL(nc_first_diff(a, 0, a, 0), -1);
	CU_ASSERT_EQUAL(nc_first_diff(NULL, 0, NULL, 0), -1);
	CU_ASSERT_EQUAL(nc_first_diff(a, 11, (const uint8_t *)"Hello world", 11), 0);
	CU_ASSERT_EQUAL(nc_first_diff(a, 11, (const uint8_t *)"hellx world", 11), 4);
	CU_ASSERT_EQUAL(nc_first_diff(a, 11, (const uint8_t *)"hello worlD", 11), 10);
	/* A length difference is a difference at the shorter length. */
	CU_ASSERT_EQUAL(nc_first_diff(a, 5, a, 11), 5);
	CU_ASSERT_EQUAL(nc_first_diff(a, 11, a, 5), 5);
	CU_ASSERT_EQUAL(nc_first_diff(a, 0, a, 3), 0);
	CU_ASSERT_EQUAL(nc_first_diff(a, 3, a, 0), 0);
	/* A byte difference before the shorter end wins over the length. */
	CU_ASSERT_EQUAL(nc_first_diff(a, 11, (const uint8_t *)"help", 4), 3);
}

/* Returns the lines of text that start with the given prefix, joined. */
static size_t count_lines_with(const char *text, const char *prefix)
{
	size_t n = 0, pl = strlen(prefix);
	for (const char *p = text; p && *p;) {
		if (strncmp(p, prefix, pl) == 0)
			n++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return n;
}

static void test_hexdiff(void)
{
	uint8_t e[100], a[100];
	for (size_t i = 0; i < sizeof(e); i++)
		e[i] = a[i] = (uint8_t)('A' + i % 26);
	a[40] = '!';
	struct nc_buf b;
	nc_buf_init(&b, 0);
	nc_hexdiff(&b, "  ", e, sizeof(e), a, sizeof(a), 0, nc_first_diff(e, 100, a, 100));
	const char *t = nc_buf_str(&b);
	ASSERT_HAS(t, "  first difference at offset 40\n");
	ASSERT_HAS(t, "  expected (100 bytes):\n");
	ASSERT_HAS(t, "  actual (100 bytes):\n");
	/* The line holding offset 40 (0x20) is marked, once per side, and the
	 * dump shows two lines either side of it (0x00 ... 0x40). */
	CU_ASSERT_EQUAL(count_lines_with(t, "  > "), 2);
	CU_ASSERT_EQUAL(count_lines_with(t, "  > 00000020 "), 2);
	CU_ASSERT_EQUAL(count_lines_with(t, "    00000000 "), 2);
	CU_ASSERT_EQUAL(count_lines_with(t, "    00000040 "), 2);
	CU_ASSERT_EQUAL(count_lines_with(t, "    00000050 "), 0);
	/* The actual side's marked line shows the changed byte. */
	ASSERT_HAS(t, "  > 00000020  47 48 49 4a 4b 4c 4d 4e  21 50 51 52 53 54 55 56  "
		      "|GHIJKLMN!PQRSTUV|\n");
	ASSERT_HAS(t, "  > 00000020  47 48 49 4a 4b 4c 4d 4e  4f 50 51 52 53 54 55 56  "
		      "|GHIJKLMNOPQRSTUV|\n");
	nc_buf_reset(&b);

	/* With a stream base, offsets are stream offsets; only lines that
	 * exist are shown, and far lines are left out. */
	a[40] = e[40];
	a[90] = '?';
	nc_hexdiff(&b, "", e, sizeof(e), a, sizeof(a), 4096, 90);
	t = nc_buf_str(&b);
	ASSERT_HAS(t, "first difference at offset 4186\n");
	CU_ASSERT_EQUAL(count_lines_with(t, "> 00001050 "), 2);
	CU_ASSERT_EQUAL(count_lines_with(t, "  00001030 "), 2);
	CU_ASSERT_EQUAL(count_lines_with(t, "  00001020 "), 0);
	/* The last line is short: 4 bytes padded out to the ASCII column. */
	ASSERT_HAS(t, "  00001060  53 54 55 56                                       |STUV|\n");
	nc_buf_reset(&b);

	/* The shorter side ends on a line boundary at the difference: its
	 * marked line says so instead of showing bytes. */
	nc_hexdiff(&b, "", e, 32, a, 40, 0, nc_first_diff(e, 32, a, 40));
	t = nc_buf_str(&b);
	ASSERT_HAS(t, "first difference at offset 32\n");
	ASSERT_HAS(t, "expected (32 bytes):\n");
	ASSERT_HAS(t, "> 00000020  (ends here)\n");
	CU_ASSERT_EQUAL(count_lines_with(t, "> 00000020  47 48 49 4a 4b 4c 4d 4e"), 1);
	nc_buf_reset(&b);

	/* No difference known (at < 0): no offset line, the start is shown. */
	nc_hexdiff(&b, "", e, 16, a, 16, 0, -1);
	t = nc_buf_str(&b);
	CU_ASSERT_PTR_NULL(strstr(t, "first difference"));
	CU_ASSERT_EQUAL(count_lines_with(t, "> 00000000 "), 2);
	nc_buf_free(&b);
}

static void test_hexdump(void)
{
	struct nc_buf b;
	nc_buf_init(&b, 0);
	nc_hexdump(&b, "| ", (const uint8_t *)"0123456789abcdef\x01xyz", 20, 0, 10);
	ASSERT_STR(nc_buf_str(&b),
		   "| 00000000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|\n"
		   "| 00000010  01 78 79 7a                                       |.xyz|\n");
	nc_buf_reset(&b);
	uint8_t d[64];
	memset(d, 0, sizeof(d));
	nc_hexdump(&b, "", d, sizeof(d), 0x100, 2);
	CU_ASSERT_EQUAL(count_lines_with(nc_buf_str(&b), "00000100 "), 1);
	CU_ASSERT_EQUAL(count_lines_with(nc_buf_str(&b), "00000110 "), 1);
	ASSERT_HAS(nc_buf_str(&b), "... 32 more bytes\n");
	nc_buf_reset(&b);
	nc_hexdump(&b, "  ", d, 0, 0, 2);
	ASSERT_STR(nc_buf_str(&b), "  (no bytes)\n");
	nc_buf_free(&b);
}

/* ------------------------------------------------------------------------ */
/* text.h */

static void expect_size(const char *text, unsigned long long want)
{
	unsigned long long v = 12345;
	int rc = nc_parse_size(text, &v);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT(v == want);
	if (rc != 0 || v != want)
		fprintf(stderr, "\n  '%s': rc %d, %llu, want %llu\n", text, rc, v, want);
}

static void expect_bad_size(const char *text)
{
	unsigned long long v = 12345;
	CU_ASSERT_EQUAL(nc_parse_size(text, &v), -1);
	CU_ASSERT(v == 12345);
	if (v != 12345)
		fprintf(stderr, "\n  '%s' was accepted as %llu\n", text, v);
}

static void test_parse_size(void)
{
	expect_size("0", 0);
	expect_size("1024", 1024);
	expect_size("64K", 64 * 1024);
	expect_size("64k", 64 * 1024);
	expect_size("64KiB", 64 * 1024);
	expect_size("1M", 1 << 20);
	expect_size("1MiB", 1 << 20);
	expect_size("3G", 3ULL << 30);
	expect_size("1GiB", 1ULL << 30);
	expect_size("0G", 0);
	expect_size("18446744073709551615", ULLONG_MAX);
	expect_size("17179869183G", 17179869183ULL << 30);
	expect_size("18014398509481983K", 18014398509481983ULL << 10);

	expect_bad_size("");
	expect_bad_size("K");
	expect_bad_size("1KB");
	expect_bad_size("1kib");
	expect_bad_size("1 K");
	expect_bad_size(" 1");
	expect_bad_size("-1");
	expect_bad_size("+1");
	expect_bad_size("1T");
	expect_bad_size("1.5K");
	expect_bad_size("0x10");
	expect_bad_size("1Ki");
	/* Overflow in the digits and in the multiplication. */
	expect_bad_size("18446744073709551616");
	expect_bad_size("99999999999999999999999");
	expect_bad_size("17179869184G");
	expect_bad_size("18014398509481984K");
}

static void test_text_helpers(void)
{
	CU_ASSERT(nc_starts_with("hello", "he"));
	CU_ASSERT(nc_starts_with("hello", ""));
	CU_ASSERT_FALSE(nc_starts_with("he", "hello"));
	CU_ASSERT(nc_ends_with("a.scn", ".scn"));
	CU_ASSERT(nc_ends_with(".scn", ".scn"));
	CU_ASSERT_FALSE(nc_ends_with("scn", ".scn"));
	CU_ASSERT_FALSE(nc_ends_with("a.scnx", ".scn"));
	char buf[6];
	ASSERT_STR(nc_strlcpy(buf, "abc", sizeof(buf)), "abc");
	ASSERT_STR(nc_strlcpy(buf, "abcdefgh", sizeof(buf)), "abcde");
	ASSERT_STR(nc_strlcpy(buf, "", sizeof(buf)), "");
	buf[0] = 'q';
	nc_strlcpy(buf, "zzz", 0);
	CU_ASSERT_EQUAL(buf[0], 'q');
	char *s = nc_strndup("abcdef", 3);
	ASSERT_STR(s, "abc");
	free(s);
	CU_ASSERT_PTR_NULL(nc_strdup(NULL));
	s = nc_strdup("");
	ASSERT_STR(s, "");
	free(s);
}

/* ------------------------------------------------------------------------ */
/* fsutil.h */

static char tmp_root[64];

static void make_tmp(void)
{
	/* A test stopped by a fatal assertion leaves its tree behind. */
	if (tmp_root[0])
		rm_tree(tmp_root);
	snprintf(tmp_root, sizeof(tmp_root), "/tmp/nc-test-util-XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(tmp_root) != NULL);
}

static void test_mkdir_p(void)
{
	make_tmp();
	char path[256];
	snprintf(path, sizeof(path), "%s/a/b/c", tmp_root);
	CU_ASSERT_EQUAL(nc_mkdir_p(path), 0);
	CU_ASSERT(nc_is_dir(path));
	/* Existing directories are fine, with or without a trailing slash or
	 * doubled slashes. */
	CU_ASSERT_EQUAL(nc_mkdir_p(path), 0);
	snprintf(path, sizeof(path), "%s/a/b/c/", tmp_root);
	CU_ASSERT_EQUAL(nc_mkdir_p(path), 0);
	snprintf(path, sizeof(path), "%s//a//d/", tmp_root);
	CU_ASSERT_EQUAL(nc_mkdir_p(path), 0);
	snprintf(path, sizeof(path), "%s/a/d", tmp_root);
	CU_ASSERT(nc_is_dir(path));
	CU_ASSERT_EQUAL(nc_mkdir_p(tmp_root), 0);

	/* A file in the way: as a parent, and as the directory itself. */
	snprintf(path, sizeof(path), "%s/file", tmp_root);
	write_file(path, "x", 1);
	CU_ASSERT(nc_is_file(path));
	CU_ASSERT_FALSE(nc_is_dir(path));
	errno = 0;
	CU_ASSERT_EQUAL(nc_mkdir_p(path), -1);
	CU_ASSERT_EQUAL(errno, ENOTDIR);
	snprintf(path, sizeof(path), "%s/file/sub", tmp_root);
	errno = 0;
	CU_ASSERT_EQUAL(nc_mkdir_p(path), -1);
	CU_ASSERT_EQUAL(errno, ENOTDIR);
	CU_ASSERT_FALSE(nc_is_dir(path));

	/* A relative path is created relative to the working directory. */
	char cwd[PATH_MAX];
	CU_ASSERT_FATAL(getcwd(cwd, sizeof(cwd)) != NULL);
	CU_ASSERT_FATAL(chdir(tmp_root) == 0);
	CU_ASSERT_EQUAL(nc_mkdir_p("rel/x"), 0);
	CU_ASSERT(nc_is_dir("rel/x"));
	CU_ASSERT_EQUAL(nc_mkdir_p("rel"), 0);
	/* The empty path names no directory. */
	errno = 0;
	CU_ASSERT_EQUAL(nc_mkdir_p(""), -1);
	CU_ASSERT_EQUAL(errno, ENOENT);
	CU_ASSERT_FATAL(chdir(cwd) == 0);

	rm_tree(tmp_root);
	CU_ASSERT_FALSE(nc_is_dir(tmp_root));
	tmp_root[0] = 0;
}

static void test_paths(void)
{
	struct {
		const char *a, *b, *want;
	} joins[] = {
		{ "a", "b", "a/b" },
		{ "a/", "b", "a/b" },
		{ "a/b", "c.scn", "a/b/c.scn" },
		{ "", "b", "b" },
		{ NULL, "b", "b" },
		{ "a", "/abs", "/abs" },
		{ "/", "b", "/b" },
		{ ".", "b", "./b" },
	};
	for (size_t i = 0; i < sizeof(joins) / sizeof(joins[0]); i++) {
		char *s = nc_path_join(joins[i].a, joins[i].b);
		ASSERT_STR(s, joins[i].want);
		free(s);
	}
	struct {
		const char *path, *dir, *base;
	} parts[] = {
		{ "a/b", "a", "b" },
		{ "x/y/z.scn", "x/y", "z.scn" },
		{ "a", ".", "a" },
		{ "/a", "/", "a" },
		{ "/", "/", "" },
		{ "a/", "a", "" },
		{ "", ".", "" },
		{ "./a", ".", "a" },
		{ "../a/b", "../a", "b" },
	};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		char *d = nc_path_dirname(parts[i].path);
		ASSERT_STR(d, parts[i].dir);
		free(d);
		ASSERT_STR(nc_path_basename(parts[i].path), parts[i].base);
	}
	/* basename borrows from its argument. */
	const char *p = "dir/name";
	CU_ASSERT_PTR_EQUAL(nc_path_basename(p), p + 4);
}

static void test_read_file(void)
{
	make_tmp();
	char path[256];
	snprintf(path, sizeof(path), "%s/data", tmp_root);
	uint8_t *d = malloc(200000);
	CU_ASSERT_FATAL(d != NULL);
	fill_bytes(d, 200000, 3);
	write_file(path, d, 200000);

	struct nc_buf b;
	/* No maximum: the whole file, across several read chunks. */
	nc_buf_init(&b, 0);
	CU_ASSERT_EQUAL(nc_read_file(path, &b), 0);
	CU_ASSERT_EQUAL(b.len, 200000);
	CU_ASSERT(b.len == 200000 && memcmp(b.data, d, 200000) == 0);
	nc_buf_free(&b);
	/* A maximum of exactly the file's size is enough. */
	nc_buf_init(&b, 200000);
	CU_ASSERT_EQUAL(nc_read_file(path, &b), 0);
	CU_ASSERT_EQUAL(b.len, 200000);
	nc_buf_free(&b);
	/* One byte less fails with EFBIG instead of cutting the file, whether
	 * the limit falls in the first read chunk or a later one. */
	size_t maxes[] = { 199999, 150000, 65536, 1000, 1 };
	for (size_t i = 0; i < sizeof(maxes) / sizeof(maxes[0]); i++) {
		nc_buf_init(&b, maxes[i]);
		errno = 0;
		CU_ASSERT_EQUAL(nc_read_file(path, &b), -1);
		CU_ASSERT_EQUAL(errno, EFBIG);
		nc_buf_free(&b);
	}
	/* An empty file is an empty buffer. */
	snprintf(path, sizeof(path), "%s/empty", tmp_root);
	write_file(path, "", 0);
	nc_buf_init(&b, 1);
	CU_ASSERT_EQUAL(nc_read_file(path, &b), 0);
	CU_ASSERT_EQUAL(b.len, 0);
	ASSERT_STR(nc_buf_str(&b), "");
	nc_buf_free(&b);
	/* A missing file and a directory fail with their errno. */
	snprintf(path, sizeof(path), "%s/missing", tmp_root);
	nc_buf_init(&b, 0);
	errno = 0;
	CU_ASSERT_EQUAL(nc_read_file(path, &b), -1);
	CU_ASSERT_EQUAL(errno, ENOENT);
	errno = 0;
	CU_ASSERT_EQUAL(nc_read_file(tmp_root, &b), -1);
	CU_ASSERT_EQUAL(errno, EISDIR);
	CU_ASSERT_FALSE(nc_is_file(tmp_root));
	CU_ASSERT_FALSE(nc_is_file(path));
	CU_ASSERT_FALSE(nc_is_dir(path));
	nc_buf_free(&b);
	free(d);
	rm_tree(tmp_root);
	tmp_root[0] = 0;
}


/* Files that are not regular files are refused without blocking: a FIFO
 * with no writer would block a plain open() for ever, and this test would
 * then hang rather than fail (ctest's timeout ends it). */
static void test_read_regular_kinds(void)
{
	make_tmp();
	char fifo[256], sock[256], dir[256], link[256], why[256];
	snprintf(fifo, sizeof(fifo), "%s/pipe.scn", tmp_root);
	snprintf(sock, sizeof(sock), "%s/sock.scn", tmp_root);
	snprintf(dir, sizeof(dir), "%s/dir.scn", tmp_root);
	snprintf(link, sizeof(link), "%s/link.scn", tmp_root);
	CU_ASSERT_EQUAL_FATAL(mkfifo(fifo, 0600), 0);
	CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
	CU_ASSERT_EQUAL_FATAL(symlink("pipe.scn", link), 0);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	CU_ASSERT_FATAL(strlen(sock) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	CU_ASSERT_EQUAL_FATAL(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	const struct {
		const char *path;
		int err;
		const char *why;
	} cases[] = {
		{ fifo, EINVAL, "it is a FIFO, not a regular file" },
		{ link, EINVAL, "it is a FIFO, not a regular file" },
		{ sock, EINVAL, "it is a socket, not a regular file" },
		{ dir, EISDIR, "it is a directory, not a regular file" },
		{ "/dev/null", EINVAL, "it is a character device, not a regular file" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nc_buf b;
		nc_buf_init(&b, 0);
		errno = 0;
		why[0] = 0;
		CU_ASSERT_EQUAL(nc_read_regular(cases[i].path, &b, why, sizeof(why)), -1);
		CU_ASSERT_EQUAL(errno, cases[i].err);
		ASSERT_STR(why, cases[i].why);
		nc_buf_free(&b);
	}
	/* A missing file gives strerror; a big one says its limit. */
	struct nc_buf b;
	nc_buf_init(&b, 4);
	char path[256];
	snprintf(path, sizeof(path), "%s/missing", tmp_root);
	CU_ASSERT_EQUAL(nc_read_regular(path, &b, why, sizeof(why)), -1);
	ASSERT_STR(why, strerror(ENOENT));
	snprintf(path, sizeof(path), "%s/big", tmp_root);
	write_file(path, "12345", 5);
	CU_ASSERT_EQUAL(nc_read_regular(path, &b, why, sizeof(why)), -1);
	CU_ASSERT_EQUAL(errno, EFBIG);
	ASSERT_STR(why, "larger than 4 bytes");
	nc_buf_free(&b);
	/* A regular file is read, and the descriptor left blocking. */
	nc_buf_init(&b, 0);
	CU_ASSERT_EQUAL(nc_read_regular(path, &b, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(b.len, 5);
	nc_buf_free(&b);
	ASSERT_STR(nc_file_kind(S_IFBLK), "a block device");
	ASSERT_STR(nc_file_kind(S_IFLNK), "a symbolic link");
	close(s);
	rm_tree(tmp_root);
	tmp_root[0] = 0;
}

/* ------------------------------------------------------------------------ */
/* Terminal text */

static const char *term(const char *s, size_t n, enum nc_term_mode mode)
{
	static struct nc_buf b;
	nc_buf_free(&b);
	nc_buf_init(&b, 0);
	CU_ASSERT_EQUAL(nc_term_esc(&b, s, n, mode), 0);
	return nc_buf_str(&b);
}

#define TERM(lit, mode) term(lit, sizeof(lit) - 1, mode)

static void test_term_hostile(void)
{
	/* Plain text and valid UTF-8 (2, 3 and 4 bytes) pass unchanged. */
	ASSERT_STR(TERM("udp/hello-bye[inet6] 3.1 ms", NC_TERM_LINE), "udp/hello-bye[inet6] 3.1 ms");
	ASSERT_STR(TERM("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", NC_TERM_LINE),
		   "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* CSI colour, OSC window title (BEL- and ST-terminated), and a bare
	 * CR that would rewrite the line. */
	ASSERT_STR(TERM("\x1b[31mred\x1b[0m", NC_TERM_LINE), "\\x1b[31mred\\x1b[0m");
	ASSERT_STR(TERM("\x1b]0;owned\x07", NC_TERM_LINE), "\\x1b]0;owned\\x07");
	ASSERT_STR(TERM("\x1b]2;t\x1b\\", NC_TERM_LINE), "\\x1b]2;t\\x1b\\");
	ASSERT_STR(TERM("PASS\rFAIL", NC_TERM_TEXT), "PASS\\rFAIL");
	/* Other C0 controls, NUL and DEL. */
	ASSERT_STR(TERM("a\x00" "b\x08" "c\x7f", NC_TERM_LINE), "a\\x00b\\x08c\\x7f");
	/* C1 controls as UTF-8 (U+009B is CSI on some terminals) and as
	 * single bytes (invalid UTF-8). */
	ASSERT_STR(TERM("\xc2\x9b" "2J", NC_TERM_LINE), "\\u009B2J");
	ASSERT_STR(TERM("\xc2\x80\xc2\x9f\xc2\xa0", NC_TERM_LINE), "\\u0080\\u009F\xc2\xa0");
	ASSERT_STR(TERM("\x9b" "2J", NC_TERM_LINE), "\\x9b2J");
	/* Invalid UTF-8: stray continuation, truncated sequence, 0xFF,
	 * overlong forms (of '/', of ESC, of NUL), surrogates, > U+10FFFF. */
	ASSERT_STR(TERM("\x80", NC_TERM_LINE), "\\x80");
	ASSERT_STR(TERM("\xe2\x82", NC_TERM_LINE), "\\xe2\\x82");
	ASSERT_STR(TERM("\xff\xfe", NC_TERM_LINE), "\\xff\\xfe");
	ASSERT_STR(TERM("\xc0\xaf", NC_TERM_LINE), "\\xc0\\xaf");
	ASSERT_STR(TERM("\xc0\x9b", NC_TERM_LINE), "\\xc0\\x9b");
	ASSERT_STR(TERM("\xe0\x80\x80", NC_TERM_LINE), "\\xe0\\x80\\x80");
	ASSERT_STR(TERM("\xf0\x80\x80\x9b", NC_TERM_LINE), "\\xf0\\x80\\x80\\x9b");
	ASSERT_STR(TERM("\xed\xa0\x80", NC_TERM_LINE), "\\xed\\xa0\\x80");
	ASSERT_STR(TERM("\xf4\x90\x80\x80", NC_TERM_LINE), "\\xf4\\x90\\x80\\x80");
	/* Line and paragraph separators, which log viewers break lines at. */
	ASSERT_STR(TERM("a\xe2\x80\xa8" "b\xe2\x80\xa9", NC_TERM_TEXT), "a\\u2028b\\u2029");
	/* Newline and tab: escaped in a line, layout in text. */
	ASSERT_STR(TERM("a\tb\nPASS  x", NC_TERM_LINE), "a\\tb\\nPASS  x");
	ASSERT_STR(TERM("a\tb\nc", NC_TERM_TEXT), "a\tb\nc");
	/* A backslash stays one backslash. */
	ASSERT_STR(TERM("\"hel\\x00lo\"", NC_TERM_LINE), "\"hel\\x00lo\"");
	/* The output never holds a byte below 0x20 other than tab and
	 * newline, nor DEL, whatever the input. */
	unsigned char all[256 * 3];
	for (size_t i = 0; i < sizeof(all); i++)
		all[i] = (unsigned char)(i * 7 + i / 256);
	const char *out = term((const char *)all, sizeof(all), NC_TERM_TEXT);
	for (const unsigned char *p = (const unsigned char *)out; *p; p++)
		CU_ASSERT(*p >= 0x20 ? *p != 0x7F : (*p == '\n' || *p == '\t'));
	term("", 0, NC_TERM_LINE);
}

static void test_term_files(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_EQUAL(nc_term_puts(f, "x\x1b[2Jy\n", NC_TERM_TEXT), 0);
	CU_ASSERT_EQUAL(nc_term_puts(f, NULL, NC_TERM_TEXT), 0);
	CU_ASSERT_EQUAL(nc_term_msg(f, "netconform: %s: %s", "dir\n/x\x1b.scn", "gone"), 0);
	fclose(f);
	ASSERT_STR(text, "x\\x1b[2Jy\nnetconform: dir\\n/x\\x1b.scn: gone\n");
	free(text);
	/* A stream that fails reports it. */
	FILE *full = fopen("/dev/full", "w");
	if (full) {
		setvbuf(full, NULL, _IONBF, 0);
		CU_ASSERT_EQUAL(nc_term_puts(full, "abc", NC_TERM_LINE), -1);
		CU_ASSERT_EQUAL(nc_term_msg(full, "%s", "abc"), -1);
		fclose(full);
	}
}

/* ------------------------------------------------------------------------ */

void nc_unit_register(void)
{
	static const struct nc_unit_test buf[] = {
		{ "basics", test_buf_basics },
		{ "max and dropped", test_buf_max },
		{ "printf growth", test_buf_printf },
		{ "big-endian puts", test_buf_put },
		{ "steal", test_buf_steal },
		{ NULL, NULL },
	};
	static const struct nc_unit_test cursor[] = {
		{ "short reads", test_cursor_short },
		{ "values", test_cursor_values },
		{ "sub-cursors", test_cursor_sub },
		{ NULL, NULL },
	};
	static const struct nc_unit_test clock[] = {
		{ "parse duration", test_parse_duration },
		{ "parse duration overflow", test_parse_duration_overflow },
		{ "format duration", test_fmt_duration },
		{ "monotonic clock", test_clock },
		{ NULL, NULL },
	};
	static const struct nc_unit_test digest[] = {
		{ "split points", test_digest_splits },
		{ "sensitivity", test_digest_sensitivity },
		{ "streamsum equal and ranges", test_streamsum_equal },
		{ "streamsum lengths and prefixes", test_streamsum_lengths },
		{ NULL, NULL },
	};
	static const struct nc_unit_test hexdump[] = {
		{ "show bytes", test_show_bytes },
		{ "first diff", test_first_diff },
		{ "hexdiff", test_hexdiff },
		{ "hexdump", test_hexdump },
		{ NULL, NULL },
	};
	static const struct nc_unit_test text[] = {
		{ "parse size", test_parse_size },
		{ "helpers", test_text_helpers },
		{ NULL, NULL },
	};
	static const struct nc_unit_test fs[] = {
		{ "mkdir_p", test_mkdir_p },
		{ "paths", test_paths },
		{ "read_file", test_read_file },
		{ "read_regular refuses other kinds", test_read_regular_kinds },
		{ NULL, NULL },
	};
	static const struct nc_unit_test termsafe[] = {
		{ "hostile bytes", test_term_hostile },
		{ "streams", test_term_files },
		{ NULL, NULL },
	};
	nc_unit_suite("buf", buf);
	nc_unit_suite("cursor", cursor);
	nc_unit_suite("clock", clock);
	nc_unit_suite("digest", digest);
	nc_unit_suite("hexdump", hexdump);
	nc_unit_suite("text", text);
	nc_unit_suite("fsutil", fs);
	nc_unit_suite("termsafe", termsafe);
}
