/* test_wire.h: the suites of the test_wire program. */
#ifndef NC_WIRE_TESTS_TEST_WIRE_H
#define NC_WIRE_TESTS_TEST_WIRE_H

void t_register_decode(void);
void t_register_format(void);
void t_register_stream(void);
void t_register_golden(void);

#endif
