/* parse_int.h: the scenario parser's private state and shared helpers.
 *
 * The parser is a hand-written recursive descent over the lexer's lines,
 * split by section (see scenario.h for the file map). Every section is
 * driven by one keyword table (struct nc_kw): a row names a keyword, its
 * aliases, whether it may be given once, and the function that parses the
 * rest of its line. From that one table come the dispatch, the "given
 * twice" error, the "did you mean" candidates and every "expected a, b or
 * c" list, so they cannot disagree. Adding a keyword is one row and one
 * function (scenarios/README.md, "Adding a keyword").
 *
 * Errors stop the parse: every function returns 0, or -1 with p->d filled
 * through perr() and its relatives, which add the position and what was
 * being parsed (p->ctx).
 *
 * Not part of the module's interface: only the parser's own files include
 * this header.
 */
#ifndef NC_SCENARIO_PARSE_INT_H
#define NC_SCENARIO_PARSE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario/lexer.h"
#include "scenario/scenario.h"
#include "util/buf.h"
#include "util/clock.h"

/* Limits of the format (documented in scenarios/README.md). */
#define NC_MAX_TIMEOUT_NS (3600LL * NC_SEC)
#define NC_MAX_RECV_BUF (64ULL << 20)
#define NC_MAX_GENERATED (1ULL << 40)   /* 1 TiB of generated payload */
#define NC_MAX_STEPS 4096
#define NC_MAX_WIRE 4096
#define NC_DEFAULT_TIMEOUT_NS (5 * NC_SEC) /* a scenario's, without a timeout line */

/* Room for a token in a message ("near '...'"): 40 bytes of text, each
 * possibly escaped as \xHH, and the quotes. */
#define NC_NEAR_LEN 224

struct parser;

/* A parse function that has no use for its keyword token. */
#define NC_UNUSED __attribute__((unused))

/* ------------------------------------------------------------------------ */
/* Keyword tables */

#define NC_KW_ONCE 0x1  /* may be given once (per scenario, role or step) */

struct nc_kw {
	const char *name;          /* the keyword, as written and as listed */
	const char *alias[3];      /* other accepted spellings: suggested, never listed */
	unsigned flags;            /* NC_KW_* */
	/* Parses the rest of the line after the keyword kw (already consumed).
	 * NULL in tables of plain values ("udp", "tcp"). */
	int (*parse)(struct parser *p, const struct nc_tok *kw);
	int id;                    /* the enum value the row stands for */
	const char *shown;         /* in lists, when not the name: "teardown fin|rst" */
	const char *once_with;     /* NC_KW_ONCE: shares its record with this row */
	const char *dup;           /* NC_KW_ONCE: its own "given twice" phrase */
};

struct nc_kw_table {
	const struct nc_kw *rows;
	size_t n;
	/* A second ONCE keyword is reported as dup_head 'kw' dup_tail L:C),
	 * unless its row has a phrase of its own. */
	const char *dup_head;      /* "duplicate " */
	const char *dup_tail;      /* " line (first given at" */
};

/* The most rows a table with NC_KW_ONCE rows may have. */
#define NC_KW_MAX 24

#define NC_KW_TABLE(rows) { rows, sizeof(rows) / sizeof(rows[0]), "", " given twice (first at" }

/* A table of plain values, file-local: NC_WORDS(shut_table, NC_WORD("rd",
 * SHUT_RD), ...). */
#define NC_WORD(w, v) { .name = (w), .id = (v) }
#define NC_WORDS(table, ...) \
	static const struct nc_kw table##_rows[] = { __VA_ARGS__ }; \
	static const struct nc_kw_table table = NC_KW_TABLE(table##_rows)
#define NC_KW_ROWS_FIT(rows) \
	_Static_assert(sizeof(rows) / sizeof(rows[0]) <= NC_KW_MAX, #rows " has too many rows")

/* Where each ONCE keyword of a table was first given (line 0: not yet). */
struct nc_kw_seen {
	struct nc_pos at[NC_KW_MAX];
};

/* The row whose name or alias the word t is; NULL when none (or no t). */
const struct nc_kw *nc_kw_find(const struct nc_kw_table *tb, const struct nc_tok *t);
/* The row standing for id; NULL when none. */
const struct nc_kw *nc_kw_by_id(const struct nc_kw_table *tb, int id);
/* The name of the row standing for id, or "?". */
const char *nc_kw_name(const struct nc_kw_table *tb, int id);
/* Records that the ONCE row was given at kw, or reports that it was given
 * before. Rows without NC_KW_ONCE pass. */
int nc_kw_once(struct parser *p, const struct nc_kw_table *tb, const struct nc_kw *row,
	       const struct nc_tok *kw, struct nc_kw_seen *seen);
/* Where the row standing for id was first given; line 0 when it was not. */
struct nc_pos nc_kw_first(const struct nc_kw_table *tb, const struct nc_kw_seen *seen, int id);
/* Lists the rows: "a, b, c" with `last` before the last one (" or " or
 * ", "); names that are not plain words are quoted ("'=>'"). */
const char *nc_kw_list(const struct nc_kw_table *tb, const char *last, char *buf, size_t n);
/* The known word (name or alias, of any of the ntb tables) that the word t
 * most likely misspells, or NULL. */
const char *nc_kw_suggest(const struct nc_kw_table *const *tbs, size_t ntb,
			  const struct nc_tok *t);

/* ------------------------------------------------------------------------ */
/* The parser */

enum section { SEC_HEADER, SEC_SERVER, SEC_CLIENT, SEC_WIRE };

struct parser {
	struct nc_lexer lx;
	struct nc_diag *d;
	struct nc_scenario *s;
	size_t i;                  /* next token of the current line */
	char ctx[160];             /* what is being parsed, for messages */
	char *dir;                 /* the scenario file's directory */
	enum section section;
	struct nc_kw_seen section_seen;       /* where each section started */
	struct nc_kw_seen header_seen;        /* ONCE header lines */
	struct nc_kw_seen option_seen[NC_ROLE_COUNT];  /* ONCE program options */
	struct nc_kw_seen modifier_seen;      /* ONCE modifiers of the current step */

	/* What the current line's row parses into. */
	struct nc_role *role;      /* the current role section */
	enum nc_role_id rid;
	struct nc_step *step;      /* the step being parsed */
	struct nc_wire_item *wire; /* the wire expectation being parsed */
	struct nc_payload *payload;  /* the payload being parsed */
	uint64_t payload_budget;   /* the most payload bytes the scenario may hold */
	uint64_t payload_held;     /* what it holds so far */
};

/* Makes room for element n of an array that holds n elements (the model
 * keeps no capacities; see parse_tok.c). */
void *nc_grow(void *arr, size_t n, size_t size);

/* ------------------------------------------------------------------------ */
/* Errors (parse_tok.c). Each fills p->d and returns -1. */

/* At column col of the current line, in the current context. */
int perr(struct parser *p, enum nc_diag_code code, uint32_t col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* At pos, in the context ctx (NULL: none); for whole-file validation. */
int perr_pos(struct parser *p, enum nc_diag_code code, struct nc_pos pos, const char *ctx,
	     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* A name that is not a known one, in one shape for every kind of name:
 * "<what> <shown>; did you mean 'X'? (<hint>)", where shown is the name as
 * quoted for the message and suggestion may be NULL. */
int perr_unknown(struct parser *p, uint32_t col, const char *what, const char *shown,
		 const char *suggestion, const char *hint, ...)
	__attribute__((format(printf, 6, 7)));
/* The word t as an unknown <what> (an errno, a signal, an option), with
 * the suggestion of suggest(), which names.h provides for each kind. */
int unknown_name(struct parser *p, const struct nc_tok *t, const char *what,
		 const char *(*suggest)(const char *name), const char *hint);
/* "expected X near 'tok'", or "expected X at the end of the line" when t
 * is NULL. */
int expected(struct parser *p, const struct nc_tok *t, const char *what);
/* "expected <before><a, b or c><after> near ..." from a table; `last`
 * goes before the last row (" or ", or ", " when `after` goes on). */
int expected_one_of(struct parser *p, const struct nc_tok *t, const char *before,
		    const struct nc_kw_table *tb, const char *last, const char *after);
/* The row of tb that the word t is, or NULL after reporting "expected
 * <before>a, b or c<after>". */
const struct nc_kw *expect_word_of(struct parser *p, const struct nc_tok *t, const char *before,
				   const struct nc_kw_table *tb, const char *after);
/* Fails when the line goes on. */
int expect_eol(struct parser *p);

/* ------------------------------------------------------------------------ */
/* Tokens (parse_tok.c) */

const struct nc_tok *peek(struct parser *p);
const struct nc_tok *next(struct parser *p);
/* The next token, or NULL after reporting "expected <what> at the end of
 * the line". */
const struct nc_tok *need(struct parser *p, const char *what);
/* The token after the next one, or NULL. */
const struct nc_tok *peek2(struct parser *p);
/* Column just past the last token: where "at the end of the line" points. */
uint32_t eol_col(struct parser *p);
/* The current line from column `from` to the end of its last token. */
char *line_from(struct parser *p, uint32_t from);
/* "near 'abc'", cut to a readable length, escaped for a terminal. */
const char *near(const struct nc_tok *t, char *buf, size_t n);
/* The token alone, quoted: "'abc'". */
const char *quoted(const struct nc_tok *t, char *buf, size_t n);
char *tok_str(const struct nc_tok *t);
bool word_eq(const struct nc_tok *t, const char *s);
/* Copies a word token into buf; false when it is not a word or too long. */
bool word_buf(const struct nc_tok *t, char *buf, size_t n);
/* A word as a C string for name lookups, cut at n - 1 bytes. */
const char *word_cstr(const struct nc_tok *t, char *buf, size_t n);
/* The word, as a C string, for suggestions; NULL for a string token. */
const char *word_or_null(const struct nc_tok *t, char *buf, size_t n);

/* ------------------------------------------------------------------------ */
/* Numbers, sizes, durations (parse_scan.c) */

/* A decimal number, with a size unit (K, MiB...) when units. `what` is
 * what was expected ("a buffer size (like 1024)"), `noun` names the value
 * ("buffer size"). */
int parse_u64_tok(struct parser *p, const struct nc_tok *t, const char *what, const char *noun,
		  unsigned long long max, bool units, unsigned long long *out);
/* A duration ("1.5s", "200ms") of at most one hour, in nanoseconds. */
int parse_duration_tok(struct parser *p, const struct nc_tok *t, const char *what,
		       const char *noun, int64_t *out);
/* The same, longer than zero: 0 is reported as `zero` at column zero_col,
 * or at the token when zero_col is 0. */
int parse_positive_duration(struct parser *p, const struct nc_tok *t, const char *what,
			    const char *noun, uint32_t zero_col, const char *zero, int64_t *out);
int hexval(int c);
bool is_decimal_word(const struct nc_tok *t);

/* ------------------------------------------------------------------------ */
/* Templates (parse_template.c) */

extern const struct nc_kw_table nc_var_table;
/* A quoted string: escapes decoded, ${...} variables kept as parts. */
int parse_string_tpl(struct parser *p, const struct nc_tok *tok, struct nc_template *t);
/* A bare word (or a string): no escapes in a word, but ${...} is. */
int parse_word_tpl(struct parser *p, const struct nc_tok *tok, struct nc_template *t);
/* A template of one literal part holding a copy of bytes. */
void tpl_literal(struct nc_template *t, const void *bytes, size_t n);
/* The literal bytes of t, in order; false when it uses a variable. */
bool tpl_flatten(const struct nc_template *t, struct nc_buf *out);
/* Fails when a literal part holds byte c: text handed to the C library
 * ends at a NUL, and output lines are matched without their line break. */
int tpl_refuse_byte(struct parser *p, const struct nc_tok *t, const struct nc_template *tpl,
		    char c, const char *what);
void tpl_free(struct nc_template *t);

/* ------------------------------------------------------------------------ */
/* Payloads (parse_payload.c) */

extern const struct nc_kw_table nc_payload_table;
int parse_payload(struct parser *p, struct nc_payload *pl);
/* Counts n more payload bytes held, at column col; fails past the budget,
 * naming `what` ("fixture file 'x.bin'", "this payload"). */
int payload_charge(struct parser *p, uint32_t col, uint64_t n, const char *what);
/* The fewest bytes a payload can have (variables count as empty). */
uint64_t payload_min_len(const struct nc_payload *pl);
void payload_free(struct nc_payload *pl);

/* ------------------------------------------------------------------------ */
/* Endpoints (parse_endpoint.c) */

/* "HOST[:PORT]": loopback, any, an IPv4 or a bracketed IPv6 literal. */
int parse_addr_word(struct parser *p, const struct nc_tok *t, struct nc_endpoint *ep,
		    bool port_required);
/* server, client, unused (when allowed) or an address. */
int parse_target(struct parser *p, const struct nc_tok *t, struct nc_endpoint *ep,
		 bool allow_unused);

/* ------------------------------------------------------------------------ */
/* Sections */

extern const struct nc_kw_table nc_header_table;    /* parse_header.c */
extern const struct nc_kw_table nc_family_table;    /* parse_header.c */
extern const struct nc_kw_table nc_section_table;   /* parser.c */
extern const struct nc_kw_table nc_step_table;      /* parse_step.c */
extern const struct nc_kw_table nc_modifier_table;  /* parse_modifier.c */
extern const struct nc_kw_table nc_option_table;    /* parse_exec.c */

int parse_header_line(struct parser *p);
int parse_step(struct parser *p);
/* The modifiers after a step's arguments, and the checks on the whole step. */
int parse_modifiers(struct parser *p, struct nc_step *st);
/* True for a word that starts a modifier rather than an argument. */
bool is_modifier_kw(const struct nc_tok *t);
int parse_exec_header(struct parser *p, struct nc_role *role);
int parse_exec_option(struct parser *p);
int parse_wire_line(struct parser *p);
/* NAME=VALUE, for the header's and a program's 'env'. */
int parse_env_entry(struct parser *p, struct nc_envvar **arr, size_t *n);

/* The scenario's timeout, given or default: the header, and with it the
 * timeout, is complete before the first section. */
int64_t scenario_timeout(const struct parser *p);

/* Whether the header line of id (enum header_id) has been given yet;
 * *at (when not NULL) is where. */
bool header_given(const struct parser *p, int id, struct nc_pos *at);

/* Ids of the header rows that other parts look at. */
enum header_id { HDR_SCENARIO, HDR_DESCRIPTION, HDR_TRANSPORT, HDR_FAMILY, HDR_TIMEOUT,
		 HDR_STEP_TIMEOUT, HDR_KEYWORDS, HDR_ENV, HDR_REQUIRES };

#endif
