/* fuzz_parse.c: libFuzzer target for the scenario parser.
 *
 * Every input is parsed as a scenario file. A parse error must come with a
 * message and a sane position; a scenario that parses must be usable, so
 * every payload it holds is opened and produced (sequentially and at random
 * offsets, which must agree), every template is expanded, and the whole
 * scenario is freed, which lets ASan find leaks and double frees.
 *
 * Generated payloads may legally be 1 TiB long: at most PULL_MAX bytes are
 * taken from each, at the start and at the end.
 *
 * Run from the source root (scripts/fuzz does) so that `file` payloads and
 * `cwd` options in the seed corpus resolve as they do in the real files.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/names.h"
#include "scenario/payload.h"
#include "scenario/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Where the input pretends to live: fixtures under fixtures/parse/ resolve. */
#define FUZZ_PATH "fixtures/parse/valid/fuzz-input.scn"
#define PULL_MAX 4096
#define CHUNK 61  /* an odd size, so reads straddle generator words */

static const struct nc_varctx vars = { {
	[NC_VAR_CLIENT_ADDR] = "127.0.0.1", [NC_VAR_CLIENT_PORT] = "40000",
	[NC_VAR_CLIENT_HOSTPORT] = "127.0.0.1:40000", [NC_VAR_CLIENT_IPVER] = "4",
	[NC_VAR_SERVER_ADDR] = "::1", [NC_VAR_SERVER_PORT] = "50000",
	[NC_VAR_SERVER_HOSTPORT] = "[::1]:50000", [NC_VAR_SERVER_IPVER] = "6",
	[NC_VAR_FAMILY] = "inet6", [NC_VAR_SCENARIO] = "fuzz", [NC_VAR_UNUSED_PORT] = "9",
} };
/* Every variable has a value: a variable added without one here would make
 * every seed that uses it look like a broken expansion. */
_Static_assert(NC_VAR_COUNT == 11, "give the fuzz target's variables a value each");

/* An invariant broke: stop here, so libFuzzer keeps the input. */
static void check(int ok)
{
	if (!ok)
		abort();
}

/* Produces up to PULL_MAX bytes from the start and from the end of a
 * payload, through sequential reads and through nc_payload_at, and checks
 * that both ways give the same bytes. */
static void exercise_payload(const struct nc_payload *pl)
{
	static uint8_t seq[PULL_MAX], at[PULL_MAX];
	struct nc_payload_gen g;
	enum nc_var missing;
	if (nc_payload_open(&g, pl, &vars, &missing) < 0) {
		/* Every variable has a value, so only a bug can get here. */
		check(0);
		return;
	}
	uint64_t starts[2] = { 0, g.len > PULL_MAX ? g.len - PULL_MAX : 0 };
	for (int k = 0; k < 2; k++) {
		g.off = starts[k];
		size_t got = 0;
		while (got < PULL_MAX) {
			size_t n = nc_payload_read(&g, seq + got,
						   PULL_MAX - got < CHUNK ? PULL_MAX - got : CHUNK);
			if (n == 0)
				break;
			got += n;
		}
		check(got == (g.len - starts[k] < PULL_MAX ? g.len - starts[k] : PULL_MAX));
		for (size_t off = 0; off < got; off += 1 + off / 3) {
			size_t n = got - off < 97 ? got - off : 97;
			nc_payload_at(&g, starts[k] + off, at, n);
			check(memcmp(at, seq + off, n) == 0);
		}
	}
	struct nc_buf desc;
	nc_buf_init(&desc, 1 << 16);
	nc_payload_describe(pl, &desc);
	check(desc.len > 0);
	nc_buf_free(&desc);
	nc_payload_close(&g);

	/* Without variables, a template payload must report the first one. */
	if (pl->text.has_vars) {
		check(nc_payload_open(&g, pl, NULL, &missing) < 0);
		check((unsigned)missing < NC_VAR_COUNT);
	}
}

static void exercise_template(const struct nc_template *t)
{
	struct nc_buf out;
	nc_buf_init(&out, 1 << 20);
	check(nc_template_expand(t, &vars, &out, NULL) == 0);
	nc_buf_free(&out);
}

static void exercise_role(const struct nc_role *r)
{
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct nc_step *st = &r->steps[i];
		check(st->text != NULL && st->pos.line > 0 && st->pos.col > 0);
		check(strcmp(nc_step_name(st->kind), "?") != 0);
		if (st->kind == NC_STEP_SEND || st->kind == NC_STEP_SENDALL ||
		    st->kind == NC_STEP_SENDTO)
			exercise_payload(&st->payload);
		if (st->expect.kind == NC_EXPECT_BYTES || st->expect.kind == NC_EXPECT_PREFIX ||
		    (st->expect.kind == NC_EXPECT_UNREAD && st->expect.unread == NC_EXPECT_BYTES))
			exercise_payload(&st->expect.payload);
		if (st->expect.kind == NC_EXPECT_ERROR)
			check(strcmp(nc_errno_name(st->expect.err), "E?") != 0);
		if (st->expect.window.set)
			check(st->expect.window.lo_ns <= st->expect.window.hi_ns);
	}
	for (size_t i = 0; i < r->argc; i++)
		exercise_template(&r->argv[i]);
	for (size_t i = 0; i < r->nenv; i++)
		exercise_template(&r->env[i].value);
	for (size_t i = 0; i < r->nout; i++)
		exercise_template(&r->out[i].text);
	exercise_template(&r->ready_line);
	if (r->has_stdin)
		exercise_payload(&r->stdin_data);
	if (r->is_exec)
		check(r->argc > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nc_diag d;
	char msg[1400];
	struct nc_scenario *s = nc_scenario_parse(FUZZ_PATH, "valid/fuzz-input", "valid",
						  (const char *)data, size, &d);
	if (!s) {
		/* Every error says something, and says where unless it is about
		 * the file as a whole. */
		check(d.msg[0] != 0);
		check(memchr(d.msg, 0, sizeof(d.msg)) != NULL);
		check(memchr(d.context, 0, sizeof(d.context)) != NULL);
		check(d.line > 0 || size > NC_SCENARIO_MAX_BYTES);
		check(d.line == 0 || d.col > 0);
		nc_diag_format(&d, msg, sizeof(msg));
		check(strlen(msg) > strlen(d.path));
		return 0;
	}
	check(s->name && s->nfamilies > 0 && s->timeout_ns > 0);
	check(s->role[NC_ROLE_SERVER].present || s->role[NC_ROLE_CLIENT].present);
	for (int r = 0; r < NC_ROLE_COUNT; r++)
		if (s->role[r].present)
			exercise_role(&s->role[r]);
	for (size_t i = 0; i < s->nenv; i++)
		exercise_template(&s->env[i].value);
	for (size_t i = 0; i < s->nwire; i++) {
		check(s->wire[i].text != NULL);
		if (s->wire[i].has_payload)
			exercise_payload(&s->wire[i].payload);
	}
	nc_scenario_free(s);
	return 0;
}
