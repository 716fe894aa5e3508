/* report_file.c: report targets written atomically, and anonymous spools. */
#include "report/report_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fsutil.h"
#include "util/termsafe.h"
#include "util/text.h"

/* The descriptor a path names when it is one of this process's own
 * (/dev/stdout, /dev/fd/3, /proc/self/fd/1), or -1. */
static int own_descriptor(const char *path)
{
	if (strcmp(path, "/dev/stdout") == 0)
		return STDOUT_FILENO;
	if (strcmp(path, "/dev/stderr") == 0)
		return STDERR_FILENO;
	const char *num = nc_starts_with(path, "/dev/fd/")	       ? path + 8
			  : nc_starts_with(path, "/proc/self/fd/") ? path + 14
								   : NULL;
	if (!num || !*num)
		return -1;
	long n = 0;
	for (const char *p = num; *p; p++) {
		if (*p < '0' || *p > '9' || n > 1000000)
			return -1;
		n = n * 10 + (*p - '0');
	}
	return (int)n;
}

int nc_rfile_init(struct nc_rfile *rf, const char *path, char *err, size_t errlen)
{
	memset(rf, 0, sizeof(*rf));
	rf->fd = -1;
	/* umask() can only be read by setting it; it is restored at once. */
	mode_t mask = umask(022);
	umask(mask);
	rf->mode = 0666 & ~mask;
	if (!path || !*path) {
		snprintf(err, errlen, "empty report path");
		return -1;
	}
	if (strcmp(path, "-") == 0)
		return 0;
	rf->path = nc_strdup(path);
	rf->dir = nc_path_dirname(path);
	int fd = own_descriptor(path);
	if (fd >= 0) {
		if (fcntl(fd, F_GETFL) < 0) {
			snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
			goto fail;
		}
		rf->fd = fd;
		return 0;
	}
	/* stat, not lstat: a link is replaced like a file, but a link to a
	 * device (reports/junit.xml -> /dev/null) is written through. */
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(EISDIR));
		goto fail;
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		rf->in_place = true;
		return 0;
	}
	if (!nc_is_dir(rf->dir) && nc_mkdir_p(rf->dir) < 0) {
		snprintf(err, errlen, "cannot create directory %s for %s: %s", rf->dir, path,
			 strerror(errno));
		goto fail;
	}
	/* Creating (and at once removing) a temporary the way commit will is
	 * the only reliable test: access() ignores read-only mounts and ACLs
	 * and is always true for root. */
	char *probe = nc_xmalloc(strlen(path) + 16);
	sprintf(probe, "%s.tmp-XXXXXX", path);
	fd = mkostemp(probe, O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create files in %s for %s: %s", rf->dir, path,
			 strerror(errno));
		free(probe);
		goto fail;
	}
	close(fd);
	unlink(probe);
	free(probe);
	return 0;
fail:
	nc_rfile_free(rf);
	return -1;
}

const char *nc_rfile_name(const struct nc_rfile *rf)
{
	return rf->path ? rf->path : "standard output";
}

void nc_rfile_free(struct nc_rfile *rf)
{
	free(rf->path);
	free(rf->dir);
	rf->path = rf->dir = NULL;
}

FILE *nc_rfile_spool(const struct nc_rfile *rf, char *err, size_t errlen)
{
	/* A spool in the report's directory stays on the filesystem the user
	 * chose for reports (rather than a possibly small /tmp); O_TMPFILE
	 * gives it no name at all. Filesystems without O_TMPFILE fall back to
	 * tmpfile(), which is unlinked as soon as it is created. */
	if (rf->dir && !rf->in_place && rf->fd < 0) {
		int fd = open(rf->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (fd >= 0) {
			FILE *f = fdopen(fd, "w+");
			if (f)
				return f;
			close(fd);
		}
	}
	FILE *f = tmpfile();
	if (!f)
		snprintf(err, errlen, "cannot create a temporary file: %s", strerror(errno));
	return f;
}

int nc_spool_copy(FILE *spool, FILE *out)
{
	if (fflush(spool) != 0 || fseek(spool, 0, SEEK_SET) != 0)
		return -1;
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), spool)) > 0)
		if (fwrite(chunk, 1, n, out) != n)
			return -1;
	return ferror(spool) ? -1 : 0;
}

int nc_spool_reset(FILE *spool)
{
	if (fflush(spool) != 0 || fseek(spool, 0, SEEK_SET) != 0)
		return -1;
	return ftruncate(fileno(spool), 0);
}

/* The first error of a commit: the one the message names. */
static void note_error(int *first)
{
	if (!*first)
		*first = errno ? errno : EIO;
}

/* Writes the report to f and finishes the stream: flush, then (for a file
 * renamed into place) fsync, then close unless it is stdout. Every step
 * is checked; *first gets the first error. Returns 0 or -1. */
static int write_out(FILE *f, int (*write)(void *ctx, FILE *out), void *ctx, bool sync,
		     bool close_it, int *first)
{
	errno = 0;
	if (write(ctx, f) < 0 || ferror(f))
		note_error(first);
	errno = 0;
	if (fflush(f) != 0)
		note_error(first);
	if (sync && !*first && fsync(fileno(f)) < 0)
		note_error(first);
	if (close_it && fclose(f) != 0)
		note_error(first);
	return *first ? -1 : 0;
}

/* Opens a target that is not a file (a device, FIFO or socket) without
 * waiting: a FIFO without a reader fails with ENXIO instead of blocking
 * the end of the run. */
static FILE *open_in_place(const char *path)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return NULL;
	int fl = fcntl(fd, F_GETFL);
	FILE *f = NULL;
	if (fl >= 0 && fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == 0)
		f = fdopen(fd, "w");
	if (!f) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return f;
}

/* Writes the report into a new temporary file beside the target and
 * renames it into place. */
static int commit_renamed(const struct nc_rfile *rf, int (*write)(void *ctx, FILE *out),
			  void *ctx, char *err, size_t errlen)
{
	char *tmp = nc_xmalloc(strlen(rf->path) + 16);
	sprintf(tmp, "%s.tmp-XXXXXX", rf->path);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot write %s: cannot create a temporary file in %s: %s",
			 rf->path, rf->dir, strerror(errno));
		free(tmp);
		return -1;
	}
	int first = 0;
	FILE *f = NULL;
	/* mkostemp creates the file 0600; a report is for everyone who can
	 * read the directory, like any file the user creates. */
	if (fchmod(fd, rf->mode) < 0 || !(f = fdopen(fd, "w"))) {
		note_error(&first);
		close(fd);
	} else {
		write_out(f, write, ctx, true, true, &first);
	}
	if (first)
		snprintf(err, errlen, "cannot write %s: %s", rf->path, strerror(first));
	else if (rename(tmp, rf->path) < 0)
		snprintf(err, errlen, "cannot write %s: cannot rename %s into place: %s", rf->path,
			 tmp, strerror(first = errno));
	if (first)
		unlink(tmp);
	free(tmp);
	return first ? -1 : 0;
}

int nc_rfile_commit(const struct nc_rfile *rf, int (*write)(void *ctx, FILE *out), void *ctx,
		    char *err, size_t errlen)
{
	if (rf->path && !rf->in_place && rf->fd < 0)
		return commit_renamed(rf, write, ctx, err, errlen);
	int first = 0;
	FILE *f = stdout;
	bool close_it = false;
	if (rf->fd >= 0 || rf->in_place) {
		/* Our own descriptor is written through a duplicate: closing it
		 * leaves the descriptor open, and its offset shared, so what it
		 * already holds stays. */
		int fd = rf->fd >= 0 ? fcntl(rf->fd, F_DUPFD_CLOEXEC, 3) : -1;
		f = rf->fd >= 0 ? (fd >= 0 ? fdopen(fd, "w") : NULL) : open_in_place(rf->path);
		if (!f) {
			note_error(&first);
			if (fd >= 0)
				close(fd);
		}
		close_it = true;
	}
	if (f)
		write_out(f, write, ctx, false, close_it, &first);
	if (first)
		snprintf(err, errlen, "cannot write %s: %s", nc_rfile_name(rf), strerror(first));
	return first ? -1 : 0;
}

void nc_rfile_spool_error(const struct nc_rfile *rf, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "cannot write %s: %s (while writing its %s to a temporary file)",
		 nc_rfile_name(rf), strerror(errno ? errno : EIO), what);
}

int nc_rfile_finish(const struct nc_rfile *rf, const char *spool_err,
		    int (*write)(void *ctx, FILE *out), void *ctx)
{
	char err[1024];
	if (spool_err && *spool_err) {
		nc_term_msg(stderr, "netconform: %s", spool_err);
		return -1;
	}
	if (nc_rfile_commit(rf, write, ctx, err, sizeof(err)) < 0) {
		nc_term_msg(stderr, "netconform: %s", err);
		return -1;
	}
	return 0;
}

/* Splits the absolute form of path into its normalized components. */
static size_t path_parts(const char *cwd, const char *path, char ***out)
{
	struct nc_buf abs;
	nc_buf_init(&abs, 0);
	if (path[0] != '/') {
		nc_buf_adds(&abs, cwd);
		nc_buf_addc(&abs, '/');
	}
	nc_buf_adds(&abs, path);
	char *s = nc_buf_steal(&abs);
	/* One component per slash at most, so the array never grows. */
	size_t max = 1;
	for (const char *p = s; *p; p++)
		max += *p == '/';
	char **parts = nc_xmalloc(max * sizeof(*parts));
	size_t n = 0;
	char *save = NULL;
	for (char *tok = strtok_r(s, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0) {
			/* ".." at the root stays at the root, as the kernel does. */
			if (n)
				free(parts[--n]);
			continue;
		}
		parts[n++] = nc_strdup(tok);
	}
	free(s);
	*out = parts;
	return n;
}

static void url_segment(struct nc_buf *b, const char *seg)
{
	for (const unsigned char *p = (const unsigned char *)seg; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '_' || *p == '~')
			nc_buf_addc(b, *p);
		else
			nc_buf_printf(b, "%%%02X", *p);
	}
}

char *nc_link_relative(const char *cwd, const char *doc_dir, const char *target)
{
	char **from, **to;
	size_t nf = path_parts(cwd, doc_dir, &from);
	size_t nt = path_parts(cwd, target, &to);
	size_t common = 0;
	while (common < nf && common < nt && strcmp(from[common], to[common]) == 0)
		common++;
	struct nc_buf b;
	nc_buf_init(&b, 0);
	for (size_t i = common; i < nf; i++)
		nc_buf_adds(&b, "../");
	for (size_t i = common; i < nt; i++) {
		url_segment(&b, to[i]);
		if (i + 1 < nt)
			nc_buf_addc(&b, '/');
	}
	if (b.len == 0)
		nc_buf_adds(&b, "./");
	for (size_t i = 0; i < nf; i++)
		free(from[i]);
	for (size_t i = 0; i < nt; i++)
		free(to[i]);
	free(from);
	free(to);
	return nc_buf_steal(&b);
}
