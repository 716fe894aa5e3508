/* scn_test.h: helpers shared by the scenario parser's unit tests.
 *
 * Tests run from the source root (see nc_add_unit_test), so scenarios are
 * parsed as if they were files under fixtures/parse/valid/, and `file`
 * payloads resolve against fixtures/parse/ from there.
 */
#ifndef NC_SCENARIO_TESTS_SCN_TEST_H
#define NC_SCENARIO_TESTS_SCN_TEST_H

#include <stddef.h>

#include "scenario/scenario.h"
#include "tests/unit/cunit_main.h"

/* The path every test scenario pretends to have. */
#define SCN_TEST_PATH "fixtures/parse/valid/unit.scn"

/* Parses text (NUL-terminated) and returns the scenario, or NULL after
 * recording a CUnit failure that shows the parser's message. The caller
 * frees the scenario with nc_scenario_free(). */
struct nc_scenario *scn_parse_ok(const char *text, unsigned line, const char *file);
#define PARSE_OK(text) scn_parse_ok((text), __LINE__, __FILE__)

/* Parses text of len bytes, which must fail, and returns the one-line
 * message as netconform prints it (nc_diag_format), in a static buffer; a
 * scenario that parses is a CUnit failure and yields "". */
const char *scn_parse_err(const char *text, size_t len, unsigned line, const char *file);
#define PARSE_ERR(text) scn_parse_err((text), sizeof(text) - 1, __LINE__, __FILE__)

/* Parses text of len bytes, which must fail, and returns the diagnostic's
 * code; a scenario that parses is a CUnit failure and yields NC_DIAG_NONE. */
enum nc_diag_code scn_parse_code(const char *text, size_t len, unsigned line, const char *file);

/* Asserts that text fails to parse with a diagnostic of this code, however
 * its message is worded. */
void scn_assert_code(const char *text, size_t len, enum nc_diag_code want, unsigned line,
		     const char *file);
#define ASSERT_CODE(text, want) scn_assert_code((text), sizeof(text) - 1, (want), __LINE__, \
						__FILE__)

/* Asserts that two strings are equal, showing both when they are not. */
void scn_assert_str(const char *got, const char *want, unsigned line, const char *file);
#define ASSERT_STR(got, want) scn_assert_str((got), (want), __LINE__, __FILE__)

/* Asserts that text fails to parse with exactly the message want, which is
 * given without the "fixtures/parse/valid/unit.scn:" prefix. */
#define ASSERT_ERR(text, want) \
	scn_assert_str(scn_parse_err((text), sizeof(text) - 1, __LINE__, __FILE__), \
		       SCN_TEST_PATH ":" want, __LINE__, __FILE__)

/* Suite registration, one per test file. */
void scn_register_lexer(void);
void scn_register_header(void);
void scn_register_steps(void);
void scn_register_payloads(void);
void scn_register_endpoints(void);
void scn_register_exec(void);
void scn_register_wire(void);
void scn_register_validate(void);
void scn_register_runtime(void);
void scn_register_regex_cost(void);
void scn_register_diag(void);
void scn_register_fixtures(void);

#endif
