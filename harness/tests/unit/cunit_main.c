/* cunit_main.c: the shared main of every CUnit test program.
 *
 * Each test program defines nc_unit_register(), which adds its suites to the
 * registry. Running with a suite name as argument runs only that suite. The
 * exit status is non-zero when any assertion failed, which is what ctest
 * reads.
 */
#include <CUnit/Basic.h>
#include <stdio.h>

#include "tests/unit/cunit_main.h"

int main(int argc, char **argv)
{
	if (CU_initialize_registry() != CUE_SUCCESS) {
		fprintf(stderr, "cannot initialize CUnit: %s\n", CU_get_error_msg());
		return 2;
	}
	nc_unit_register();
	if (CU_get_error() != CUE_SUCCESS) {
		fprintf(stderr, "cannot register tests: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (argc > 1) {
		CU_pSuite s = CU_get_suite(argv[1]);
		if (!s) {
			fprintf(stderr, "no suite named '%s'\n", argv[1]);
			CU_cleanup_registry();
			return 2;
		}
		CU_basic_run_suite(s);
	} else {
		CU_basic_run_tests();
	}
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	unsigned ran = CU_get_number_of_tests_run();
	CU_cleanup_registry();
	if (ran == 0) {
		fprintf(stderr, "no tests ran\n");
		return 1;
	}
	return failed ? 1 : 0;
}
