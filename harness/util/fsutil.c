/* fsutil.c: files and paths. */
#include "util/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/text.h"

int nc_read_file(const char *path, struct nc_buf *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		errno = EISDIR;
		return -1;
	}
	int rc = 0;
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -1;
			break;
		}
		if (n == 0)
			break;
		if (nc_buf_add(out, chunk, (size_t)n) < 0) {
			errno = ENOMEM;
			rc = -1;
			break;
		}
		if (out->dropped) {
			errno = EFBIG;
			rc = -1;
			break;
		}
	}
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int nc_mkdir_p(const char *dir)
{
	/* The walk below starts at dir + 1, past the end of an empty string. */
	if (!dir[0]) {
		errno = ENOENT;
		return -1;
	}
	char *p = nc_strdup(dir);
	int rc = 0;
	for (char *s = p + 1; ; s++) {
		if (*s != '/' && *s != 0)
			continue;
		char c = *s;
		*s = 0;
		if (mkdir(p, 0777) < 0 && errno != EEXIST) {
			rc = -1;
			break;
		}
		*s = c;
		if (c == 0)
			break;
	}
	int saved = errno;
	free(p);
	errno = saved;
	if (rc == 0 && !nc_is_dir(dir)) {
		errno = ENOTDIR;
		return -1;
	}
	return rc;
}

char *nc_path_join(const char *a, const char *b)
{
	if (!a || !*a || b[0] == '/')
		return nc_strdup(b);
	size_t la = strlen(a);
	struct nc_buf out;
	nc_buf_init(&out, 0);
	nc_buf_adds(&out, a);
	if (a[la - 1] != '/')
		nc_buf_addc(&out, '/');
	nc_buf_adds(&out, b);
	return nc_buf_steal(&out);
}

char *nc_path_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return nc_strdup(".");
	if (slash == path)
		return nc_strdup("/");
	return nc_strndup(path, (size_t)(slash - path));
}

const char *nc_path_basename(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static bool found(const char *path, bool executable)
{
	return executable ? access(path, X_OK) == 0 : nc_is_file(path);
}

char *nc_path_find_up(const char *dir, const char *rel, bool executable)
{
	if (rel[0] == '/')
		return found(rel, executable) ? nc_strdup(rel) : NULL;
	char *d = nc_strdup(dir);
	for (int depth = 0; depth < 64; depth++) {
		char *cand = nc_path_join(d, rel);
		if (found(cand, executable)) {
			free(d);
			return cand;
		}
		free(cand);
		/* Going up from a relative path ends at ".", the working directory;
		 * a path of ".." components cannot be climbed by name. */
		if (!strcmp(d, ".") || !strcmp(d, "/") || !strcmp(nc_path_basename(d), ".."))
			break;
		char *up = nc_path_dirname(d);
		free(d);
		d = up;
	}
	free(d);
	return NULL;
}

bool nc_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool nc_is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}
