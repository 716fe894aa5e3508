/* fsutil.c: files and paths. */
#include "util/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/text.h"

const char *nc_file_kind(unsigned mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "a regular file";
	case S_IFDIR: return "a directory";
	case S_IFIFO: return "a FIFO";
	case S_IFCHR: return "a character device";
	case S_IFBLK: return "a block device";
	case S_IFSOCK: return "a socket";
	case S_IFLNK: return "a symbolic link";
	default: return "an unknown kind of file";
	}
}

/* Fails with the reason when st is not a regular file. */
static int refuse_kind(const struct stat *st, char *why, size_t whylen)
{
	if (S_ISREG(st->st_mode))
		return 0;
	if (why)
		snprintf(why, whylen, "it is %s, not a regular file", nc_file_kind(st->st_mode));
	errno = S_ISDIR(st->st_mode) ? EISDIR : EINVAL;
	return -1;
}

static int fail_errno(char *why, size_t whylen)
{
	int e = errno;
	if (why)
		snprintf(why, whylen, "%s", strerror(e));
	errno = e;
	return -1;
}

/* Opens path for reading, refusing anything but a regular file, without
 * ever waiting: a FIFO without a writer or a device would otherwise block
 * open() (or have effects, such as a tape rewinding) before fstat could
 * look at it. Returns the descriptor, or -1. */
static int open_regular(const char *path, char *why, size_t whylen)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return fail_errno(why, whylen);
	if (refuse_kind(&st, why, whylen) < 0)
		return -1;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return fail_errno(why, whylen);
	int fl;
	if (fstat(fd, &st) < 0 || (fl = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		fail_errno(why, whylen);
	} else if (refuse_kind(&st, why, whylen) == 0) {
		return fd;
	}
	int e = errno;
	close(fd);
	errno = e;
	return -1;
}

int nc_read_regular(const char *path, struct nc_buf *out, char *why, size_t whylen)
{
	int fd = open_regular(path, why, whylen);
	if (fd < 0)
		return -1;
	int rc = 0;
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = fail_errno(why, whylen);
			break;
		}
		if (n == 0)
			break;
		if (nc_buf_add(out, chunk, (size_t)n) < 0) {
			errno = ENOMEM;
			rc = fail_errno(why, whylen);
			break;
		}
		if (out->dropped) {
			if (why)
				snprintf(why, whylen, "larger than %zu bytes", out->max);
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

int nc_read_file(const char *path, struct nc_buf *out)
{
	return nc_read_regular(path, out, NULL, 0);
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
