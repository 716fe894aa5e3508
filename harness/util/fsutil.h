/* fsutil.h: files and paths. */
#ifndef NC_UTIL_FSUTIL_H
#define NC_UTIL_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* Reads a whole regular file into out (which bounds its size by its own
 * max). It never blocks in open(): a FIFO, a device, a socket or a
 * directory, named directly or through links, is refused before anything
 * is read (the path is looked at with stat(), then opened with O_NONBLOCK
 * and checked again with fstat(), so a file swapped for a FIFO in between
 * is refused too; O_NONBLOCK is cleared before reading). Returns 0, or -1
 * with errno set and, when why is not NULL, the reason in why: "it is a
 * FIFO, not a regular file", "larger than 1048576 bytes" or strerror().
 * errno is EISDIR for a directory, EINVAL for the other kinds, and EFBIG
 * for a file larger than the buffer's max, which is never silently cut. */
int nc_read_regular(const char *path, struct nc_buf *out, char *why, size_t whylen);
/* nc_read_regular without the reason. */
int nc_read_file(const char *path, struct nc_buf *out);

/* "a FIFO", "a directory", "a character device", "a block device", "a
 * socket", "a symbolic link", "a regular file" or "an unknown kind of
 * file", for st_mode's file type. */
const char *nc_file_kind(unsigned mode);

/* Creates dir and its parents (mode 0777 & ~umask); 0 or -1 with errno. */
int nc_mkdir_p(const char *dir);

/* Returns a new string "a/b" (or b alone when b is absolute or a is empty);
 * the caller frees it. */
char *nc_path_join(const char *a, const char *b);

/* Returns a new string with the directory part of path ("." if none). */
char *nc_path_dirname(const char *path);
/* Returns a borrowed pointer to the last component of path. */
const char *nc_path_basename(const char *path);

/* Looks for rel in dir, then in each parent of dir: a scenario names its
 * fixtures and programs relative to itself or to any folder above it, so
 * "fixtures/x.bin" works from scenarios/udp/a.scn whatever the working
 * directory. An absolute rel is taken as it is. Accepts a regular file, or
 * with `executable` anything executable. Returns a new string the caller
 * frees, or NULL when nothing was found. */
char *nc_path_find_up(const char *dir, const char *rel, bool executable);

bool nc_is_dir(const char *path);
bool nc_is_file(const char *path);

#endif
