/* shellwords.c: see shellwords.h. */
#include "util/shellwords.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/text.h"

#define NAME_MAX_LEN 64

/* Expands the ${name} at s (s[0] == '$', s[1] == '{') into w. Returns the
 * number of bytes read, or 0 with err filled. */
static size_t expand(const char *s, nc_shell_lookup lookup, void *ctx, struct nc_buf *w,
		     char *err, size_t errlen)
{
	const char *end = strchr(s + 2, '}');
	size_t len = end ? (size_t)(end - (s + 2)) : 0;
	if (!end || len == 0 || len >= NAME_MAX_LEN) {
		snprintf(err, errlen, "'${' without a name and a closing '}' in the command");
		return 0;
	}
	char name[NAME_MAX_LEN];
	memcpy(name, s + 2, len);
	name[len] = 0;
	const char *v = lookup ? lookup(ctx, name) : NULL;
	if (!v) {
		snprintf(err, errlen, "unknown variable ${%s} in the command", name);
		return 0;
	}
	nc_buf_adds(w, v);
	return len + 3;
}

int nc_shell_split(const char *s, nc_shell_lookup lookup, void *ctx, char ***argv, size_t *argc,
		   char *err, size_t errlen)
{
	char **out = NULL;
	size_t n = 0;
	struct nc_buf w;
	nc_buf_init(&w, 0);
	bool in_word = false;
	char quote = 0;
	size_t i = 0;
	while (s[i]) {
		char c = s[i];
		if (!quote && (c == ' ' || c == '\t')) {
			if (in_word) {
				out = nc_xrealloc(out, (n + 2) * sizeof(*out));
				out[n++] = nc_buf_steal(&w);
				nc_buf_init(&w, 0);
				in_word = false;
			}
			i++;
			continue;
		}
		in_word = true;
		if (quote == '\'') {
			if (c == '\'')
				quote = 0;
			else
				nc_buf_addc(&w, c);
			i++;
		} else if (c == '\'' && !quote) {
			quote = '\'';
			i++;
		} else if (c == '"') {
			quote = quote ? 0 : '"';
			i++;
		} else if (c == '\\' && s[i + 1] &&
			   (!quote || strchr("\"\\$`", s[i + 1]))) {
			nc_buf_addc(&w, s[i + 1]);
			i += 2;
		} else if (c == '$' && s[i + 1] == '{') {
			size_t used = expand(s + i, lookup, ctx, &w, err, errlen);
			if (!used)
				goto fail;
			i += used;
		} else {
			nc_buf_addc(&w, c);
			i++;
		}
	}
	if (quote) {
		snprintf(err, errlen, "unterminated %s quote in the command",
			 quote == '\'' ? "single" : "double");
		goto fail;
	}
	if (in_word) {
		out = nc_xrealloc(out, (n + 2) * sizeof(*out));
		out[n++] = nc_buf_steal(&w);
	} else {
		nc_buf_free(&w);
	}
	if (!out)
		out = nc_xcalloc(1, sizeof(*out));
	out[n] = NULL;
	*argv = out;
	*argc = n;
	return 0;
fail:
	nc_buf_free(&w);
	if (out) {
		out[n] = NULL;
		nc_shell_free(out);
	}
	return -1;
}

void nc_shell_free(char **argv)
{
	if (!argv)
		return;
	for (size_t i = 0; argv[i]; i++)
		free(argv[i]);
	free(argv);
}
