/* shellwords.h: a command line split into words as a POSIX shell quotes
 * them, with ${name} expansion and nothing else.
 *
 * Blanks (space, tab) separate words. '...' keeps everything literal;
 * "..." keeps everything but \" \\ \$ and \` escapes and ${name}; outside
 * quotes a backslash keeps the next character literal. ${name} (outside
 * single quotes) is replaced by the caller's value for name, within the
 * word it appears in, and is never split further. A $ not followed by {
 * is a plain character. There is no other expansion: no $VAR, no globbing,
 * no command substitution, so the words are what the user wrote.
 *
 * Ownership: nc_shell_split() returns a new NULL-terminated array the
 * caller frees with nc_shell_free().
 */
#ifndef NC_UTIL_SHELLWORDS_H
#define NC_UTIL_SHELLWORDS_H

#include <stddef.h>

/* Returns the value of ${name}, or NULL when there is no such variable. */
typedef const char *(*nc_shell_lookup)(void *ctx, const char *name);

/* Returns 0 with *argv and *argc set, or -1 with err filled (an
 * unterminated quote, an unknown or unterminated ${...}). */
int nc_shell_split(const char *s, nc_shell_lookup lookup, void *ctx, char ***argv, size_t *argc,
		   char *err, size_t errlen);
void nc_shell_free(char **argv);

#endif
