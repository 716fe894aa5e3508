/* report_file.h: where a file report is written, and its spools.
 *
 * File reports never hold the run in memory. While variants arrive they are
 * formatted into spools: anonymous temporary files (O_TMPFILE in the
 * report's directory, or tmpfile()) that have no name, so the kernel
 * removes them when they are closed or the process dies, whatever the exit
 * path. At the end the final file is assembled from its header, the spools
 * and its footer into "TARGET.tmp-XXXXXX" beside the target and rename()d
 * over it, so a reader sees either the previous file or the complete new
 * one, never half of it. The named temporary exists only during that final
 * assembly and is unlinked on every error path.
 *
 * A symbolic link at the path is replaced by the new file, like any file
 * there; the file it pointed to is left alone. The named temporary is
 * fsync()ed before the rename, so after a crash the path holds the old
 * report or the whole new one; the folder itself is not synced (a crash
 * may then leave the old report, never a half-written one).
 *
 * Targets that are not files are written directly, without a temporary
 * and without fsync, which they do not have; every write, flush and close
 * is still checked, so `--junit /dev/full` is an error:
 *   - "-" is standard output;
 *   - /dev/stdout, /dev/stderr, /dev/fd/N and /proc/self/fd/N are that
 *     descriptor of this process, written after what it already holds (a
 *     redirected stdout is not truncated, and no link in /dev is touched);
 *   - a path that leads, through links or not, to a device, a FIFO or a
 *     socket (/dev/null, /dev/full, a terminal, a named pipe) is opened
 *     and written in place; a FIFO without a reader is an error (ENXIO),
 *     not a wait.
 */
#ifndef NC_REPORT_REPORT_FILE_H
#define NC_REPORT_REPORT_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

struct nc_rfile {
	char *path;        /* the target (owned); NULL for standard output */
	char *dir;         /* its directory (owned); NULL for standard output */
	bool in_place;     /* write the target directly (a device, FIFO or socket) */
	int fd;            /* >= 0: write this descriptor of ours (/dev/stdout...) */
	mode_t mode;       /* permissions of a new file: 0666 & ~umask */
};

/* Prepares to write path ("-" = standard output): creates its directory if
 * missing and checks that a file can be created there, so a bad path is
 * reported before the run rather than after it. Returns 0, or -1 with err
 * filled. */
int nc_rfile_init(struct nc_rfile *rf, const char *path, char *err, size_t errlen);
void nc_rfile_free(struct nc_rfile *rf);

/* Returns a new anonymous read-write spool; the caller closes it with
 * fclose(). NULL with err filled when none could be created. */
FILE *nc_rfile_spool(const struct nc_rfile *rf, char *err, size_t errlen);

/* The name to show for the target: its path, or "standard output". */
const char *nc_rfile_name(const struct nc_rfile *rf);

/* Writes the final file: calls write(ctx, out), which returns 0 or -1, and
 * makes the result visible only when it and every write, flush, fsync and
 * close succeeded. Returns 0, or -1 with err filled ("cannot write
 * reports/junit.xml: No space left on device") and no temporary file left. */
int nc_rfile_commit(const struct nc_rfile *rf, int (*write)(void *ctx, FILE *out), void *ctx,
		    char *err, size_t errlen);

/* Formats, into err, the message for a spool that failed while it held
 * `what` ("testcases"), naming the target and errno (EIO when none is set). */
void nc_rfile_spool_error(const struct nc_rfile *rf, const char *what, char *err, size_t errlen);

/* A file report's end: when spool_err is not empty a spool failed and the
 * report is not written; otherwise nc_rfile_commit() writes it. Either
 * failure is printed on standard error as "netconform: cannot write
 * reports/junit.xml: No space left on device". Returns 0 when the report
 * was written whole, or -1. */
int nc_rfile_finish(const struct nc_rfile *rf, const char *spool_err,
		    int (*write)(void *ctx, FILE *out), void *ctx);

/* Copies the whole spool to out; the spool's position is left at its end.
 * Returns 0 or -1 (read or write error). */
int nc_spool_copy(FILE *spool, FILE *out);
/* Empties the spool for reuse. Returns 0 or -1. */
int nc_spool_reset(FILE *spool);

/* Returns a new string: the relative URL by which a document in doc_dir
 * reaches target ("../reports/x.pcap"). Relative paths are taken relative
 * to cwd (absolute); both are normalized lexically ("." and ".." resolved
 * without looking at the filesystem, so a symbolic link followed by ".."
 * may lead elsewhere). Every byte outside RFC 3986's unreserved set and
 * "/" is percent-encoded, so the link can never read as a scheme or carry
 * markup. The caller frees the result. */
char *nc_link_relative(const char *cwd, const char *doc_dir, const char *target);

#endif
