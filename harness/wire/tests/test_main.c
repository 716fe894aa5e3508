/* test_main.c: registers the suites of test_wire (main is cunit_main.c). */
#include "wire/tests/test_wire.h"
#include "tests/unit/cunit_main.h"

void nc_unit_register(void)
{
	t_register_decode();
	t_register_format();
	t_register_stream();
	t_register_golden();
}
