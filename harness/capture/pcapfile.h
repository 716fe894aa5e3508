/* pcapfile.h: a pcap file that exists only if it is kept.
 *
 * With --keep-pcap=failed, whether a capture is kept is known only after
 * the checks. The file is therefore written as an anonymous O_TMPFILE in
 * the target directory and linked into place at the end, or simply closed:
 * however the supervisor dies, no temporary file is left behind. Where
 * O_TMPFILE is unsupported, a named temporary is used and removed.
 */
#ifndef NC_CAPTURE_PCAPFILE_H
#define NC_CAPTURE_PCAPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct nc_pcapfile {
	int fd;            /* our own descriptor, for linking; -1 when closed */
	FILE *stream;      /* handed to the pcap dumper, which closes it */
	char *path;        /* the final path */
	char *tmp_path;    /* the named temporary, when O_TMPFILE is unavailable */
};

/* Prepares the file for final path `path`, creating its directory. */
int nc_pcapfile_open(struct nc_pcapfile *pf, const char *path, char *err, size_t errlen);
/* Makes the file appear at its final path (replacing an older one). The
 * data must have been flushed. */
int nc_pcapfile_keep(struct nc_pcapfile *pf, char *err, size_t errlen);
/* Releases our descriptor and any named temporary. */
void nc_pcapfile_close(struct nc_pcapfile *pf);

#endif
