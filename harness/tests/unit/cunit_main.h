/* cunit_main.h: the registration hook every CUnit test program defines. */
#ifndef NC_TESTS_CUNIT_MAIN_H
#define NC_TESTS_CUNIT_MAIN_H

#include <CUnit/CUnit.h>

/* Adds the program's suites with CU_add_suite/CU_add_test. */
void nc_unit_register(void);

/* Adds a suite and its tests; tests is a NULL-terminated list of
 * { name, function } pairs. */
struct nc_unit_test {
	const char *name;
	CU_TestFunc fn;
};
static inline void nc_unit_suite(const char *name, const struct nc_unit_test *tests)
{
	CU_pSuite s = CU_add_suite(name, NULL, NULL);
	for (; s && tests->name; tests++)
		CU_add_test(s, tests->name, tests->fn);
}

#endif
