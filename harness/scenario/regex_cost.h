/* regex_cost.h: a bound on what a POSIX extended regular expression costs
 * glibc's regcomp, checked before it is compiled.
 *
 * glibc's regcomp copies a repeated expression once per repetition ("a+"
 * becomes "aa*", "a{3}" becomes "aaa"), and then computes the empty-match
 * closure of every node, which grows with the square of the nodes that may
 * match nothing, and far faster when a repetition may repeat nothing. A
 * pattern of a few bytes can take gigabytes or minutes: "^w+++++?+++++x",
 * "((w){0,255}){0,255}", "(a?b?c?d?e?f?g?h?i?j?k?l?m?n?o?p?){255,}".
 * Output checks need none of that, so the parser accepts only patterns
 * whose cost is clearly bounded (each limit measured to compile in well
 * under a second):
 *   - no two repetition operators in a row (POSIX leaves "a+*" undefined);
 *   - groups nest at most NC_REGEX_MAX_DEPTH deep;
 *   - repetitions nest at most NC_REGEX_MAX_NESTING deep, as in "(x{1,3}){3}";
 *   - interval bounds are at most NC_REGEX_MAX_BOUND and multiply to at most
 *     NC_REGEX_MAX_PRODUCT when nested;
 *   - once expanded, at most NC_REGEX_MAX_COPIES atoms, of which at most
 *     NC_REGEX_MAX_NULLABLE may match nothing.
 * Whether the pattern is valid at all is left to regcomp.
 */
#ifndef NC_SCENARIO_REGEX_COST_H
#define NC_SCENARIO_REGEX_COST_H

#include <stddef.h>

#include "scenario/scenario.h"

#define NC_REGEX_MAX_BOUND 255      /* POSIX's RE_DUP_MAX: portable everywhere */
#define NC_REGEX_MAX_COPIES 65536   /* atoms once repetitions are expanded */
#define NC_REGEX_MAX_NULLABLE 512   /* of which may match nothing */
#define NC_REGEX_MAX_PRODUCT 4096   /* repetition counts multiplied when nested */
#define NC_REGEX_MAX_NESTING 2      /* repetitions inside repeated groups */
#define NC_REGEX_MAX_DEPTH 64       /* groups inside groups */

/* Checks the NUL-terminated pattern re. Returns NC_DIAG_NONE when its cost
 * is bounded; otherwise the code of the problem (NC_DIAG_SYNTAX,
 * NC_DIAG_RANGE or NC_DIAG_LIMIT) with a sentence saying what is wrong,
 * and where, in msg. */
enum nc_diag_code nc_regex_cost_check(const char *re, char *msg, size_t n);

#endif
