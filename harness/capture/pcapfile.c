/* pcapfile.c: pcap files that exist only if they are kept. */
#include "capture/pcapfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fsutil.h"
#include "util/text.h"

int nc_pcapfile_open(struct nc_pcapfile *pf, const char *path, char *err, size_t errlen)
{
	memset(pf, 0, sizeof(*pf));
	pf->fd = -1;
	char *dir = nc_path_dirname(path);
	if (nc_mkdir_p(dir) < 0) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	pf->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0666);
	if (pf->fd < 0) {
		/* No O_TMPFILE on this file system: a named temporary instead. */
		size_t n = strlen(path) + 16;
		pf->tmp_path = nc_xmalloc(n);
		snprintf(pf->tmp_path, n, "%s.tmp-XXXXXX", path);
		pf->fd = mkostemp(pf->tmp_path, O_CLOEXEC);
		if (pf->fd < 0) {
			snprintf(err, errlen, "cannot create a file in %s: %s", dir, strerror(errno));
			free(pf->tmp_path);
			pf->tmp_path = NULL;
			free(dir);
			return -1;
		}
		fchmod(pf->fd, 0644);
	}
	free(dir);
	int dupfd = fcntl(pf->fd, F_DUPFD_CLOEXEC, 3);
	pf->stream = dupfd >= 0 ? fdopen(dupfd, "wb") : NULL;
	if (!pf->stream) {
		snprintf(err, errlen, "cannot open the pcap stream: %s", strerror(errno));
		if (dupfd >= 0)
			close(dupfd);
		nc_pcapfile_close(pf);
		return -1;
	}
	pf->path = nc_strdup(path);
	return 0;
}

int nc_pcapfile_keep(struct nc_pcapfile *pf, char *err, size_t errlen)
{
	if (pf->fd < 0)
		return -1;
	if (pf->tmp_path) {
		if (rename(pf->tmp_path, pf->path) < 0) {
			snprintf(err, errlen, "cannot write %s: %s", pf->path, strerror(errno));
			return -1;
		}
		free(pf->tmp_path);
		pf->tmp_path = NULL;
		return 0;
	}
	/* Link the anonymous file under a unique name, then rename it over the
	 * final one, so a reader never sees a missing or half-replaced file. */
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pf->fd);
	size_t n = strlen(pf->path) + 32;
	char *tmp = nc_xmalloc(n);
	snprintf(tmp, n, "%s.tmp-%ld", pf->path, (long)getpid());
	unlink(tmp);
	int rc = linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW);
	if (rc == 0 && rename(tmp, pf->path) < 0) {
		rc = -1;
		unlink(tmp);
	}
	if (rc < 0)
		snprintf(err, errlen, "cannot write %s: %s", pf->path, strerror(errno));
	free(tmp);
	return rc;
}

void nc_pcapfile_close(struct nc_pcapfile *pf)
{
	if (pf->fd >= 0)
		close(pf->fd);
	pf->fd = -1;
	if (pf->tmp_path) {
		unlink(pf->tmp_path);
		free(pf->tmp_path);
		pf->tmp_path = NULL;
	}
	free(pf->path);
	pf->path = NULL;
}
