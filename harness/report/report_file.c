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
#include "util/text.h"

int nc_rfile_init(struct nc_rfile *rf, const char *path, char *err, size_t errlen)
{
	memset(rf, 0, sizeof(*rf));
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
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(EISDIR));
		goto fail;
	}
	/* lstat, not stat: /dev/stdout is a link that stat follows to a
	 * regular file when output is redirected, and renaming over it would
	 * replace the link itself. */
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
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
	int fd = mkostemp(probe, O_CLOEXEC);
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
	if (rf->dir && !rf->in_place) {
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

/* Finishes a stream: 0 when every write reached the file. fclose() is
 * called in every case, and reports errors that were still buffered. */
static int close_checked(FILE *f, bool close_it)
{
	int rc = 0;
	if (fflush(f) != 0 || ferror(f))
		rc = -1;
	if (close_it && fclose(f) != 0)
		rc = -1;
	return rc;
}

int nc_rfile_commit(const struct nc_rfile *rf, int (*write)(void *ctx, FILE *out), void *ctx,
		    char *err, size_t errlen)
{
	if (!rf->path) {
		int rc = write(ctx, stdout);
		if (close_checked(stdout, false) < 0)
			rc = -1;
		if (rc < 0)
			snprintf(err, errlen, "cannot write the report to standard output: %s",
				 strerror(errno ? errno : EIO));
		return rc;
	}
	if (rf->in_place) {
		FILE *f = fopen(rf->path, "we");
		if (!f) {
			snprintf(err, errlen, "cannot open %s: %s", rf->path, strerror(errno));
			return -1;
		}
		int rc = write(ctx, f);
		if (close_checked(f, true) < 0)
			rc = -1;
		if (rc < 0)
			snprintf(err, errlen, "cannot write %s: %s", rf->path,
				 strerror(errno ? errno : EIO));
		return rc;
	}

	char *tmp = nc_xmalloc(strlen(rf->path) + 16);
	sprintf(tmp, "%s.tmp-XXXXXX", rf->path);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create a temporary file beside %s: %s", rf->path,
			 strerror(errno));
		free(tmp);
		return -1;
	}
	/* mkostemp creates the file 0600; a report is for everyone who can
	 * read the directory, like any file the user creates. */
	fchmod(fd, rf->mode);
	FILE *f = fdopen(fd, "w");
	if (!f) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	errno = 0;
	int rc = write(ctx, f);
	if (close_checked(f, true) < 0)
		rc = -1;
	if (rc < 0)
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno ? errno : EIO));
	else if (rename(tmp, rf->path) < 0) {
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, rf->path, strerror(errno));
		rc = -1;
	}
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
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
